"""Seal every stored secret again with the current SECRET_KEY, after it replaced another."""

from __future__ import annotations

import logging

from saleor_app.store.keys import global_key
from saleor_app.store.redis import Commands
from saleor_app.store.sealing import SecretBox
from saleor_app.store.secret_check import CHECK_KEY
from saleor_app.store.tenant_settings import settings_key
from saleor_app.store.tenants import SEALED_FIELDS, auth_key

log = logging.getLogger(__name__)

LOCK = global_key("reseal-lock")
LOCK_SECONDS = 600

# KEYS: 1 key; ARGV: 1 value read, 2 new value. Replaced only if nobody wrote it since.
_SET_IF_UNCHANGED = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0
"""
# KEYS: 1 hash; ARGV: 1 field, 2 value read, 3 new value.
_HSET_IF_UNCHANGED = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1
end
return 0
"""


class Resealer:
    """Walks the tenants and rewrites each value sealed with a previous key."""

    def __init__(self, redis: Commands, box: SecretBox) -> None:
        self._redis = redis
        self._box = box
        self._set = redis.register_script(_SET_IF_UNCHANGED)
        self._hset = redis.register_script(_HSET_IF_UNCHANGED)

    async def run(self) -> int:
        """Reseal everything once (one process at a time); return how many values changed.
        A value written meanwhile by a settings change is already sealed with the current key."""
        if not await self._redis.set(LOCK, "1", nx=True, ex=LOCK_SECONDS):
            return 0
        try:
            changed = await self._value(CHECK_KEY)
            for tenant_id in sorted(await self._redis.smembers(global_key("tenants"))):
                changed += await self._value(settings_key(tenant_id))
                for field in SEALED_FIELDS:
                    changed += await self._field(auth_key(tenant_id), field)
        finally:
            await self._redis.delete(LOCK)
        log.info("secrets sealed with the current SECRET_KEY", extra={"changed": changed})
        return changed

    async def _value(self, key: str) -> int:
        sealed = await self._redis.get(key)
        new = self._box.resealed(sealed) if sealed else None
        if new is None:
            return 0
        return int(await self._set(keys=[key], args=[sealed, new]))

    async def _field(self, key: str, field: str) -> int:
        sealed = await self._redis.hget(key, field)
        new = self._box.resealed(sealed) if sealed else None
        if new is None:
            return 0
        return int(await self._hset(keys=[key], args=[field, sealed, new]))
