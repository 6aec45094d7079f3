"""Fixed-window counters and one-time claims in the store (single-key: cluster-safe)."""

from __future__ import annotations

import weakref
from typing import Any

from saleor_app.store.redis import Commands

_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
_SCRIPTS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


async def within_limit(redis: Commands, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit in the window (atomically); False once the count passes `limit`."""
    script = _SCRIPTS.get(redis)
    if script is None:
        script = _SCRIPTS[redis] = redis.register_script(_COUNT)
    count = await script(keys=[key], args=[window_seconds])
    return int(count) <= limit


async def claim_once(redis: Commands, key: str, ttl_seconds: int) -> bool:
    """Atomically claim a key (SET NX): True for the first caller only."""
    return bool(await redis.set(key, "1", nx=True, ex=ttl_seconds))
