"""Tenants and their settings kept in process, checked against a generation token.

Every write of a tenant's auth record or settings gives it a new generation token (written
after the data). A view read from this cache is only acted on by a script that compares the
token with the stored one and answers STALE when they differ; callers then `forget` the
tenant, reload and retry. A refusal made from cached data (bad signature, disabled provider)
is checked again on fresh data before it is final.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from saleor_app.core.challenge_config import ChallengeConfig
from saleor_app.core.provider_secrets import ProviderSecrets
from saleor_app.store.keys import tenant_id_for
from saleor_app.store.redis import Commands
from saleor_app.store.tenant_settings import TenantSettings, TenantSettingsRepository, settings_key
from saleor_app.store.tenants import (
    Tenant,
    TenantRepository,
    auth_key,
    generation_key,
    inbound_index,
    new_generation,
)

STALE = "STALE"
"""What a generation-checked script answers when the view it was given is out of date."""

GENERATION_CHECK = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return '" + STALE + "' end\n"
"""Lua prologue of a script whose KEYS[1] is the generation key and ARGV[1] the view's token."""

# KEYS: 1 generation, 2 auth hash, 3 settings; ARGV: 1 token to set when there is none
_LOAD = """
local auth = redis.call('HGETALL', KEYS[2])
if #auth == 0 then return {false, auth, false} end
local generation = redis.call('GET', KEYS[1])
if not generation then
  generation = ARGV[1]
  redis.call('SET', KEYS[1], generation)
end
return {generation, auth, redis.call('GET', KEYS[3])}
"""


@dataclass(frozen=True)
class TenantView:
    """A tenant, its settings and the generation token they were read at."""

    tenant: Tenant
    settings: TenantSettings
    generation: str
    loaded_at: float

    @property
    def generation_key(self) -> str:
        """KEYS[1] of a generation-checked script."""
        return generation_key(self.tenant.id)

    @cached_property
    def enabled_providers(self) -> frozenset[str]:
        """The SMS providers this shop has switched on."""
        return frozenset(name for name, one in self.settings.providers.items() if one.enabled)

    @cached_property
    def provider_secrets(self) -> ProviderSecrets:
        """The inbound secrets of the enabled providers, worked out once per view."""
        return self.settings.provider_secrets(self.tenant.inbound_secret)

    @cached_property
    def replaced_secrets(self) -> ProviderSecrets | None:
        """Secrets replaced by a rotation and still accepted (the view lives at most 30 s)."""
        now = time.time()
        return self.settings.replaced_secrets(self.tenant.previous_secret(now), now)

    @cached_property
    def challenge_config(self) -> ChallengeConfig:
        """The engine's view of these settings, worked out once per view."""
        return self.settings.challenge_config()


class TenantCache:
    """Per-process views of tenants, bounded in count and age."""

    def __init__(
        self,
        redis: Commands,
        tenants: TenantRepository,
        settings: TenantSettingsRepository,
        size: int = 1024,
        max_age: float = 30.0,
    ) -> None:
        self._redis = redis
        self._tenants = tenants
        self._settings = settings
        self._size = size
        self._max_age = max_age
        self._views: OrderedDict[str, TenantView] = OrderedDict()
        self._inbound: dict[str, str] = {}
        self._load = redis.register_script(_LOAD)

    async def by_id(self, tenant_id: str, fresh: bool = False) -> TenantView | None:
        """The tenant's view, from memory unless `fresh` or too old."""
        view = None if fresh else self._views.get(tenant_id)
        if view is not None and time.monotonic() - view.loaded_at < self._max_age:
            self._views.move_to_end(tenant_id)
            return view
        return await self._reload(tenant_id)

    async def by_api_url(self, saleor_api_url: str, fresh: bool = False) -> TenantView | None:
        """The view of the tenant installed from this Saleor API URL."""
        return await self.by_id(tenant_id_for(saleor_api_url), fresh)

    async def by_inbound_key(self, inbound_key: str, fresh: bool = False) -> TenantView | None:
        """The view of the tenant whose inbound SMS URLs carry this key."""
        tenant_id = self._inbound.get(inbound_key)
        if tenant_id is None:
            tenant_id = await self._redis.get(inbound_index(inbound_key))
            if tenant_id is None:
                return None
            if len(self._inbound) >= self._size:
                self._inbound.clear()
            self._inbound[inbound_key] = tenant_id
        view = await self.by_id(tenant_id, fresh)
        if view is None:
            return None
        return view if view.tenant.accepts_inbound_key(inbound_key, time.time()) else None

    def forget(self, tenant_id: str) -> None:
        """Drop a tenant's view (after a STALE answer)."""
        self._views.pop(tenant_id, None)

    async def _reload(self, tenant_id: str) -> TenantView | None:
        keys = [generation_key(tenant_id), auth_key(tenant_id), settings_key(tenant_id)]
        generation, auth, sealed = await self._load(keys=keys, args=[new_generation()])
        tenant = self._tenants.opened(_pairs(auth))
        if tenant is None or not generation:
            self.forget(tenant_id)
            return None
        view = TenantView(tenant, self._settings.opened(sealed), str(generation), time.monotonic())
        self._views[tenant_id] = view
        self._views.move_to_end(tenant_id)
        while len(self._views) > self._size:
            self._views.popitem(last=False)
        return view


def _pairs(flat: list[str]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))
