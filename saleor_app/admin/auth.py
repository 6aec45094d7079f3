"""Who calls the merchant API: a Saleor staff user holding MANAGE_ORDERS, proven by a JWT."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from saleor_app.admin.tokens import TokenInvalid, verify_saleor_jwt
from saleor_app.context import AppContext
from saleor_app.refusal import Refused
from saleor_app.saleor.client import SaleorClient, SaleorRefused, SaleorUnavailable
from saleor_app.store.keys import tenant_key
from saleor_app.store.tenants import Tenant

log = logging.getLogger(__name__)

REQUIRED_PERMISSION = "MANAGE_ORDERS"


class AuthRefused(Refused):
    """The caller may not use the merchant API; `status` is 401, 403 or 503."""


@dataclass(frozen=True)
class Staff:
    """The verified staff user behind a request."""

    email: str
    user_id: str
    token_type: str
    permissions: frozenset[str]


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The JWT from `Authorization-Bearer` (app-sdk) or `Authorization: Bearer`."""
    token = headers.get("authorization-bearer", "").strip()
    if token:
        return token
    scheme, _, value = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def tenant_for(ctx: AppContext, saleor_api_url: str | None) -> Tenant:
    """The tenant installed from this Saleor, or 401."""
    if not saleor_api_url:
        raise AuthRefused(401, "NO_SALEOR_API_URL", "the Saleor-Api-Url header is missing")
    tenant = await ctx.tenants.get_by_api_url(saleor_api_url)
    if tenant is None:
        raise AuthRefused(401, "UNKNOWN_SALEOR", "the app is not installed in this Saleor")
    return tenant


async def authenticate(ctx: AppContext, tenant: Tenant, token: str | None) -> Staff:
    """Verify the token and the MANAGE_ORDERS permission, or raise AuthRefused."""
    if not token:
        raise AuthRefused(401, "NO_TOKEN", "a Saleor token is required (Authorization-Bearer)")
    try:
        claims = await verify_saleor_jwt(ctx, tenant, token)
    except TokenInvalid as exc:
        log.warning("dashboard token refused", extra={"tenant": tenant.id, "reason": str(exc)})
        raise AuthRefused(401, "INVALID_TOKEN", str(exc)) from None
    kind = claims.get("type")
    if kind == "thirdparty":
        if claims.get("app") != tenant.app_id:
            log.warning("dashboard token for another app", extra={"tenant": tenant.id})
            raise AuthRefused(401, "INVALID_TOKEN", "the token was issued for another app")
        permissions = _names(claims.get("user_permissions"))
    elif kind == "access":
        permissions = await _staff_permissions(ctx, tenant, token, claims)
    else:
        raise AuthRefused(401, "INVALID_TOKEN", "only dashboard and staff access tokens are valid")
    staff = Staff(
        email=str(claims.get("email") or ""),
        user_id=str(claims.get("user_id") or ""),
        token_type=str(kind),
        permissions=permissions,
    )
    if REQUIRED_PERMISSION not in permissions:
        log.warning("dashboard user lacks MANAGE_ORDERS", extra={"tenant": tenant.id})
        raise AuthRefused(403, "PERMISSION_DENIED", "the MANAGE_ORDERS permission is required")
    return staff


def _names(value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(item for item in value if isinstance(item, str))


async def _staff_permissions(
    ctx: AppContext, tenant: Tenant, token: str, claims: dict[str, Any]
) -> frozenset[str]:
    """Ask Saleor `me { userPermissions }` with the token; cached until the token expires."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    key = tenant_key(tenant.id, "staff-perms", digest)
    cached = await ctx.store.client.get(key)
    if cached is not None:
        return frozenset(json.loads(cached))
    client = SaleorClient(
        tenant.saleor_api_url, token, ctx.settings.saleor_timeout_seconds, ctx.saleor_addresses
    )
    try:
        result = await client.query("me_permissions", attempts=2)
    except SaleorRefused:
        raise AuthRefused(401, "INVALID_TOKEN", "Saleor does not accept this token") from None
    except SaleorUnavailable:
        log.warning("saleor unavailable for me query", extra={"tenant": tenant.id})
        raise AuthRefused(503, "SALEOR_UNAVAILABLE", "Saleor did not answer; try again") from None
    me = result.get("me")
    if not isinstance(me, dict):
        raise AuthRefused(401, "INVALID_TOKEN", "Saleor knows no staff user for this token")
    codes = sorted(
        str(item["code"]) for item in me.get("userPermissions") or [] if item.get("code")
    )
    expires = max(int(claims["exp"]), int(time.time()) + 1)
    await ctx.store.client.set(key, json.dumps(codes), exat=expires)
    return frozenset(codes)
