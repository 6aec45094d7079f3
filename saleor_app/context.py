"""The services one app process shares: settings, store, tenants, HTTP client, queue."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from saleor_app.config import Settings
from saleor_app.jobs.queue import JobQueues
from saleor_app.observability import Metrics
from saleor_app.saleor.client import SaleorClient
from saleor_app.saleor.outbound import AddressPolicy
from saleor_app.saleor.webhook_verifier import WebhookVerifier
from saleor_app.store.challenges import ChallengeStore
from saleor_app.store.redis import StoreHandle
from saleor_app.store.saleor_health import SaleorHealth
from saleor_app.store.tenant_cache import TenantCache
from saleor_app.store.tenant_settings import TenantSettingsRepository
from saleor_app.store.tenants import Tenant, TenantRepository

FAILING_SALEOR_TIMEOUT_SECONDS = 3.0
"""The timeout of calls to a Saleor whose last calls failed."""


@dataclass
class AppContext:
    """Everything a request handler or a job needs."""

    settings: Settings
    store: StoreHandle
    tenants: TenantRepository
    http: httpx.AsyncClient
    """Calls to tenants' Saleors (JWKS), through `saleor_addresses`."""
    own_http: httpx.AsyncClient
    """Calls to the app's own public URL (the test SMS, the demo phone)."""
    saleor_addresses: AddressPolicy
    metrics: Metrics
    jobs: JobQueues
    tenant_settings: TenantSettingsRepository
    tenant_cache: TenantCache

    @property
    def verifier(self) -> WebhookVerifier:
        """The Saleor webhook verifier."""
        return WebhookVerifier(
            cache=self.tenant_cache,
            tenants=self.tenants,
            redis=self.store.client,
            http=self.http,
            jwks_refresh_interval=self.settings.jwks_refresh_interval_seconds,
        )

    def challenges(self, tenant_id: str) -> ChallengeStore:
        """The challenge store of one tenant."""
        return ChallengeStore(self.store.client, tenant_id, self.store.publisher)

    @property
    def saleor_health(self) -> SaleorHealth:
        """Whether each tenant's Saleor has been failing."""
        return SaleorHealth(self.store.client)

    def saleor(self, tenant: Tenant, *, failing: bool = False) -> SaleorClient:
        """A client for the tenant's Saleor with its app token, which records whether Saleor
        answered; a Saleor known to be failing gets the shorter timeout."""
        timeout = self.settings.saleor_timeout_seconds
        if failing:
            timeout = min(timeout, FAILING_SALEOR_TIMEOUT_SECONDS)
        health = self.saleor_health

        async def observe(answered: bool) -> None:
            if answered:
                await health.answered(tenant.id)
            else:
                await health.failed(tenant.id)

        return SaleorClient(
            tenant.saleor_api_url, tenant.token, timeout, self.saleor_addresses, observe
        )
