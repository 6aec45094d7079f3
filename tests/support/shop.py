"""A shop under test: the Saleor stand-in with our app installed into it, over real HTTP."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from saleor_app.store.challenges import ChallengeStore
from saleor_app.store.sealing import SecretBox
from saleor_app.store.tenant_settings import TenantSettings, TenantSettingsRepository
from saleor_app.store.tenants import Tenant, TenantRepository
from tests.standin import InstallResult, SaleorStandIn
from tests.support.app_server import SECRET_KEY, AppServer

VIRTUAL_NUMBER = "+33757000001"
SHOPPER_PHONE = "+33612345678"


@dataclass
class Shop:
    """One installed tenant, seen from the test: Saleor, the app and the store."""

    saleor: SaleorStandIn
    app: AppServer
    installed: InstallResult
    redis: aioredis.Redis
    secret_key: str = SECRET_KEY
    previous_keys: tuple[str, ...] = ()

    @property
    def box(self) -> SecretBox:
        return SecretBox(self.secret_key, self.previous_keys)

    async def tenant(self) -> Tenant:
        """The tenant record as stored."""
        tenant = await TenantRepository(self.redis, self.box).get_by_api_url(self.saleor.api_url)
        assert tenant is not None
        return tenant

    async def configure(self, **changes: Any) -> TenantSettings:
        """Change the tenant's settings (as the merchant would)."""
        tenant = await self.tenant()
        repo = TenantSettingsRepository(self.redis, self.box)
        current = (await repo.get(tenant.id)).model_dump()
        settings = TenantSettings.model_validate({**current, **changes})
        await repo.save(tenant.id, settings)
        return settings

    async def challenges(self) -> ChallengeStore:
        """The tenant's challenge store."""
        return ChallengeStore(self.redis, (await self.tenant()).id)

    async def inbound_url(self, provider: str) -> str:
        """The URL the provider's console would be given."""
        return f"{self.app.url}/api/sms/{provider}/{(await self.tenant()).inbound_key}"


async def wait_for(condition: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll an async or sync condition until it is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
