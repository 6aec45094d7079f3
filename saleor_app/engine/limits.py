"""Fixed-window counters and one-time claims in the store."""

from __future__ import annotations

from saleor_app.store.redis import Commands


async def within_limit(redis: Commands, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit in the window; False once the count passes `limit`."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window_seconds, nx=True)
        count, _ = await pipe.execute()
    return int(count) <= limit


async def claim_once(redis: Commands, key: str, ttl_seconds: int) -> bool:
    """Atomically claim a key (SET NX): True for the first caller only."""
    return bool(await redis.set(key, "1", nx=True, ex=ttl_seconds))
