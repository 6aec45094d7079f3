"""Whether a tenant's Saleor has been failing: consecutive failed calls, forgotten after a
cool-down that doubles with each failure, and at once after a call that Saleor answered."""

from __future__ import annotations

from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands

FIRST_COOLDOWN_SECONDS = 30
MAX_COOLDOWN_SECONDS = 600


def failing_key(tenant_id: str) -> str:
    """The count of the tenant's consecutive failed Saleor calls (absent when healthy)."""
    return tenant_key(tenant_id, "saleor-failing")


def cooldown_seconds(failures: int) -> int:
    """How long a tenant counts as failing after its n-th consecutive failure."""
    return int(min(FIRST_COOLDOWN_SECONDS * 2 ** max(failures - 1, 0), MAX_COOLDOWN_SECONDS))


class SaleorHealth:
    """Records the outcome of each call to a tenant's Saleor."""

    def __init__(self, redis: Commands) -> None:
        self._redis = redis

    async def failures(self, tenant_id: str) -> int:
        """Consecutive failed calls still within their cool-down (0: healthy)."""
        value = await self._redis.get(failing_key(tenant_id))
        return int(value) if value else 0

    async def failed(self, tenant_id: str) -> int:
        """Count one more failed call; return the count."""
        key = failing_key(tenant_id)
        count = int(await self._redis.incr(key))
        await self._redis.expire(key, cooldown_seconds(count))
        return count

    async def answered(self, tenant_id: str) -> None:
        """Saleor answered (even with an error): the tenant is healthy again."""
        await self._redis.delete(failing_key(tenant_id))
