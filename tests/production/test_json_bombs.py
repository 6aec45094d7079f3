"""Deeply nested JSON and lone UTF-16 surrogates get a clear 4xx on every JSON route, never a 500."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from saleor_app.json_input import MAX_JSON_DEPTH
from saleor_app.sms import sign_generic
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop

NESTED = b"[" * 4000 + b"]" * 4000
JUST_TOO_DEEP = b'{"query": ' + b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH + b"}"
WEBHOOKS = [
    "order-created", "order-confirmed", "order-cancelled", "order-expired",
    "checkout-created", "checkout-updated", "app-deleted",
]
LONE_SURROGATE = json.dumps(
    {"from": SHOPPER_PHONE, "to": VIRTUAL_NUMBER, "text": "code \ud800", "id": "m-1"}
).encode()


async def _post(shop: Shop, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=shop.app.url, timeout=20) as http:
        return await http.post(path, content=body, headers=headers)


@pytest.mark.parametrize("body", [NESTED, JUST_TOO_DEEP], ids=["4000-deep", "just-too-deep"])
async def test_nested_bodies_are_refused_before_install(shop: Shop, body: bytes) -> None:
    answer = await _post(shop, "/api/register", body, {"Saleor-Api-Url": shop.saleor.api_url})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "MISSING_AUTH_TOKEN"


@pytest.mark.parametrize("event", WEBHOOKS)
async def test_nested_signed_webhooks_are_refused(shop: Shop, event: str) -> None:
    headers = shop.saleor.webhook_headers(event.replace("-", "_"), shop.saleor.sign(NESTED))
    answer = await _post(shop, f"/api/webhooks/{event}", NESTED, headers)
    assert answer.status_code == 400, answer.text


async def test_nested_storefront_graphql_is_refused(shop: Shop) -> None:
    headers = {"Saleor-Api-Url": shop.saleor.api_url, "Content-Type": "application/json"}
    answer = await _post(shop, "/graphql", NESTED, headers)
    assert answer.status_code == 400, answer.text


async def test_nested_merchant_graphql_is_refused(shop: Shop) -> None:
    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    headers = {"Saleor-Api-Url": shop.saleor.api_url, "Authorization-Bearer": token}
    answer = await _post(shop, "/api/admin/graphql", NESTED, headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "MALFORMED_REQUEST"


async def test_nesting_within_the_limit_still_parses(shop: Shop) -> None:
    depth = MAX_JSON_DEPTH - 2
    query = "{ __typename }"
    body = json.dumps({"query": query, "variables": {"x": json.loads("[" * depth + "]" * depth)}})
    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    headers = {"Saleor-Api-Url": shop.saleor.api_url, "Authorization-Bearer": token}
    answer = await _post(shop, "/api/admin/graphql", body.encode(), headers)
    assert answer.status_code == 200, answer.text


async def test_lone_surrogate_in_generic_sms_is_refused(shop: Shop) -> None:
    tenant = await shop.tenant()
    for body in (LONE_SURROGATE, NESTED):
        header = sign_generic(tenant.inbound_secret, body, int(time.time()))
        answer = await _post(shop, f"/api/sms/generic/{tenant.inbound_key}", body, {
            "Content-Type": "application/json", "X-Signature": header})
        assert answer.status_code == 400, answer.text


async def test_lone_surrogate_in_smsmode_sms_is_refused(shop: Shop) -> None:
    await shop.configure(providers={"smsmode": {"enabled": True}})
    url = await shop.inbound_url("smsmode")
    body = json.dumps({"numero": SHOPPER_PHONE.lstrip("+"), "emetteur": VIRTUAL_NUMBER.lstrip("+"),
                       "message": "code \udc00", "responseID": "r-1"}).encode()
    for sent in (body, NESTED):
        async with httpx.AsyncClient(timeout=20) as http:
            answer = await http.post(url, content=sent, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, answer.text
