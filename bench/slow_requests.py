"""Slow-request attack: `python -m bench.slow_requests [--quick]` (loopback only, about a minute).

The app runs as `saleor-reverse-otp serve` (its production connection limits) in its own
process. Ordinary clients open a new connection per `GET /healthz`, first alone, then while one
client (127.0.0.2) holds ATTACK_CONNECTIONS incomplete requests open and reopens each one the
server closes. Reported: ordinary clients' p50/p99 during the attack vs without it, same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx

from bench.load import Result
from bench.servers import free_port
from bench.table import Row, ratio
from saleor_app.http_limits import raise_open_file_limit

ROOT = Path(__file__).resolve().parent.parent
ATTACKER = "127.0.0.2"
ATTACK_CONNECTIONS = 1500
CONCURRENCY = 4
REOPEN_DELAY = 0.2
PARTIAL_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


class Served(NamedTuple):
    """A running `serve`: its port and process id."""

    port: int
    pid: int


@contextlib.contextmanager
def served(data_dir: Path, redis_url: str) -> Iterator[Served]:
    """`saleor-reverse-otp serve` on a free loopback port, stopped on exit."""
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(data_dir), "REDIS_URL": redis_url,
           "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789", "LOG_LEVEL": "ERROR"}
    process = subprocess.Popen(
        [sys.executable, "-m", "saleor_app.cli", "serve", "--host", "127.0.0.1",
         "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("the app did not start")
        yield Served(port, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def ordinary_clients(port: int, seconds: float) -> Result:
    """GET /healthz on a new connection each, CONCURRENCY at a time, for `seconds`."""
    result = Result()
    stop = time.monotonic() + seconds

    async def client() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            result.sent += 1
            try:
                async with asyncio.timeout(10):
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(HEALTHZ)
                    reply = await reader.read()
                    writer.close()
                status = int(reply.split(b" ", 2)[1])
            except (OSError, TimeoutError, IndexError, ValueError):
                result.errors += 1
                continue
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    result.elapsed = time.perf_counter() - began
    return result


async def slow_client(port: int, stop: asyncio.Event, closed: list[int]) -> None:
    """One incomplete request held open; reopened REOPEN_DELAY after the server closes it."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(ATTACKER, 0))
        except OSError:
            await asyncio.sleep(REOPEN_DELAY)
            continue
        writer.write(PARTIAL_REQUEST)
        waiting = asyncio.ensure_future(reader.read())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if waiting.done():
            closed[0] += 1
        waiting.cancel()
        stopped.cancel()
        writer.close()
        await asyncio.sleep(REOPEN_DELAY)


async def measure(port: int, seconds: float) -> tuple[Result, Result, int]:
    """Ordinary clients without, then during the attack; and connections the server closed."""
    calm = await ordinary_clients(port, seconds)
    stop, closed = asyncio.Event(), [0]
    attack = [asyncio.create_task(slow_client(port, stop, closed))
              for _ in range(ATTACK_CONNECTIONS)]
    await asyncio.sleep(1)
    attacked = await ordinary_clients(port, seconds)
    stop.set()
    await asyncio.gather(*attack)
    return calm, attacked, closed[0]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


async def rows(redis_url: str, data_dir: Path, seconds: float = 15.0) -> list[Row]:
    """The slow-request rows of the project's benchmark table."""
    raise_open_file_limit()
    with served(data_dir, redis_url) as (port, _):
        calm, attacked, closed = await measure(port, seconds)
    name = (f"(f) GET /healthz on new connections, concurrency {CONCURRENCY}, during "
            f"{ATTACK_CONNECTIONS:,} incomplete requests from one client vs without")
    answered = f"{attacked.ok()} of {attacked.sent}"
    return [
        Row(name, "latency p50", ms(attacked.percentile(50)), ms(calm.percentile(50)),
            ratio(attacked.percentile(50), calm.percentile(50))),
        Row(name, "latency p99", ms(attacked.percentile(99)), ms(calm.percentile(99)),
            ratio(attacked.percentile(99), calm.percentile(99))),
        Row(name, f"answered 200 in {seconds:.0f} s", answered, f"{calm.ok()} of {calm.sent}",
            ratio(attacked.ok(), calm.ok()), "all answered",
            "yes" if attacked.ok() == attacked.sent else "**NO**"),
        Row(name, "attack connections closed by the server (reopened each time)", f"{closed:,}"),
    ]


def main() -> None:
    """Run against REDIS_URL or the app's own embedded store in a temporary DATA_DIR."""
    parser = argparse.ArgumentParser(prog="python -m bench.slow_requests")
    parser.add_argument("--quick", action="store_true", help="5 s per phase instead of 15 s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="slow-requests-bench-") as tmp:
        table = asyncio.run(rows(os.environ.get("REDIS_URL", ""), Path(tmp),
                                 5.0 if args.quick else 15.0))
    for row in table:
        print(" | ".join(row.cells()))


if __name__ == "__main__":
    main()
