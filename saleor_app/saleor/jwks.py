"""Fetching a Saleor's JWKS, with refreshes rate-limited across all app processes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands


class JwksUnavailable(Exception):
    """The Saleor's JWKS could not be fetched or is not a JWKS."""


def jwks_url(saleor_api_url: str) -> str:
    """`<origin>/.well-known/jwks.json` for a Saleor API URL, as app-sdk derives it."""
    parts = urlsplit(saleor_api_url)
    return f"{parts.scheme}://{parts.netloc}/.well-known/jwks.json"


async def fetch_jwks(http: httpx.AsyncClient, saleor_api_url: str) -> dict[str, Any]:
    """GET the JWKS of a Saleor; raise JwksUnavailable on any failure."""
    try:
        response = await http.get(jwks_url(saleor_api_url))
        response.raise_for_status()
        jwks = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise JwksUnavailable(f"JWKS not available: {type(exc).__name__}") from None
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise JwksUnavailable("JWKS has no keys list")
    return jwks


async def may_refresh_jwks(redis: Commands, tenant_id: str, interval_seconds: float) -> bool:
    """Claim the right to refetch a tenant's JWKS: at most once per interval, fleet-wide."""
    if interval_seconds <= 0:
        return True
    claimed = await redis.set(
        tenant_key(tenant_id, "jwks-refresh"), "1", nx=True, px=int(interval_seconds * 1000)
    )
    return bool(claimed)
