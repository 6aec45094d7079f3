"""`serve` behind a reverse proxy: the per-address storefront limit counts each shopper's
forwarded address when, and only when, the proxy is listed in FORWARDED_ALLOW_IPS."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from saleor_app.config import ConfigError, load_settings
from saleor_app.storefront.limits import CLIENT_REQUESTS_PER_MINUTE
from tests.support.app_server import free_port
from tests.support.cli import cli_process
from tests.support.shop import wait_for


@pytest.fixture
def serve(clean_redis: str, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start `saleor-reverse-otp serve` with extra environment; stopped after the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> str:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        started.append(cli_process(clean_redis, tmp_path, url, "serve", "--port", str(port),
                                   **env))
        return url

    yield start
    for process in started:
        process.terminate()
        process.wait(20)


async def statuses(url: str, count: int, forwarded_for: str | None) -> list[int]:
    """Status codes of `count` storefront requests, each claiming `forwarded_for`."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as http:
        answers: list[int] = []
        for start in range(0, count, 50):
            batch = range(start, min(count, start + 50))
            answers += [r.status_code for r in await asyncio.gather(
                *(http.post("/graphql", json={"query": "{ __typename }"}) for _ in batch))]
    return answers


async def ready(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(url + "/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


async def test_a_trusted_proxy_gives_each_shopper_their_own_limit(serve) -> None:
    url = serve(FORWARDED_ALLOW_IPS="127.0.0.1")
    await wait_for(lambda: ready(url), timeout=30)
    first = await statuses(url, CLIENT_REQUESTS_PER_MINUTE + 1, "203.0.113.7")
    assert 429 not in first[:CLIENT_REQUESTS_PER_MINUTE] and first[-1] == 429
    assert 429 not in await statuses(url, 10, "203.0.113.8")


async def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(serve) -> None:
    url = serve(FORWARDED_ALLOW_IPS="10.0.0.0/8")
    await wait_for(lambda: ready(url), timeout=30)
    spoofed = [await statuses(url, CLIENT_REQUESTS_PER_MINUTE // 2, f"198.51.100.{i}")
               for i in (1, 2)]
    assert all(429 not in part for part in spoofed)
    assert await statuses(url, 1, "198.51.100.3") == [429]


def test_a_wildcard_or_a_name_is_refused() -> None:
    for value in ("*", "proxy.internal"):
        with pytest.raises(ConfigError, match="FORWARDED_ALLOW_IPS"):
            load_settings(forwarded_allow_ips=value)
