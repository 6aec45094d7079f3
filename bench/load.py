"""Load generators: a raw asyncio HTTP/1.1 keep-alive client (and httpx, to compare).

Every loop is bounded twice: by the number of prepared requests and by a time limit. Latency
of a closed-loop request is measured from its write to the end of its response; latency of an
open-loop request from the moment it was *scheduled*, so a server that falls behind is charged
for the queueing too (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx


def build_request(
    method: str, host: str, path: str, headers: Mapping[str, str], body: bytes = b""
) -> bytes:
    """One HTTP/1.1 keep-alive request, serialised."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()
              if name.lower() not in ("host", "content-length", "connection")]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Result:
    """What one load run observed."""

    sent: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    timed_out: bool = False

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """Latency percentile in seconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank]

    def ok(self, status: int = 200) -> int:
        return self.statuses.get(status, 0)


class Connection:
    """One keep-alive connection; responses must carry Content-Length (uvicorn's do)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one request, read one response: (status, body)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        self.writer.close()


ROUNDS = 3
"""A comparison alternates baseline and app this many times and pools each side's rounds, so a
drift in the machine's speed during the run weighs on both sides alike."""


def pooled(results: Sequence[Result]) -> Result:
    """One result for several rounds of the same load: requests, time and latencies summed."""
    total = Result()
    for part in results:
        total.sent += part.sent
        total.elapsed += part.elapsed
        total.latencies += part.latencies
        total.errors += part.errors
        total.timed_out = total.timed_out or part.timed_out
        for status, count in part.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + count
    return total


async def alternating(
    base_port: int, base_requests: Sequence[bytes], app_port: int, app_requests: Sequence[bytes],
    concurrency: int, time_limit: float,
) -> tuple[Result, Result]:
    """Closed loops on the baseline and the app in turn, ROUNDS times, each given its share of
    the requests and of the time limit; (app, baseline) pooled."""
    app_rounds: list[Result] = []
    base_rounds: list[Result] = []
    for index in range(ROUNDS):
        base_rounds.append(await closed_loop(
            base_port, base_requests[index::ROUNDS], concurrency, time_limit / ROUNDS))
        app_rounds.append(await closed_loop(
            app_port, app_requests[index::ROUNDS], concurrency, time_limit / ROUNDS))
    return pooled(app_rounds), pooled(base_rounds)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in the load generator while it measures: a full collection of the
    bench process's heap pauses it for up to 0.3 s, which would be charged to the server."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def closed_loop(
    port: int, requests: Sequence[bytes], concurrency: int, time_limit: float
) -> Result:
    """`concurrency` connections, each sending its next request as soon as the last answered,
    until the requests run out or `time_limit` seconds pass."""
    with collector_paused():
        return await _closed_loop(port, requests, concurrency, time_limit)


async def _closed_loop(
    port: int, requests: Sequence[bytes], concurrency: int, time_limit: float
) -> Result:
    result = Result()
    connections = [await Connection.open(port) for _ in range(concurrency)]
    position = 0
    start = time.perf_counter()
    deadline = start + time_limit

    async def worker(connection: Connection) -> None:
        nonlocal position
        while position < len(requests):
            if time.perf_counter() > deadline:
                result.timed_out = True
                return
            request = requests[position]
            position += 1
            result.sent += 1
            sent = time.perf_counter()
            try:
                status, _ = await connection.exchange(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.errors += 1
                return
            result.latencies.append(time.perf_counter() - sent)
            result.statuses[status] = result.statuses.get(status, 0) + 1

    try:
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        result.elapsed = time.perf_counter() - start
        for connection in connections:
            connection.close()
    return result


async def open_loop(
    port: int, requests: Sequence[bytes], rate: float, pool_size: int, time_limit: float
) -> Result:
    """Send request i at start + i/rate whatever the answers, over a pool of keep-alive
    connections (a request waiting for a free connection is charged that wait)."""
    with collector_paused():
        return await _open_loop(port, requests, rate, pool_size, time_limit)


async def _open_loop(
    port: int, requests: Sequence[bytes], rate: float, pool_size: int, time_limit: float
) -> Result:
    result = Result()
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    connections = [await Connection.open(port) for _ in range(pool_size)]
    for connection in connections:
        pool.put_nowait(connection)
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    deadline = start + time_limit

    async def one(request: bytes, scheduled: float) -> None:
        connection = await pool.get()
        try:
            status, _ = await connection.exchange(request)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            result.errors += 1
            return
        result.latencies.append(time.perf_counter() - scheduled)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        pool.put_nowait(connection)

    try:
        for index, request in enumerate(requests):
            scheduled = start + index / rate
            now = time.perf_counter()
            if now > deadline:
                result.timed_out = True
                break
            if scheduled > now:
                await asyncio.sleep(scheduled - now)
            tasks.append(asyncio.create_task(one(request, scheduled)))
            result.sent += 1
        remaining = max(0.1, deadline + 5 - time.perf_counter())
        _done, pending = await asyncio.wait(tasks, timeout=remaining) if tasks else (set(), set())
        for task in pending:
            task.cancel()
            result.timed_out = True
    finally:
        result.elapsed = time.perf_counter() - start
        for connection in connections:
            connection.close()
    return result


async def closed_loop_httpx(
    url: str, bodies: Sequence[tuple[str, dict[str, str], bytes]], concurrency: int,
    time_limit: float,
) -> Result:
    """The same closed loop through httpx.AsyncClient (to see whether httpx is the bottleneck)."""
    result = Result()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    position = 0
    start = time.perf_counter()
    deadline = start + time_limit
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal position
            while position < len(bodies):
                if time.perf_counter() > deadline:
                    result.timed_out = True
                    return
                path, headers, body = bodies[position]
                position += 1
                result.sent += 1
                sent = time.perf_counter()
                try:
                    response = await client.post(path, content=body, headers=headers)
                except httpx.HTTPError:
                    result.errors += 1
                    return
                result.latencies.append(time.perf_counter() - sent)
                code = response.status_code
                result.statuses[code] = result.statuses.get(code, 0) + 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - start
    return result
