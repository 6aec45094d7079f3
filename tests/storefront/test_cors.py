"""CORS: a storefront reads only its own shop's answers; preflights know every shop's origins."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets

from saleor_app.storefront.cors import REFRESH_SECONDS
from tests.storefront.client import BY_ID, open_challenge, post, subscription
from tests.support.shop import Shop

STOREFRONT = "https://shop.example"
EVIL = "https://evil.example"


def preflight(url: str, origin: str, headers: str = "content-type, saleor-api-url"):
    return httpx.options(url + "/graphql", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers})


async def test_preflight_and_response_headers(shop: Shop) -> None:
    assert preflight(shop.app.url, STOREFRONT).status_code == 403
    await shop.configure(allowed_origins=[STOREFRONT + "/"])
    await asyncio.sleep(REFRESH_SECONDS)
    granted = preflight(shop.app.url, STOREFRONT)
    assert granted.status_code == 204
    assert granted.headers["access-control-allow-origin"] == STOREFRONT
    assert set(granted.headers["access-control-allow-headers"].split(", ")) == {
        "content-type", "saleor-api-url"}
    assert "access-control-allow-credentials" not in granted.headers
    refused = preflight(shop.app.url, EVIL)
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    assert preflight(shop.app.url, STOREFRONT, "authorization").status_code == 403

    challenge = await open_challenge(shop, order_id="T3JkZXI6Y29ycw==")
    own = await post(shop.app.url, BY_ID, {"id": challenge.id}, api_url=shop.saleor.api_url,
                     Origin=STOREFRONT)
    assert own.headers["access-control-allow-origin"] == STOREFRONT
    assert own.headers["vary"] == "Origin"
    foreign = await post(shop.app.url, BY_ID, {"id": challenge.id}, api_url=shop.saleor.api_url,
                         Origin=EVIL)
    assert "access-control-allow-origin" not in foreign.headers
    other_shop = await post(shop.app.url, BY_ID, {"id": challenge.id},
                            api_url="https://other.example/graphql/", Origin=STOREFRONT)
    assert "access-control-allow-origin" not in other_shop.headers


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
