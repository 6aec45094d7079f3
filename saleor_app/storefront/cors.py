"""CORS for the public API: a tenant's own `allowed_origins` and nothing else.

A preflight cannot carry the `Saleor-Api-Url` value, so it is granted when the origin is in
some tenant's list; the actual response names the origin only when it is in the named tenant's
list, so a storefront can read only the answers of its own shop.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from saleor_app.context import AppContext

ALLOWED_METHODS = "POST, OPTIONS"
ALLOWED_HEADERS = frozenset({"content-type", "saleor-api-url"})
PREFLIGHT_MAX_AGE_SECONDS = 600
REFRESH_SECONDS = 1.0


def normalize_origin(origin: str) -> str | None:
    """`scheme://host[:port]` in lower case, or None when it is not an http(s) origin."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(origin: str, allowed: list[str]) -> bool:
    """Whether a request's Origin is in a tenant's list."""
    wanted = normalize_origin(origin)
    return wanted is not None and wanted in {normalize_origin(item) for item in allowed}


def app_origin(ctx: AppContext) -> str | None:
    """The app's own origin (its pages, e.g. /demo, are same-origin)."""
    return normalize_origin(ctx.settings.app_url)


class OriginDirectory:
    """The union of every tenant's allowed origins, re-read at most once a second on a miss."""

    def __init__(self) -> None:
        self._origins: frozenset[str] = frozenset()
        self._read_at = float("-inf")

    async def any_tenant_allows(self, ctx: AppContext, origin: str) -> bool:
        """Whether some tenant allows this origin (for preflights)."""
        wanted = normalize_origin(origin)
        if wanted is None:
            return False
        if wanted in self._origins or wanted == app_origin(ctx):
            return True
        if time.monotonic() - self._read_at >= REFRESH_SECONDS:
            self._read_at = time.monotonic()
            self._origins = await _all_origins(ctx)
        return wanted in self._origins


async def _all_origins(ctx: AppContext) -> frozenset[str]:
    found: set[str] = set()
    for tenant_id in await ctx.tenants.all_ids():
        settings = await ctx.tenant_settings.get(tenant_id)
        found.update(o for o in map(normalize_origin, settings.allowed_origins) if o)
    return frozenset(found)
