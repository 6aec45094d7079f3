"""Jobs that kept failing: kept per tenant for the merchant, and reported to Saleor."""

from __future__ import annotations

import json
import time
from typing import Any

from saleor_app.context import AppContext
from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands

DEAD_LETTER_LENGTH = 500


async def bury(ctx: AppContext, tenant_id: str, job: str, error: str, **details: Any) -> None:
    """Keep a failed job for the merchant to see (newest first, capped)."""
    entry = {"at": time.time(), "job": job, "error": error[:500], **details}
    key = tenant_key(tenant_id, "dead-letters")
    async with ctx.store.client.pipeline(transaction=False) as pipe:
        pipe.lpush(key, json.dumps(entry))
        pipe.ltrim(key, 0, DEAD_LETTER_LENGTH - 1)
        await pipe.execute()
    ctx.metrics.jobs.labels(job, "dead_letter").inc()


async def dead_letters(ctx: AppContext, tenant_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """The latest dead-letter entries of a tenant, newest first."""
    redis: Commands = ctx.store.client
    raw: list[str] = await redis.lrange(tenant_key(tenant_id, "dead-letters"), 0, limit - 1)
    return [json.loads(entry) for entry in raw]
