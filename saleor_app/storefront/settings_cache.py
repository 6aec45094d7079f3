"""Tenant settings as the public API reads them: at most once a second per tenant and process."""

from __future__ import annotations

import time

from saleor_app.context import AppContext
from saleor_app.store.tenant_settings import TenantSettings

SETTINGS_TTL_SECONDS = 1.0
MAX_TENANTS = 1024


class SettingsCache:
    """A short-lived per-process copy of each tenant's settings (keyword, allowed origins)."""

    def __init__(self, ttl_seconds: float = SETTINGS_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, TenantSettings]] = {}

    async def get(self, app: AppContext, tenant_id: str) -> TenantSettings:
        """The tenant's settings, re-read once they are older than the TTL."""
        now = time.monotonic()
        entry = self._entries.get(tenant_id)
        if entry is not None and now - entry[0] < self._ttl:
            return entry[1]
        settings = await app.tenant_settings.get(tenant_id)
        self._entries.pop(tenant_id, None)
        if len(self._entries) >= MAX_TENANTS:
            self._entries.pop(next(iter(self._entries)))
        self._entries[tenant_id] = (now, settings)
        return settings
