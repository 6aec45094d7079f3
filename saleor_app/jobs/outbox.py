"""A transactional outbox: store scripts queue jobs atomically with the change that needs them.

A script LPUSHes a job request onto its tenant's outbox list and PUBLISHes the tenant id on
OUTBOX_CHANNEL, in the same atomic step as the status change. The relay in every worker moves
requests into the saq queue (deduplicated by job key): at once when told, and on every sweep.
A request is kept in a second list while it is being enqueued, so a relay that dies mid-way
leaves it to be enqueued again at the next start (saq drops the duplicate key; jobs are
idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

from saleor_app.background import in_background
from saleor_app.context import AppContext
from saleor_app.jobs.queue import enqueue
from saleor_app.store.outbox import OUTBOX_CHANNEL, outbox_key, taken_key
from saleor_app.store.redis import RedisError

log = logging.getLogger(__name__)

RELAY_BATCH = 1000
RECONNECT_SECONDS = 0.5


def job_request(function: str, key: str, **kwargs: Any) -> str:
    """The JSON a script pushes: saq function, dedupe key and keyword arguments."""
    return json.dumps({"f": function, "k": key, "a": kwargs}, separators=(",", ":"))


async def relay(app: AppContext, tenant_id: str, limit: int = RELAY_BATCH) -> int:
    """Move up to `limit` of a tenant's job requests into the queue; return how many."""
    client = app.store.client
    moved = 0
    while moved < limit:
        entry = await client.lmove(outbox_key(tenant_id), taken_key(tenant_id), "RIGHT", "LEFT")
        if entry is None:
            break
        try:
            request = json.loads(entry)
            function, key, kwargs = request["f"], request["k"], request["a"]
        except (ValueError, KeyError, TypeError):
            log.error("unreadable outbox entry dropped", extra={"tenant": tenant_id})
        else:
            await enqueue(app.jobs, function, key=key, **kwargs)
            moved += 1
        await client.lrem(taken_key(tenant_id), 1, entry)  # type: ignore[misc]
    return moved


async def recover(app: AppContext, tenant_id: str) -> int:
    """Put back requests a dead relay had taken; return how many."""
    client = app.store.client
    count = 0
    while await client.lmove(taken_key(tenant_id), outbox_key(tenant_id), "RIGHT", "RIGHT"):
        count += 1
    return count


async def relay_all(app: AppContext) -> int:
    """Relay every tenant's outbox (the sweep)."""
    moved = 0
    for tenant_id in await app.tenants.all_ids():
        moved += await relay(app, tenant_id)
    return moved


@contextlib.asynccontextmanager
async def outbox_listener(app: AppContext) -> AsyncIterator[None]:
    """Relay a tenant's outbox as soon as a script announces a request, until the block ends."""
    for tenant_id in await app.tenants.all_ids():
        await recover(app, tenant_id)
    async with in_background(_listen(app)):
        yield


async def _listen(app: AppContext) -> None:
    while True:
        try:
            await _listen_once(app)
        except (RedisError, OSError) as exc:
            log.warning("outbox listener lost the store", extra={"error": str(exc)})
        await asyncio.sleep(RECONNECT_SECONDS)


async def _listen_once(app: AppContext) -> None:
    client: Redis = Redis.from_url(app.store.url, decode_responses=True)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(OUTBOX_CHANNEL)
        await relay_all(app)
        async for message in pubsub.listen():
            tenant_id = str(message.get("data", ""))
            await relay(app, tenant_id)
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()
