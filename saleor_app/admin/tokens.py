"""Verify a JWT issued by a tenant's Saleor: signature (JWKS), expiry, issuer, RS256 only."""

from __future__ import annotations

import logging
from typing import Any

import jwt
from jwt.exceptions import InvalidSignatureError, InvalidTokenError, PyJWKError

from saleor_app.context import AppContext
from saleor_app.saleor.jwks import JwksUnavailable, fetch_jwks, may_refresh_jwks
from saleor_app.store.tenants import Tenant

log = logging.getLogger(__name__)

LEEWAY_SECONDS = 10


class TokenInvalid(Exception):
    """The token is malformed, forged, expired or from another Saleor."""


class _UnknownKey(Exception):
    """The token names a key the cached JWKS does not hold."""


def _key_for(jwks: dict[str, Any], kid: str) -> Any:
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict)]
    jwk = next((k for k in keys if k.get("kid") == kid), None)
    if jwk is None:
        raise _UnknownKey
    try:
        return jwt.PyJWK(jwk, algorithm="RS256").key
    except PyJWKError:
        raise _UnknownKey from None


def _decode(token: str, jwks: dict[str, Any], kid: str, issuer: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        _key_for(jwks, kid),
        algorithms=["RS256"],
        issuer=issuer,
        leeway=LEEWAY_SECONDS,
        options={"require": ["exp", "iat", "iss"]},
    )
    return claims


def _kid(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except InvalidTokenError:
        raise TokenInvalid("the token is not a JWT") from None
    if header.get("alg") != "RS256":
        raise TokenInvalid("the token must be signed with RS256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenInvalid("the token names no signing key")
    return kid


async def verify_saleor_jwt(ctx: AppContext, tenant: Tenant, token: str) -> dict[str, Any]:
    """The verified claims; refetch the JWKS once (rate-limited) on an unknown key or a
    signature that fails, as after a key rotation."""
    kid = _kid(token)
    try:
        return _decode(token, tenant.jwks, kid, tenant.saleor_api_url)
    except (_UnknownKey, InvalidSignatureError):
        pass
    except InvalidTokenError as exc:
        raise TokenInvalid(f"the token is not valid: {exc}") from None
    jwks = await _refreshed_jwks(ctx, tenant)
    if jwks is None:
        raise TokenInvalid("the token is not signed by this Saleor")
    try:
        return _decode(token, jwks, kid, tenant.saleor_api_url)
    except (_UnknownKey, InvalidSignatureError):
        raise TokenInvalid("the token is not signed by this Saleor") from None
    except InvalidTokenError as exc:
        raise TokenInvalid(f"the token is not valid: {exc}") from None


async def _refreshed_jwks(ctx: AppContext, tenant: Tenant) -> dict[str, Any] | None:
    interval = ctx.settings.jwks_refresh_interval_seconds
    if not await may_refresh_jwks(ctx.store.client, tenant.id, interval):
        return None
    try:
        jwks = await fetch_jwks(ctx.http, tenant.saleor_api_url)
    except JwksUnavailable as exc:
        log.warning("jwks refresh failed", extra={"tenant": tenant.id, "reason": str(exc)})
        return None
    if jwks != tenant.jwks:
        await ctx.tenants.update_jwks(tenant.id, jwks)
        log.info("jwks refreshed for a dashboard token", extra={"tenant": tenant.id})
    return jwks
