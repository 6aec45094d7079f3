"""Talk to the public API as a storefront does: HTTP POST and graphql-transport-ws."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import websockets

from saleor_app.core.model import Challenge
from saleor_app.engine.challenges import open_for
from saleor_app.store.tenant_settings import TenantSettingsRepository
from tests.support.shop import SHOPPER_PHONE, Shop

FIELDS = "id status code smsNumber smsBody smsUri qrCodeSvg expiresAt phoneHint orderId checkoutId"
BY_ID = f"query($id: ID!) {{ challenge(id: $id) {{ {FIELDS} }} }}"
BY_ORDER = f"query($id: ID!) {{ orderChallenge(orderId: $id) {{ {FIELDS} }} }}"
BY_CHECKOUT = f"query($id: ID!) {{ checkoutChallenge(checkoutId: $id) {{ {FIELDS} }} }}"
RENEW = f"mutation($id: ID!) {{ renewChallenge(id: $id) {{ {FIELDS} }} }}"
UPDATES = f"subscription($id: ID!) {{ challengeUpdated(id: $id) {{ {FIELDS} }} }}"


async def post(base_url: str, query: str, variables: dict[str, Any] | None = None,
               api_url: str | None = None, **headers: str) -> httpx.Response:
    """POST one GraphQL request to /graphql."""
    sent = {"Content-Type": "application/json", **headers}
    if api_url is not None:
        sent["Saleor-Api-Url"] = api_url
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(f"{base_url}/graphql", headers=sent,
                                 content=json.dumps({"query": query, "variables": variables or {}}))


async def ask(shop: Shop, query: str, **variables: Any) -> dict[str, Any]:
    """The JSON answer of the shop's tenant, asserting HTTP 200."""
    answer = await post(shop.app.url, query, variables, api_url=shop.saleor.api_url)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def open_challenge(shop: Shop, now: float | None = None, **subject: str) -> Challenge:
    """A PENDING challenge opened by the engine, as the order flow does."""
    tenant = await shop.tenant()
    settings = await TenantSettingsRepository(shop.redis, shop.box).get(tenant.id)
    subject.setdefault("expected_phone", SHOPPER_PHONE)
    return await open_for(await shop.challenges(), settings, now=now, **subject)


@asynccontextmanager
async def subscription(base_url: str, api_url: str, challenge_id: str,
                       **headers: str) -> AsyncIterator[Any]:
    """A graphql-transport-ws connection with one `challengeUpdated` subscription."""
    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"],
                                  additional_headers=headers or None) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"saleorApiUrl": api_url}}))
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connection_ack", ack
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": UPDATES, "variables": {"id": challenge_id}}}))
        yield ws


async def next_update(ws: Any, timeout: float = 5.0) -> dict[str, Any]:
    """The next `next` message's challenge (or raise on anything else)."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
        if message["type"] == "next":
            return message["payload"]["data"]["challengeUpdated"]
        if message["type"] in ("error", "complete"):
            raise AssertionError(message)
