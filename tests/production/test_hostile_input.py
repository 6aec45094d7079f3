"""Hostile input over HTTP: fuzzed bodies and headers get clear 4xx answers, never a 500."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_app.sms import sign_generic
from tests.support.shop import Shop

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PATHS = [
    "/api/webhooks/order-created", "/api/webhooks/order-confirmed",
    "/api/webhooks/order-cancelled", "/api/webhooks/order-expired",
    "/api/webhooks/checkout-created", "/api/webhooks/checkout-updated",
    "/api/webhooks/app-deleted",
]
EVENTS = {p: p.rsplit("/", 1)[1].replace("-", "_") for p in PATHS}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=12,
)
header_text = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=60)


def order_like(app_id: str) -> st.SearchStrategy[dict[str, Any]]:
    address = st.fixed_dictionaries({}, optional={
        "phone": st.one_of(st.text(max_size=16), st.none(), st.integers()),
        "country": st.one_of(st.none(), st.fixed_dictionaries({"code": st.text(max_size=3)})),
        "postalCode": st.text(max_size=8)})
    order = st.fixed_dictionaries({"id": st.text(min_size=1, max_size=30)}, optional={
        "status": st.sampled_from(["UNCONFIRMED", "UNFULFILLED", "CANCELED", ""]),
        "number": json_values, "checkoutId": st.one_of(st.none(), st.text(max_size=20)),
        "channel": st.one_of(st.none(), st.fixed_dictionaries({"slug": json_values})),
        "userEmail": st.one_of(st.none(), st.emails(), st.text(max_size=30)),
        "user": st.one_of(st.none(), st.fixed_dictionaries({"id": st.text(max_size=10)})),
        "total": st.one_of(st.none(), st.fixed_dictionaries({"gross": st.fixed_dictionaries(
            {"amount": st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                                 st.integers(-10**6, 10**9)),
             "currency": st.text(max_size=4)})})),
        "billingAddress": st.one_of(st.none(), address),
        "shippingAddress": st.one_of(st.none(), address)})
    return st.fixed_dictionaries({
        "recipient": st.just({"id": app_id}),
        "order": st.one_of(order, json_values),
        "checkout": st.one_of(order, json_values),
        "issuingPrincipal": st.one_of(st.none(), json_values),
    })


@FUZZ
@given(data=st.data(), path=st.sampled_from(PATHS[:-1]))
def test_signed_fuzzed_webhook_payloads(shop: Shop, data: st.DataObject, path: str) -> None:
    payload = data.draw(order_like(shop.installed.app_id))
    body = json.dumps(payload).encode()
    headers = shop.saleor.webhook_headers(EVENTS[path], shop.saleor.sign(body))
    with httpx.Client(base_url=shop.app.url, timeout=15) as http:
        answer = http.post(path, content=body, headers=headers)
    assert answer.status_code in (200, 400), (answer.status_code, answer.text)


@FUZZ
@given(body=st.binary(max_size=300), path=st.sampled_from(PATHS),
       api_url=st.one_of(header_text, st.just("http://127.0.0.1:1/graphql/")),
       event=header_text, signature=header_text)
def test_unsigned_garbage_to_webhooks(shop: Shop, body: bytes, path: str, api_url: str,
                                      event: str, signature: str) -> None:
    headers = {"Saleor-Api-Url": api_url, "Saleor-Event": event, "Saleor-Signature": signature}
    with httpx.Client(base_url=shop.app.url, timeout=15) as http:
        answer = http.post(path, content=body, headers=headers)
    assert answer.status_code in (400, 401), (answer.status_code, answer.text)


@FUZZ
@given(document=json_values, extra=st.dictionaries(
    st.sampled_from(["from", "to", "text", "id"]), json_values, max_size=4))
def test_signed_fuzzed_generic_sms(shop: Shop, document: Any, extra: dict) -> None:
    body = json.dumps({**extra} if isinstance(document, dict) else document).encode()
    import asyncio

    tenant = asyncio.run(_tenant(shop))
    header = sign_generic(tenant.inbound_secret, body, int(time.time()))
    url = f"{shop.app.url}/api/sms/generic/{tenant.inbound_key}"
    answer = httpx.post(url, content=body, headers={"X-Signature": header}, timeout=15)
    assert answer.status_code in (200, 400), (answer.status_code, answer.text)


async def _tenant(shop: Shop):
    import redis.asyncio as aioredis

    from saleor_app.store.tenants import TenantRepository

    client = aioredis.Redis.from_url(shop.app.settings.redis_url, decode_responses=True)
    try:
        return await TenantRepository(client, shop.box).get_by_api_url(shop.saleor.api_url)
    finally:
        await client.aclose()


@FUZZ
@given(body=st.binary(max_size=200), api_url=header_text)
def test_register_garbage(shop: Shop, body: bytes, api_url: str) -> None:
    url = api_url if not api_url.startswith("http") else "http://127.0.0.1:1/graphql/"
    answer = httpx.post(f"{shop.app.url}/api/register", content=body,
                        headers={"Saleor-Api-Url": url}, timeout=15)
    assert answer.status_code in (400, 401, 403), (answer.status_code, answer.text)
    assert answer.json()["success"] is False


def test_header_injection_and_odd_encodings(shop: Shop) -> None:
    with httpx.Client(base_url=shop.app.url, timeout=15) as http:
        latin = http.post("/api/webhooks/order-created", content="é".encode("latin-1"),
                          headers={"Saleor-Api-Url": shop.saleor.api_url,
                                   "Saleor-Event": "order_created",
                                   "Saleor-Signature": shop.saleor.sign("é".encode("latin-1"))})
        assert latin.status_code == 400
        bom = b"\xef\xbb\xbf{}"
        answer = http.post("/api/webhooks/order-created", content=bom, headers={
            "Saleor-Api-Url": shop.saleor.api_url, "Saleor-Event": "order_created",
            "Saleor-Signature": shop.saleor.sign(bom)})
        assert answer.status_code in (400, 401)
    port = int(shop.app.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\rSet-Cookie: x=1\r\n"
                    b"Connection: close\r\n\r\n")
        reply = b""
        while chunk := raw.recv(4096):
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line.split()[1] in (b"200", b"400")
    assert b"set-cookie" not in rest.lower()


def test_slow_body_is_cut_off(shop: Shop) -> None:
    from saleor_app.request_body import BODY_TIMEOUT_SECONDS

    port = int(shop.app.url.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=BODY_TIMEOUT_SECONDS + 10) as raw:
        raw.sendall(b"POST /api/webhooks/order-created HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Length: 1000\r\nConnection: close\r\n\r\n{")
        reply = b""
        while chunk := raw.recv(4096):
            reply += chunk
    assert reply.split()[1] == b"408"
    assert BODY_TIMEOUT_SECONDS <= time.monotonic() - started < BODY_TIMEOUT_SECONDS + 5
