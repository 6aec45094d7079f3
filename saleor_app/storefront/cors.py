"""CORS for the public API, which carries no credentials: a tenant's `allowed_origins`, or any
origin while that list is empty.

A preflight cannot carry the `Saleor-Api-Url` value, so it cannot know the shop: it grants any
http(s) origin for a POST with our two headers, at no cost in tenants. The actual response names
the origin only when the named tenant allows it, so a storefront restricted to its own origins
can be read only there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from saleor_app.context import AppContext

ALLOWED_METHODS = "POST, OPTIONS"
ALLOWED_HEADERS = frozenset({"content-type", "saleor-api-url"})
PREFLIGHT_MAX_AGE_SECONDS = 600


def normalize_origin(origin: str) -> str | None:
    """`scheme://host[:port]` in lower case, or None when it is not an http(s) origin."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(origin: str, allowed: list[str]) -> bool:
    """Whether a tenant admits a request's Origin: any http(s) origin while its list is empty."""
    wanted = normalize_origin(origin)
    if wanted is None:
        return False
    return not allowed or wanted in {normalize_origin(item) for item in allowed}


def app_origin(ctx: AppContext) -> str | None:
    """The app's own origin (its pages, e.g. /demo, are same-origin)."""
    return normalize_origin(ctx.settings.app_url)
