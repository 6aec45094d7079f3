"""The app manifest: manifest.json plus the webhook definitions, URLs under APP_URL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from saleor_app.paths import MANIFEST_TEMPLATE
from saleor_app.saleor.webhooks import SaleorWebhook

URL_KEYS = ("appUrl", "tokenTargetUrl", "homepageUrl", "supportUrl", "dataPrivacyUrl")


def app_version() -> str:
    """The installed distribution's version."""
    try:
        return version("saleor-reverse-otp")
    except PackageNotFoundError:
        return "0.0.0"


def build_manifest(app_url: str, webhooks: Iterable[SaleorWebhook]) -> dict[str, Any]:
    """The manifest Saleor fetches, with every URL absolute under `app_url`."""
    manifest: dict[str, Any] = json.loads(MANIFEST_TEMPLATE.read_text())
    manifest["version"] = app_version()
    for key in URL_KEYS:
        if key in manifest:
            manifest[key] = app_url + manifest[key]
    for extension in manifest.get("extensions", []):
        extension["url"] = app_url + extension["url"]
    manifest["webhooks"] = [hook.manifest_entry(app_url) for hook in webhooks]
    return manifest
