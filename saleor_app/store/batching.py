"""Group commit for hot Lua scripts: calls share pipelines on one connection of their own.

The batched scripts of a client go through one connection taken from its pool and kept for
them, one pipeline at a time: a call made while none is in flight goes at once; calls made
meanwhile go together when it returns. Each script still runs atomically on its own; only the
client's per-call cost (pool lock, readiness check, retry wrapper, send, wake-up), several times
the cost of the script itself in redis-py's asyncio client, is paid once per pipeline.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, ResponseError

MAX_BATCH = 128
"""Calls sent in one pipeline at most; a longer queue goes in several, one after the other."""


def batched(client: Any, script: AsyncScript) -> Any:
    """`script`, batched when `client` is a plain Redis client (a cluster pipeline would split
    the burst by node anyway)."""
    return BatchedScript(client, script) if isinstance(client, Redis) else script


class BatchedScript:
    """Called like redis-py's registered script: `await batched(keys=[...], args=[...])`."""

    def __init__(self, client: Redis, script: AsyncScript) -> None:
        self._lane = _lane_for(client)
        self._script = script

    @property
    def round_trips(self) -> int:
        """Pipelines sent so far by the client's lane (all its batched scripts)."""
        return self._lane.round_trips

    async def __call__(self, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._lane.submit(_Call(self._script, keys, args, future))
        return await future


@dataclass
class _Call:
    script: AsyncScript
    keys: Sequence[Any]
    args: Sequence[Any]
    future: asyncio.Future[Any]
    reloaded: bool = False


_LANES: weakref.WeakKeyDictionary[Redis, _Lane] = weakref.WeakKeyDictionary()


def _lane_for(client: Redis) -> _Lane:
    lane = _LANES.get(client)
    if lane is None:
        lane = _LANES[client] = _Lane(client)
    return lane


class _Lane:
    """The queue and the connection of one client's batched scripts. The connection stays
    checked out of the client's pool, so closing the client closes it too."""

    def __init__(self, client: Redis) -> None:
        self._pool = client.connection_pool
        self._connection: AbstractConnection | None = None
        self._queue: deque[_Call] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self.round_trips = 0

    def submit(self, call: _Call) -> None:
        self._queue.append(call)
        if self._drainer is None:
            self._drainer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        """Send the queue, a pipeline at a time, until it is empty."""
        try:
            connection = await self._ready_connection()
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(MAX_BATCH, len(self._queue)))]
                await self._send(connection, batch)
        except Exception as exc:
            self._fail(list(self._queue), exc)
            self._queue.clear()
        except asyncio.CancelledError:
            for call in self._queue:
                call.future.cancel()
            self._queue.clear()
            raise
        finally:
            self._drainer = None

    async def _ready_connection(self) -> AbstractConnection:
        """The lane's connection, checked by the pool's own readiness test (it reconnects one
        the server closed while the lane was idle)."""
        if self._connection is None:
            self._connection = await self._pool.get_connection()
        else:
            await self._pool.ensure_connection(self._connection)
        return self._connection

    async def _send(self, connection: AbstractConnection, batch: list[_Call]) -> None:
        self.round_trips += 1
        try:
            replies = await _round_trip(connection, batch)
        except asyncio.CancelledError:
            for call in batch:
                call.future.cancel()
            raise
        except Exception as exc:
            self._fail(batch, exc)
            return
        unloaded = []
        for call, reply in zip(batch, replies, strict=True):
            if isinstance(reply, NoScriptError) and not call.reloaded:
                unloaded.append(call)
            elif call.future.done():
                continue
            elif isinstance(reply, Exception):
                call.future.set_exception(reply)
            else:
                call.future.set_result(reply)
        if unloaded:
            await self._load_again(unloaded)

    async def _load_again(self, calls: list[_Call]) -> None:
        """Load scripts the store lost (restart, SCRIPT FLUSH), then send their calls first."""
        try:
            for script in {call.script.sha: call.script for call in calls}.values():
                await script.registered_client.script_load(script.script)
        except Exception as exc:
            self._fail(calls, exc)
            return
        for call in reversed(calls):
            call.reloaded = True
            self._queue.appendleft(call)

    @staticmethod
    def _fail(calls: list[_Call], exc: Exception) -> None:
        for call in calls:
            if not call.future.done():
                call.future.set_exception(exc)


async def _round_trip(connection: AbstractConnection, batch: list[_Call]) -> list[Any]:
    """Send the batch as one pipeline and read every reply; an error reply is returned as its
    exception. Any other failure drops the connection (its replies can no longer be paired)."""
    commands = [("EVALSHA", call.script.sha, len(call.keys), *call.keys, *call.args)
                for call in batch]
    replies: list[Any] = []
    try:
        await connection.send_packed_command(
            connection.pack_commands(commands), check_health=False)
        for _ in batch:
            try:
                replies.append(await connection.read_response())
            except ResponseError as exc:
                replies.append(exc)
    except BaseException:
        await connection.disconnect(nowait=True)
        raise
    return replies
