"""Tenants: one installed Saleor each, with its auth data sealed at rest."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from saleor_app.store.keys import global_key, tenant_id_for, tenant_key
from saleor_app.store.redis import Commands
from saleor_app.store.sealing import SecretBox

SEALED_FIELDS = (
    "token", "inbound_key", "inbound_secret", "previous_inbound_key", "previous_inbound_secret"
)
MAX_INBOUND_OVERLAP_SECONDS = 7 * 24 * 3600
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
    previous_inbound_key: str = ""
    previous_inbound_secret: str = ""
    previous_until: float = 0.0
    """The inbound key and secret a rotation replaced still work until this time."""

    def accepts_inbound_key(self, inbound_key: str, now: float) -> bool:
        """Whether inbound URLs carrying this key reach this tenant (constant-time compare)."""
        given = inbound_key.encode()
        if hmac.compare_digest(self.inbound_key.encode(), given):
            return True
        previous = self.previous_inbound_key.encode()
        return bool(previous) and now < self.previous_until and hmac.compare_digest(
            previous, given
        )

    def previous_secret(self, now: float) -> str | None:
        """The replaced generic signing secret while it still works."""
        return self.previous_inbound_secret if now < self.previous_until else None

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
            if raw.get(name):
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
            previous_inbound_key=raw.get("previous_inbound_key", ""),
            previous_inbound_secret=raw.get("previous_inbound_secret", ""),
            previous_until=float(raw.get("previous_until", 0.0)),
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
        if tenant.previous_inbound_key:
            await self._redis.delete(inbound_index(tenant.previous_inbound_key))
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

    async def rotate_inbound(self, tenant_id: str, overlap_seconds: int) -> Tenant | None:
        """Give the tenant a new inbound URL key and generic signing secret; the old ones keep
        working for `overlap_seconds` (0: stop at once), while providers are switched over."""
        tenant = await self.get(tenant_id)
        if tenant is None:
            return None
        overlap = max(0, min(overlap_seconds, MAX_INBOUND_OVERLAP_SECONDS))
        fresh = Tenant.new(tenant.saleor_api_url, tenant.app_id, tenant.token, tenant.jwks)
        rotated = replace(
            tenant,
            inbound_key=fresh.inbound_key,
            inbound_secret=fresh.inbound_secret,
            previous_inbound_key=tenant.inbound_key if overlap else "",
            previous_inbound_secret=tenant.inbound_secret if overlap else "",
            previous_until=time.time() + overlap if overlap else 0.0,
        )
        await self._redis.set(inbound_index(rotated.inbound_key), tenant_id)
        await self._write(rotated)
        if tenant.previous_inbound_key:
            await self._redis.delete(inbound_index(tenant.previous_inbound_key))
        if overlap:
            await self._redis.expire(inbound_index(tenant.inbound_key), overlap)
        else:
            await self._redis.delete(inbound_index(tenant.inbound_key))
        return rotated

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
            "previous_inbound_key": self._seal_optional(tenant.previous_inbound_key),
            "previous_inbound_secret": self._seal_optional(tenant.previous_inbound_secret),
            "previous_until": repr(tenant.previous_until),
        }
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(auth_key(tenant.id), mapping=mapping)
            pipe.set(generation_key(tenant.id), new_generation())
            await pipe.execute()

    def _seal_optional(self, value: str) -> str:
        return self._box.seal(value) if value else ""
