"""The durable job queues (saq on the same store), one per lane, and how jobs are enqueued.

Releases (confirming or cancelling a held order) have their own lane, and so do new installs
(switching their webhooks on): slow calls for notes, metadata or an install whose Saleor never
answers never delay a release. A tenant whose Saleor is failing, or that has more than its share
of a lane running, is served by the degraded lane."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis
from saq import Queue
from saq.queue.redis import RedisQueue

from saleor_app.store.redis import QUEUE_HASH_TAG, StoreHandle

DEFAULT_RETRIES = 20
DEFAULT_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 120.0
TIMEOUT_MARGIN_SECONDS = 5
"""A job may run this much longer than one call to Saleor, so that a call that hangs ends by
its own timeout (and counts against its Saleor) before the job is cut."""


class Lane(StrEnum):
    """A queue with its own worker slots."""

    RELEASES = "releases"
    INSTALLS = "installs"
    BACKGROUND = "background"
    DEGRADED = "degraded"


LANE_FUNCTIONS = {
    Lane.RELEASES: frozenset({"apply_challenge_outcome", "confirm_order", "cancel_order"}),
    Lane.INSTALLS: frozenset({"activate_webhooks"}),
}
"""The jobs of the dedicated lanes; every other job starts in the background lane."""


def lane_of(function: str) -> Lane:
    """The lane a job starts in."""
    return next(
        (lane for lane, functions in LANE_FUNCTIONS.items() if function in functions),
        Lane.BACKGROUND,
    )


def queue_name(lane: Lane) -> str:
    """The saq name of a lane; the background lane keeps the queue's original name."""
    return QUEUE_HASH_TAG if lane is Lane.BACKGROUND else f"{QUEUE_HASH_TAG}{lane.value}"


@dataclass(frozen=True)
class JobQueues:
    """One saq queue per lane, all on the store node that owns the queue's hash tag."""

    queues: dict[Lane, Queue]
    job_timeout: int
    """Seconds an attempt may run; a worker that died mid-job has it retried after this."""

    def lane(self, lane: Lane) -> Queue:
        """The queue of one lane."""
        return self.queues[lane]

    def all(self) -> list[Queue]:
        """Every lane's queue."""
        return list(self.queues.values())

    async def connect(self) -> None:
        """Connect every queue."""
        for queue in self.all():
            await queue.connect()

    async def disconnect(self) -> None:
        """Disconnect every queue."""
        for queue in self.all():
            await queue.disconnect()


def make_queues(store: StoreHandle, saleor_timeout: float) -> JobQueues:
    """A saq queue per lane, whose keys share one hash tag."""
    return JobQueues(
        {lane: RedisQueue(Redis.from_url(store.queue_url), name=queue_name(lane)) for lane in Lane},
        job_timeout=math.ceil(saleor_timeout) + TIMEOUT_MARGIN_SECONDS,
    )


async def enqueue(
    queues: JobQueues,
    function: str,
    key: str,
    retries: int = DEFAULT_RETRIES,
    *,
    lane: Lane | None = None,
    attempts: int = 0,
    **kwargs: Any,
) -> bool:
    """Enqueue once per key and lane (a duplicate while the job is incomplete is dropped); True
    if new. The key carries the queue's hash tag so that saq's abort key shares its slot;
    `attempts` carries over the attempts a job made elsewhere (a retry stays a retry)."""
    job = await queues.lane(lane or lane_of(function)).enqueue(
        function,
        key=QUEUE_HASH_TAG + key,
        retries=retries,
        attempts=attempts,
        retry_delay=DEFAULT_RETRY_DELAY,
        retry_backoff=MAX_RETRY_DELAY,
        timeout=queues.job_timeout,
        **kwargs,
    )
    return job is not None
