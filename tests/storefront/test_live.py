"""Live status over graphql-transport-ws, fed by the store's pub/sub."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from contextlib import AsyncExitStack

import pytest
import websockets

from tests.storefront.client import RENEW, ask, next_update, open_challenge, subscription
from tests.support.app_server import AppServer
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import send_generic


async def send_code(shop: Shop, code: str) -> None:
    secret = (await shop.tenant()).inbound_secret
    answer = await send_generic(await shop.inbound_url("generic"), secret, SHOPPER_PHONE,
                                VIRTUAL_NUMBER, f"code {code}")
    assert answer.status_code == 200


async def test_a_verification_through_one_process_reaches_a_subscriber_of_another(
    shop: Shop, start_app: Callable[..., AppServer]
) -> None:
    other = start_app()
    challenge = await open_challenge(shop, order_id="T3JkZXI6bGl2ZQ==")
    async with subscription(other.url, shop.saleor.api_url, challenge.id) as ws:
        first = await next_update(ws)
        assert first["status"] == "PENDING" and first["code"] == challenge.code
        started = time.monotonic()
        await send_code(shop, challenge.code)
        update = await next_update(ws, timeout=2)
        assert time.monotonic() - started < 2
        assert update["status"] == "VERIFIED" and update["code"] is None
        assert update["id"] == challenge.id
        done = json.loads(await asyncio.wait_for(ws.recv(), 2))
        assert done == {"id": "1", "type": "complete"}


async def test_renewal_and_expiry_are_pushed(shop: Shop) -> None:
    await shop.configure(ttl_seconds=120)
    challenge = await open_challenge(shop, now=time.time() - 119, order_id="T3JkZXI6cHVzaA==")
    async with subscription(shop.app.url, shop.saleor.api_url, challenge.id) as ws:
        assert (await next_update(ws))["status"] == "PENDING"
        expired = await next_update(ws, timeout=3)
        assert expired["status"] == "EXPIRED" and expired["code"] is None
        renewed = (await ask(shop, RENEW, id=challenge.id))["data"]["renewChallenge"]
        pushed = await next_update(ws, timeout=2)
        assert pushed["status"] == "PENDING" and pushed["code"] == renewed["code"]
        assert pushed["code"] != challenge.code


async def test_unknown_ids_end_with_null(shop: Shop) -> None:
    for api_url in (shop.saleor.api_url, "https://nobody.example/graphql/"):
        async with subscription(shop.app.url, api_url, "ch_unknown") as ws:
            assert await next_update(ws) is None
            assert json.loads(await ws.recv()) == {"id": "1", "type": "complete"}


async def test_connection_needs_the_tenant_and_limits_subscriptions(shop: Shop) -> None:
    url = shop.app.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        try:
            await asyncio.wait_for(ws.recv(), 2)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4403
        else:
            raise AssertionError("connection without saleorApiUrl was accepted")
    from saleor_app.storefront.limits import SUBSCRIPTIONS_PER_CONNECTION
    from tests.storefront.client import UPDATES

    challenge = await open_challenge(shop, order_id="T3JkZXI6bWFueQ==")
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"saleorApiUrl": shop.saleor.api_url}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        for n in range(SUBSCRIPTIONS_PER_CONNECTION + 1):
            await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": {
                "query": UPDATES, "variables": {"id": challenge.id}}}))
        kinds = [json.loads(await asyncio.wait_for(ws.recv(), 2))
                 for _ in range(SUBSCRIPTIONS_PER_CONNECTION + 1)]
        refused = [k for k in kinds if k["type"] == "error"]
        assert len(refused) == 1
        assert "Subscription limit reached" in refused[0]["payload"][0]["message"]


async def test_subscribers_survive_a_lost_pubsub_connection(shop: Shop) -> None:
    challenge = await open_challenge(shop, order_id="T3JkZXI6cmVjb25uZWN0")
    async with subscription(shop.app.url, shop.saleor.api_url, challenge.id) as ws:
        assert (await next_update(ws))["status"] == "PENDING"
        await wait_for(lambda: shop.redis.client_list(_type="pubsub"))
        killed = await shop.redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        assert int(killed) >= 1
        await send_code(shop, challenge.code)
        assert (await next_update(ws, timeout=3))["status"] == "VERIFIED"


async def test_one_pubsub_connection_serves_every_subscription(shop: Shop) -> None:
    challenges = [await open_challenge(shop, order_id=f"T3JkZXI6{n}", expected_phone=f"+3361234{n:04d}")
                  for n in range(12)]
    async with AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(
            subscription(shop.app.url, shop.saleor.api_url, c.id)) for c in challenges]
        for ws in sockets:
            assert (await next_update(ws))["status"] == "PENDING"
        clients = await shop.redis.client_list(_type="pubsub")
        assert len([c for c in clients if c.get("psub") == "1"]) == 1
        secret = (await shop.tenant()).inbound_secret
        url = await shop.inbound_url("generic")
        await send_generic(url, secret, challenges[7].expected_phone, VIRTUAL_NUMBER,
                           challenges[7].code)
        assert (await next_update(sockets[7], timeout=2))["status"] == "VERIFIED"
        with pytest.raises(TimeoutError):
            await next_update(sockets[6], timeout=0.3)
