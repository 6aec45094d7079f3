"""Each tenant's fair share of the job lanes: no shop's Saleor can take the slots that other
shops' releases need.

A job of a tenant whose Saleor is failing, or that already has its share of its lane running
in this process, moves to the degraded lane; there a tenant runs one
job at a time, and a second one waits its turn in the queue (with back-off), not in a slot."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from saq import Job

from saleor_app.context import AppContext
from saleor_app.jobs.queue import Lane, enqueue
from saleor_app.store.redis import QUEUE_HASH_TAG

log = logging.getLogger(__name__)

CONCURRENCY = {Lane.RELEASES: 20, Lane.INSTALLS: 10, Lane.BACKGROUND: 10, Lane.DEGRADED: 5}
"""Worker slots per lane in each worker process."""
SHARE = {Lane.RELEASES: 5, Lane.INSTALLS: 1, Lane.BACKGROUND: 3, Lane.DEGRADED: 1}
"""Slots of a lane one tenant may hold at once in each worker process."""

JobFunction = Callable[..., Awaitable[Any]]


class TenantBusy(Exception):
    """The tenant already runs its share of the degraded lane: try again later."""


class TenantShares:
    """The jobs each tenant runs in one lane of this process, up to a limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running: Counter[str] = Counter()

    def claim(self, tenant_id: str) -> bool:
        """Take a slot for the tenant if it has fewer than its share running."""
        if self._running[tenant_id] >= self.limit:
            return False
        self._running[tenant_id] += 1
        return True

    def release(self, tenant_id: str) -> None:
        """Give a claimed slot back."""
        self._running[tenant_id] -= 1
        if self._running[tenant_id] <= 0:
            del self._running[tenant_id]


def fairly(function: JobFunction) -> JobFunction:
    """Run a tenant's job within its share of the worker's lane (ctx["lane"], ctx["shares"]);
    ctx["saleor_failing"] tells the job to call its Saleor with the shorter timeout."""

    @wraps(function)
    async def run(ctx: dict[str, Any], **kwargs: Any) -> Any:
        job: Job | None = ctx.get("job")
        tenant_id = kwargs.get("tenant_id")
        if job is None or not isinstance(tenant_id, str):
            return await function(ctx, **kwargs)
        app: AppContext = ctx["app"]
        lane: Lane = ctx["lane"]
        shares: TenantShares = ctx["shares"]
        if lane is not Lane.DEGRADED:
            if await app.saleor_health.failures(tenant_id) or not shares.claim(tenant_id):
                await _move_to_degraded(app, job, tenant_id)
                return None
        elif not shares.claim(tenant_id):
            job.retries += 1
            raise TenantBusy(tenant_id)
        else:
            ctx["saleor_failing"] = bool(await app.saleor_health.failures(tenant_id))
        try:
            return await function(ctx, **kwargs)
        finally:
            shares.release(tenant_id)

    return run


async def _move_to_degraded(app: AppContext, job: Job, tenant_id: str) -> None:
    """Queue the job again in the degraded lane with the attempts it made before this one, so
    that a retry stays a retry (a release asks Saleor first whether it already happened)."""
    await enqueue(
        app.jobs,
        job.function,
        key=job.key.removeprefix(QUEUE_HASH_TAG),
        retries=job.retries,
        lane=Lane.DEGRADED,
        attempts=job.attempts - 1,
        **(job.kwargs or {}),
    )
    app.metrics.jobs.labels(job.function, "degraded").inc()
    log.info("job moved to the degraded lane", extra={"job": job.function, "tenant": tenant_id})
