"""CORS for the public API, which carries no credentials: a tenant's `allowed_origins`, or any
origin while that list is empty.

A preflight cannot carry the `Saleor-Api-Url` value, so it cannot know the shop: it grants any
http(s) origin for a POST with our two headers, at no cost in tenants. The actual response names
the origin only when the named tenant allows it, so a storefront restricted to its own origins
can be read only there.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from saleor_app.context import AppContext
from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands

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


REFUSED_ORIGINS_KEPT = 5
REFUSED_ORIGINS_SECONDS = 24 * 3600


def refused_origins_key(tenant_id: str) -> str:
    """The storefront origins a tenant's list refused lately (newest last)."""
    return tenant_key(tenant_id, "cors-refused")


async def note_refused_origin(redis: Commands, tenant_id: str, origin: str) -> None:
    """Remember (a day, the newest few) that a page on `origin` was refused, so the merchant
    sees why a widget there cannot work."""
    key = refused_origins_key(tenant_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zadd(key, {origin: time.time()})
        pipe.zremrangebyrank(key, 0, -REFUSED_ORIGINS_KEPT - 1)
        pipe.expire(key, REFUSED_ORIGINS_SECONDS)
        await pipe.execute()


async def refused_origins(redis: Commands, tenant_id: str, allowed: list[str]) -> list[str]:
    """Origins refused lately that the tenant's list still refuses."""
    seen: list[str] = await redis.zrange(refused_origins_key(tenant_id), 0, -1)
    return [origin for origin in seen if not origin_allowed(origin, allowed)]
