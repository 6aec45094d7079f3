"""CORS: any origin reads a shop's answers until the shop lists its own; preflights cost nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets

from tests.admin.support import data
from tests.storefront.client import BY_ID, open_challenge, post, subscription
from tests.support.shop import Shop

STOREFRONT = "https://shop.example"
EVIL = "https://evil.example"


def preflight(url: str, origin: str, headers: str = "content-type, saleor-api-url"):
    return httpx.options(url + "/graphql", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers})


async def test_preflight_is_granted_to_any_web_origin_for_our_request_only(shop: Shop) -> None:
    granted = preflight(shop.app.url, STOREFRONT)
    assert granted.status_code == 204
    assert granted.headers["access-control-allow-origin"] == STOREFRONT
    assert set(granted.headers["access-control-allow-headers"].split(", ")) == {
        "content-type", "saleor-api-url"}
    assert "access-control-allow-credentials" not in granted.headers
    assert preflight(shop.app.url, STOREFRONT, "authorization").status_code == 403
    assert preflight(shop.app.url, "null").status_code == 403


async def test_an_empty_list_admits_any_origin_a_list_only_its_own(shop: Shop) -> None:
    challenge = await open_challenge(shop, order_id="T3JkZXI6Y29ycw==")

    async def allowed(origin: str) -> str | None:
        answer = await post(shop.app.url, BY_ID, {"id": challenge.id},
                            api_url=shop.saleor.api_url, Origin=origin)
        assert answer.headers["vary"] == "Origin"
        return answer.headers.get("access-control-allow-origin")

    assert await allowed(EVIL) == EVIL, "the Settings text says an empty list allows any origin"
    await shop.configure(allowed_origins=[STOREFRONT + "/"])
    await asyncio.sleep(1.1)
    assert await allowed(STOREFRONT) == STOREFRONT
    assert await allowed(EVIL) is None


async def test_websocket_origin_must_be_allowed(shop: Shop) -> None:
    await shop.configure(allowed_origins=[STOREFRONT])
    challenge = await open_challenge(shop, order_id="T3JkZXI6d3Njb3Jz")
    with pytest.raises(websockets.ConnectionClosedError) as refused:
        async with subscription(shop.app.url, shop.saleor.api_url, challenge.id, Origin=EVIL):
            pass
    assert refused.value.rcvd.code == 4403
    async with subscription(shop.app.url, shop.saleor.api_url, challenge.id,
                            Origin=STOREFRONT) as ws:
        assert ws.state.name == "OPEN"


async def test_a_refused_storefront_origin_shows_as_a_problem_until_allowed(shop: Shop) -> None:
    await shop.configure(allowed_origins=[STOREFRONT])
    challenge = await open_challenge(shop, order_id="T3JkZXI6cHJvYmxlbQ==")
    await asyncio.sleep(1.1)
    answer = await post(shop.app.url, BY_ID, {"id": challenge.id}, api_url=shop.saleor.api_url,
                        Origin="https://www.shop.example")
    assert "access-control-allow-origin" not in answer.headers
    query = "query { problems { code message } }"
    found = [p for p in (await data(shop, query))["problems"]
             if p["code"] == "STOREFRONT_ORIGIN_REFUSED"]
    assert len(found) == 1 and "https://www.shop.example" in found[0]["message"]
    await shop.configure(allowed_origins=[STOREFRONT, "https://www.shop.example"])
    after = [p["code"] for p in (await data(shop, query))["problems"]]
    assert "STOREFRONT_ORIGIN_REFUSED" not in after
