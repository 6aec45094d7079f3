"""The app manifest: manifest.json plus the webhook definitions, URLs under APP_URL."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from saleor_app.paths import MANIFEST_TEMPLATE
from saleor_app.saleor.webhooks import SaleorWebhook
from saleor_app.version import app_version

URL_KEYS = ("appUrl", "tokenTargetUrl", "homepageUrl", "supportUrl", "dataPrivacyUrl")


@cache
def manifest_identifier() -> str:
    """The manifest's `id`: Saleor stores it as the app's `identifier`."""
    identifier: str = json.loads(MANIFEST_TEMPLATE.read_text())["id"]
    return identifier


def _version(text: str | None) -> tuple[int, ...] | None:
    """Major and minor of a version such as 3.22; None when absent or unreadable."""
    try:
        return tuple(int(part) for part in (text or "").strip().split(".")[:2])
    except ValueError:
        return None


def _fits(extension: dict[str, Any], saleor_version: tuple[int, ...] | None) -> bool:
    """Whether an extension suits that Saleor (no version header: the newest)."""
    low = _version(extension.pop("minSaleorVersion", None))
    below = _version(extension.pop("belowSaleorVersion", None))
    if saleor_version is None:
        return below is None
    return (low is None or saleor_version >= low) and (below is None or saleor_version < below)


def build_manifest(
    app_url: str,
    webhooks: Iterable[SaleorWebhook],
    saleor_version: str | None = None,
    links: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The manifest Saleor fetches, with every URL absolute under `app_url` unless the operator
    gave its own page in `links` (homepageUrl, supportUrl, dataPrivacyUrl); extensions suit the
    `Saleor-Schema-Version` Saleor sends (3.20 and 3.21 refuse WIDGET mounts)."""
    manifest: dict[str, Any] = json.loads(MANIFEST_TEMPLATE.read_text())
    manifest["version"] = app_version()
    for key in URL_KEYS:
        if key in manifest:
            manifest[key] = (links or {}).get(key) or app_url + manifest[key]
    logo = manifest.get("brand", {}).get("logo", {})
    if "default" in logo:
        logo["default"] = app_url + logo["default"]
    wanted = _version(saleor_version)
    manifest["extensions"] = [e for e in manifest.get("extensions", []) if _fits(e, wanted)]
    for extension in manifest["extensions"]:
        extension["url"] = app_url + extension["url"]
    manifest["webhooks"] = [hook.manifest_entry(app_url) for hook in webhooks]
    return manifest
