"""The one verified entry for Saleor webhooks: tenant, event, signature, recipient."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from saleor_app.json_input import loads_untrusted
from saleor_app.refusal import Refused
from saleor_app.saleor.jwks import JwksUnavailable, fetch_jwks, may_refresh_jwks
from saleor_app.saleor.signature import SignatureInvalid, verify_webhook_signature
from saleor_app.store.redis import Commands
from saleor_app.store.tenant_cache import TenantCache, TenantView
from saleor_app.store.tenants import Tenant, TenantRepository

log = logging.getLogger(__name__)

CACHED_DATA_REFUSALS = frozenset({"SIGNATURE_VERIFICATION_FAILED", "WRONG_RECIPIENT"})
"""Refusals that depend on the tenant record: checked again on a fresh one before they stand."""


class WebhookRefused(Refused):
    """A webhook is refused; `status` is what Saleor gets (4xx: do not retry, 5xx: retry)."""


@dataclass(frozen=True)
class VerifiedWebhook:
    """A webhook whose origin and recipient are proven."""

    tenant: Tenant
    event: str
    payload: dict[str, Any]
    raw_body: bytes


@dataclass(frozen=True)
class WebhookVerifier:
    """Checks a Saleor webhook request before any handler sees it. The tenant comes from the
    process's cache; a refusal made on cached data is checked again on fresh data."""

    cache: TenantCache
    tenants: TenantRepository
    redis: Commands
    http: httpx.AsyncClient
    jwks_refresh_interval: float

    async def verify(
        self, headers: Mapping[str, str], body: bytes, expected_event: str
    ) -> VerifiedWebhook:
        """Return the verified webhook or raise WebhookRefused."""
        api_url = headers.get("saleor-api-url", "")
        if not api_url:
            raise WebhookRefused(400, "MISSING_API_URL", "missing Saleor-Api-Url header")
        event = headers.get("saleor-event", "")
        signature = headers.get("saleor-signature", "")
        view = await self.cache.by_api_url(api_url)
        if view is None:
            raise WebhookRefused(401, "NOT_REGISTERED", "this Saleor has not installed the app")
        try:
            return await self._verify(view, event, signature, body, expected_event)
        except WebhookRefused as refused:
            if refused.code not in CACHED_DATA_REFUSALS:
                raise
            fresh = await self.cache.by_api_url(api_url, fresh=True)
            if fresh is None or fresh.generation == view.generation:
                raise
            return await self._verify(fresh, event, signature, body, expected_event)

    async def _verify(
        self, view: TenantView, event: str, signature: str, body: bytes, expected: str
    ) -> VerifiedWebhook:
        if event != expected.lower():
            raise WebhookRefused(400, "WRONG_EVENT", f"expected event {expected.lower()}")
        if not signature:
            raise WebhookRefused(401, "MISSING_SIGNATURE", "missing Saleor-Signature header")
        tenant = view.tenant
        await self._check_signature(tenant, signature, body)
        payload = _parse_payload(body)
        recipient = payload.get("recipient")
        recipient_id = recipient.get("id") if isinstance(recipient, dict) else None
        if recipient_id != tenant.app_id:
            raise WebhookRefused(401, "WRONG_RECIPIENT", "payload is addressed to another app")
        return VerifiedWebhook(tenant=tenant, event=event, payload=payload, raw_body=body)

    async def _check_signature(self, tenant: Tenant, signature: str, body: bytes) -> None:
        try:
            verify_webhook_signature(signature, body, tenant.jwks)
            return
        except SignatureInvalid as first:
            reason = str(first)
        if not await may_refresh_jwks(self.redis, tenant.id, self.jwks_refresh_interval):
            raise WebhookRefused(401, "SIGNATURE_VERIFICATION_FAILED", reason)
        try:
            jwks = await fetch_jwks(self.http, tenant.saleor_api_url)
        except JwksUnavailable as exc:
            log.warning("jwks refresh failed", extra={"tenant": tenant.id, "reason": str(exc)})
            raise WebhookRefused(401, "SIGNATURE_VERIFICATION_FAILED", reason) from None
        try:
            verify_webhook_signature(signature, body, jwks)
        except SignatureInvalid as second:
            raise WebhookRefused(401, "SIGNATURE_VERIFICATION_FAILED", str(second)) from None
        await self.tenants.update_jwks(tenant.id, jwks)
        self.cache.forget(tenant.id)
        log.info("jwks refreshed after key rotation", extra={"tenant": tenant.id})


def _parse_payload(body: bytes) -> dict[str, Any]:
    try:
        payload = loads_untrusted(body)
    except ValueError:
        raise WebhookRefused(400, "MALFORMED_BODY", "body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "MALFORMED_BODY", "body is not a JSON object")
    return payload
