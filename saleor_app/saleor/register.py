"""Install: Saleor posts an app token; verify it with that Saleor and store the tenant."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from saleor_app.context import AppContext
from saleor_app.jobs.queue import enqueue
from saleor_app.jobs.webhook_activation import ACTIVATION_ATTEMPTS
from saleor_app.json_input import loads_untrusted
from saleor_app.saleor.client import SaleorClient, SaleorRefused, SaleorUnavailable
from saleor_app.saleor.jwks import JwksUnavailable, fetch_jwks
from saleor_app.saleor.manifest import manifest_identifier
from saleor_app.saleor.outbound import AddressRefused
from saleor_app.store.tenants import Tenant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisterAnswer:
    """The status and JSON body Saleor shows the merchant."""

    status: int
    body: dict[str, Any]


def _refuse(status: int, code: str, message: str) -> RegisterAnswer:
    log.warning("install refused", extra={"reason": code})
    return RegisterAnswer(status, {"success": False, "error": {"code": code, "message": message}})


async def register(ctx: AppContext, headers: Mapping[str, str], body: bytes) -> RegisterAnswer:
    """Handle Saleor's unsigned `POST /api/register` exactly as app-sdk does."""
    api_url = headers.get("saleor-api-url", "").strip()
    if not api_url:
        return _refuse(400, "MISSING_SALEOR_API_URL", "Missing Saleor-Api-Url header.")
    if not _is_api_url(api_url):
        return _refuse(400, "INVALID_SALEOR_API_URL", "Saleor-Api-Url is not an http(s) URL.")
    token = _auth_token(body)
    if token is None:
        return _refuse(400, "MISSING_AUTH_TOKEN", "Missing auth token.")
    if not ctx.settings.saleor_url_allowed(api_url):
        return _refuse(403, "SALEOR_URL_PROHIBITED", "This Saleor may not install the app.")
    try:
        await ctx.saleor_addresses.check_url(api_url)
    except AddressRefused:
        log.warning("install refused: non-public saleor address", extra={"saleor_api_url": api_url})
        return _refuse(
            403, "SALEOR_ADDRESS_REFUSED",
            "This Saleor's address is not public; the operator allows private networks with "
            "SALEOR_PRIVATE_NETWORKS.",
        )
    except httpx.TransportError:
        return _refuse(400, "SALEOR_UNRESOLVABLE", "The Saleor's host name does not resolve.")
    saleor = SaleorClient(api_url, token, ctx.settings.saleor_timeout_seconds, ctx.saleor_addresses)
    try:
        app = (await saleor.query("app_id"))["app"]
        app_id, identifier = app["id"], app.get("identifier")
    except (SaleorUnavailable, SaleorRefused, KeyError, TypeError):
        return _refuse(401, "UNKNOWN_APP_ID", "The app could not verify its token with Saleor.")
    if identifier != manifest_identifier():
        return _refuse(403, "WRONG_APP", "This token belongs to another app of this Saleor.")
    try:
        jwks = await fetch_jwks(ctx.http, api_url)
    except JwksUnavailable:
        return _refuse(401, "JWKS_NOT_AVAILABLE", "The Saleor's signing keys could not be fetched.")
    tenant = await ctx.tenants.install(Tenant.new(api_url, app_id, token, jwks))
    job_key = f"activate:{tenant.id}:{tenant.installed_at}"
    await enqueue(
        ctx.jobs, "activate_webhooks", job_key, ACTIVATION_ATTEMPTS, tenant_id=tenant.id
    )
    log.info("tenant installed", extra={"tenant": tenant.id, "saleor_api_url": api_url})
    return RegisterAnswer(200, {"success": True})


def _auth_token(body: bytes) -> str | None:
    try:
        data = loads_untrusted(body)
    except ValueError:
        return None
    token = data.get("auth_token") if isinstance(data, dict) else None
    return token if isinstance(token, str) and token else None


def _is_api_url(value: str) -> bool:
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and len(value) <= 2048
        and value.isascii()
        and not any(ch.isspace() for ch in value)
    )
