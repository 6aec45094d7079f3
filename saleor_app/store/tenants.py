"""Tenants: one installed Saleor each, with its auth data sealed at rest."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from saleor_app.store.keys import global_key, tenant_id_for, tenant_key
from saleor_app.store.redis import Commands
from saleor_app.store.sealing import SecretBox

SEALED_FIELDS = ("token", "inbound_key", "inbound_secret")
OPENED_CACHE_SIZE = 1024


@dataclass(frozen=True)
class Tenant:
    """The auth data of one Saleor installation."""

    id: str
    saleor_api_url: str
    app_id: str
    token: str
    jwks: dict[str, Any]
    inbound_key: str
    inbound_secret: str
    installed_at: float

    @classmethod
    def new(cls, saleor_api_url: str, app_id: str, token: str, jwks: dict[str, Any]) -> Tenant:
        """A freshly installed tenant with new inbound SMS credentials."""
        return cls(
            id=tenant_id_for(saleor_api_url),
            saleor_api_url=saleor_api_url,
            app_id=app_id,
            token=token,
            jwks=jwks,
            inbound_key=secrets.token_urlsafe(24),
            inbound_secret=secrets.token_urlsafe(32),
            installed_at=time.time(),
        )


def inbound_index(inbound_key: str) -> str:
    """The global key naming the tenant of an inbound SMS key."""
    return global_key("inbound", hashlib.sha256(inbound_key.encode()).hexdigest())


def auth_key(tenant_id: str) -> str:
    """The hash holding a tenant's auth record."""
    return tenant_key(tenant_id, "auth")


def generation_key(tenant_id: str) -> str:
    """A token that changes on every write of the tenant's auth record or settings."""
    return tenant_key(tenant_id, "gen")


def new_generation() -> str:
    """A fresh generation token."""
    return secrets.token_hex(8)


class TenantGone(Exception):
    """The tenant was uninstalled."""


def installed_check(auth_key_index: int, gone: str = "'GONE'") -> str:
    """Lua prologue of a script that writes nothing once its tenant is uninstalled (KEYS[i], the
    auth record, is what an uninstall deletes first): it returns `gone` instead."""
    return f"if redis.call('EXISTS', KEYS[{auth_key_index}]) == 0 then return {gone} end\n"


_SET_IF_INSTALLED = installed_check(1, gone="0") + """
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 1
"""


async def set_if_installed(
    redis: Commands, tenant_id: str, key: str, value: str, seconds: int
) -> bool:
    """SET `key` for `seconds`, unless the tenant is uninstalled (its auth record, which an
    uninstall deletes first, is checked in the same atomic step); whether it was written."""
    written = await redis.eval(_SET_IF_INSTALLED, 2, auth_key(tenant_id), key, value, seconds)
    return bool(written)


class TenantRepository:
    """Reads and writes tenants in the store."""

    def __init__(self, redis: Commands, box: SecretBox) -> None:
        self._redis = redis
        self._box = box
        self._open = lru_cache(maxsize=OPENED_CACHE_SIZE)(self._open_uncached)

    async def get(self, tenant_id: str) -> Tenant | None:
        """The tenant with this id, if installed (one HGETALL; an unchanged record is not
        decrypted again)."""
        raw: dict[str, str] = await self._redis.hgetall(auth_key(tenant_id))
        return self.opened(raw)

    def opened(self, raw: dict[str, str]) -> Tenant | None:
        """The tenant stored as `raw` (its auth hash), secrets unsealed; None when empty."""
        if not raw:
            return None
        return self._open(tuple(sorted(raw.items())))

    def _open_uncached(self, items: tuple[tuple[str, str], ...]) -> Tenant:
        raw = dict(items)
        for name in SEALED_FIELDS:
            raw[name] = self._box.open(raw[name])
        return Tenant(
            id=raw["id"],
            saleor_api_url=raw["saleor_api_url"],
            app_id=raw["app_id"],
            token=raw["token"],
            jwks=json.loads(raw["jwks"]),
            inbound_key=raw["inbound_key"],
            inbound_secret=raw["inbound_secret"],
            installed_at=float(raw["installed_at"]),
        )

    async def get_by_api_url(self, saleor_api_url: str) -> Tenant | None:
        """The tenant installed from this Saleor API URL."""
        return await self.get(tenant_id_for(saleor_api_url))

    async def install(self, fresh: Tenant) -> Tenant:
        """Store a new installation; a reinstall replaces the token and keeps inbound URLs."""
        existing = await self.get(fresh.id)
        tenant = fresh
        if existing is not None:
            tenant = replace(
                fresh, inbound_key=existing.inbound_key, inbound_secret=existing.inbound_secret
            )
        await self._write(tenant)
        await self._redis.set(inbound_index(tenant.inbound_key), tenant.id)
        await self._redis.sadd(global_key("tenants"), tenant.id)
        return tenant

    async def update_jwks(self, tenant_id: str, jwks: dict[str, Any]) -> None:
        """Replace the cached JWKS of a tenant (after a key rotation)."""
        key = auth_key(tenant_id)
        if await self._redis.exists(key):
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, "jwks", json.dumps(jwks))
                pipe.set(generation_key(tenant_id), new_generation())
                await pipe.execute()

    async def delete(self, tenant_id: str) -> bool:
        """Remove a tenant and every key it owns; False if it did not exist."""
        tenant = await self.get(tenant_id)
        if tenant is None:
            return False
        await self._redis.delete(generation_key(tenant_id), auth_key(tenant_id))
        await self._redis.delete(inbound_index(tenant.inbound_key))
        await self._redis.srem(global_key("tenants"), tenant_id)
        pattern = tenant_key(tenant_id, "*")
        batch: list[str] = []
        async for key in self._redis.scan_iter(match=pattern, count=500):
            batch.append(key)
            if len(batch) >= 500:
                await self._redis.delete(*batch)
                batch.clear()
        if batch:
            await self._redis.delete(*batch)
        return True

    async def all_ids(self) -> list[str]:
        """Ids of every installed tenant."""
        return sorted(await self._redis.smembers(global_key("tenants")))

    async def _write(self, tenant: Tenant) -> None:
        mapping = {
            "id": tenant.id,
            "saleor_api_url": tenant.saleor_api_url,
            "app_id": tenant.app_id,
            "token": self._box.seal(tenant.token),
            "jwks": json.dumps(tenant.jwks),
            "inbound_key": self._box.seal(tenant.inbound_key),
            "inbound_secret": self._box.seal(tenant.inbound_secret),
            "installed_at": repr(tenant.installed_at),
        }
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(auth_key(tenant.id), mapping=mapping)
            pipe.set(generation_key(tenant.id), new_generation())
            await pipe.execute()
