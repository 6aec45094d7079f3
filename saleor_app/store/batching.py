"""Group commit for a hot Lua script: under load, calls share pipelines.

A call made while none is in flight goes at once, on its own (no added latency when idle).
Calls made while others are in flight wait for the end of the event-loop turn and go together in
one pipeline. Each script still runs atomically on its own; only the client's per-call cost (pool
lock, readiness check, send, wake-up), which in redis-py's asyncio client is several times the
cost of the script itself, is paid once per burst instead of once per call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

MAX_BATCH = 128
"""Calls sent in one pipeline at most; a burst beyond it starts the next pipeline at once."""

_Call = tuple[Sequence[Any], Sequence[Any], "asyncio.Future[Any]"]


def batched(client: Any, script: AsyncScript) -> Any:
    """`script`, batched when `client` is a plain Redis client (a cluster pipeline would split
    the burst by node anyway)."""
    return BatchedScript(client, script) if isinstance(client, Redis) else script


class BatchedScript:
    """Called like redis-py's registered script: `await batched(keys=[...], args=[...])`."""

    def __init__(self, client: Redis, script: AsyncScript) -> None:
        self._client = client
        self._script = script
        self._pending: list[_Call] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self.round_trips = 0
        self.calls_sent = 0

    async def __call__(self, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        if not self._in_flight:
            self._in_flight += 1
            self.round_trips += 1
            self.calls_sent += 1
            try:
                return await self._script(keys=keys, args=args)
            finally:
                self._in_flight -= 1
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((keys, args, future))
        if len(self._pending) >= MAX_BATCH:
            self._flush()
        elif len(self._pending) == 1:
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.ensure_future(self._send(batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[_Call]) -> None:
        self._in_flight += 1
        self.round_trips += 1
        self.calls_sent += len(batch)
        try:
            await self._send_batch(batch)
        finally:
            self._in_flight -= 1

    async def _send_batch(self, batch: list[_Call]) -> None:
        if len(batch) == 1:
            keys, args, future = batch[0]
            await self._settle(future, self._script(keys=keys, args=args))
            return
        pipe = self._client.pipeline(transaction=False)
        for keys, args, _ in batch:
            pipe.evalsha(self._script.sha, len(keys), *keys, *args)
        try:
            results = await pipe.execute(raise_on_error=False)
        except asyncio.CancelledError:
            for _, _, future in batch:
                future.cancel()
            raise
        except Exception as exc:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (keys, args, future), result in zip(batch, results, strict=True):
            if isinstance(result, NoScriptError):
                await self._settle(future, self._script(keys=keys, args=args))
            elif not future.done():
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    @staticmethod
    async def _settle(future: asyncio.Future[Any], call: Any) -> None:
        """Run one call on its own (redis-py's script loads itself after a NOSCRIPT)."""
        try:
            result = await call
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(result)
