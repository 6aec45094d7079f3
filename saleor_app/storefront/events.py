"""One pub/sub listener per process that wakes every local subscriber of a challenge."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

from saleor_app.store.keys import PREFIX
from saleor_app.store.redis import RedisError

log = logging.getLogger(__name__)

EVENTS_PATTERN = PREFIX + ":{t:*}:events:*"
RECONNECT_SECONDS = 0.5


class EventHub:
    """Pattern-subscribes once to every challenge's channel and fans messages out locally.

    A subscriber holds an asyncio.Event per channel: a message sets it, the subscriber re-reads
    the challenge. After a lost connection every subscriber is woken, so none misses a change.
    """

    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        self._waiters: defaultdict[str, set[asyncio.Event]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None

    @property
    def subscriber_count(self) -> int:
        """Local subscribers across all channels."""
        return sum(len(events) for events in self._waiters.values())

    @contextlib.asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[asyncio.Event]:
        """An event set whenever `channel` carries a message (or the listener reconnected)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())
        event = asyncio.Event()
        self._waiters[channel].add(event)
        try:
            yield event
        finally:
            waiters = self._waiters.get(channel)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[channel]

    async def close(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._listen_once()
            except (RedisError, OSError) as exc:
                log.warning("storefront event listener lost the store", extra={"error": str(exc)})
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen_once(self) -> None:
        client: Redis = Redis.from_url(self._redis_url, decode_responses=True)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.psubscribe(EVENTS_PATTERN)
            self._wake_all()
            async for message in pubsub.listen():
                self._deliver(message)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()

    def _deliver(self, message: dict[str, Any]) -> None:
        for event in self._waiters.get(str(message.get("channel", "")), ()):
            event.set()

    def _wake_all(self) -> None:
        for events in self._waiters.values():
            for event in events:
                event.set()
