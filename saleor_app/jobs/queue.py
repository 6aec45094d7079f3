"""The durable job queue (saq on the same store), and how jobs are enqueued."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from saq import Queue
from saq.queue.redis import RedisQueue

from saleor_app.store.redis import QUEUE_HASH_TAG, StoreHandle

QUEUE_NAME = QUEUE_HASH_TAG
DEFAULT_RETRIES = 20
DEFAULT_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 120.0
DEFAULT_TIMEOUT = 15


def make_queue(store: StoreHandle) -> Queue:
    """A saq queue whose keys share one hash tag, on the store node that owns it."""
    return RedisQueue(Redis.from_url(store.queue_url), name=QUEUE_NAME)


async def enqueue(
    queue: Queue, function: str, key: str, retries: int = DEFAULT_RETRIES, **kwargs: Any
) -> bool:
    """Enqueue once per key (a duplicate while the job is incomplete is dropped); True if new.
    The key carries the queue's hash tag so that saq's abort key shares its cluster slot."""
    job = await queue.enqueue(
        function,
        key=QUEUE_HASH_TAG + key,
        retries=retries,
        retry_delay=DEFAULT_RETRY_DELAY,
        retry_backoff=MAX_RETRY_DELAY,
        timeout=DEFAULT_TIMEOUT,
        **kwargs,
    )
    return job is not None
