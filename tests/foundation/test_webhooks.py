"""The verified webhook entry, through real HTTP with Saleor's own headers and signatures."""

from __future__ import annotations

import json

import httpx
import pytest
import redis.asyncio as aioredis

from saleor_app.store.sealing import SecretBox
from saleor_app.store.tenants import Tenant, TenantRepository
from tests.support.app_server import SECRET_KEY, AppServer
from tests.support.captured import CAPTURED_API_URL, captured_jwks, captured_request
from tests.support.shop import Shop, wait_for


def app_deleted_body(shop: Shop, app_id: str | None = None) -> bytes:
    app = shop.installed.app
    query = next(h["query"] for h in app.manifest["webhooks"] if h["name"] == "app-deleted")
    root = shop.saleor.app_deleted_event(shop.installed.app_id)
    if app_id is not None:
        root["recipient"] = {"id": app_id}
    return shop.saleor.render_event(query, "APP_DELETED", root)


async def post(shop: Shop, body: bytes, **overrides: str | None) -> httpx.Response:
    return await shop.saleor.deliver(
        f"{shop.app.url}/api/webhooks/app-deleted",
        "app_deleted",
        body,
        signature=overrides.pop("signature", None),
        extra_headers={k: v for k, v in overrides.items() if v is not None},
    )


async def test_signed_app_deleted_removes_the_tenant(shop: Shop) -> None:
    tenant = await shop.tenant()
    shop.saleor.delete_app(shop.installed.app_id)
    (answer,) = await shop.saleor.deliver_emitted()
    assert answer.status_code == 200
    assert await TenantRepository(shop.redis, shop.box).get(tenant.id) is None
    assert [k async for k in shop.redis.scan_iter(f"rotp:{{t:{tenant.id}}}:*")] == []
    assert await shop.redis.get(f"rotp:inbound:{tenant.inbound_key}") is None
    again = await post(shop, app_deleted_body(shop))
    assert again.status_code == 401, "a removed tenant is unknown"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"signature": "eyJhbGciOiJSUzI1NiJ9..AAAA"}, 401, "SIGNATURE_VERIFICATION_FAILED"),
        ({"Saleor-Signature": ""}, 401, "MISSING_SIGNATURE"),
        ({"Saleor-Event": "order_created"}, 400, "WRONG_EVENT"),
        ({"Saleor-Api-Url": "http://127.0.0.1:1/graphql/"}, 401, "NOT_REGISTERED"),
    ],
)
async def test_refusals(shop: Shop, change: dict, status: int, code: str) -> None:
    answer = await post(shop, app_deleted_body(shop), **change)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert await shop.tenant()


async def test_signature_of_other_body_is_refused(shop: Shop) -> None:
    body = app_deleted_body(shop)
    other = body.replace(b'"issuedAt": "', b'"issuedAt": "1')
    answer = await post(shop, other, signature=shop.saleor.sign(body))
    assert answer.status_code == 401


async def test_payload_for_another_app_is_refused(shop: Shop) -> None:
    body = app_deleted_body(shop, app_id="QXBwOjk5")
    answer = await post(shop, body)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "WRONG_RECIPIENT"
    assert await shop.tenant()


async def test_body_over_one_mebibyte_is_refused(shop: Shop) -> None:
    body = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    answer = await post(shop, body)
    assert answer.status_code == 413


async def test_key_rotation_is_picked_up_with_one_jwks_refresh(shop: Shop) -> None:
    await wait_for(lambda: shop.saleor.calls("webhookUpdate"))
    before = shop.saleor.jwks_fetches
    shop.saleor.rotate_key()
    answer = await post(shop, app_deleted_body(shop))
    assert answer.status_code == 200
    assert shop.saleor.jwks_fetches == before + 1


async def test_unknown_key_refreshes_at_most_once_per_interval(
    saleor, start_app, clean_redis: str
) -> None:
    app = start_app(jwks_refresh_interval_seconds=60)
    installed = await saleor.install(f"{app.url}/api/manifest")
    client = aioredis.Redis.from_url(clean_redis, decode_responses=True)
    shop = Shop(saleor=saleor, app=app, installed=installed, redis=client)
    before = saleor.jwks_fetches
    forged_body = app_deleted_body(shop)
    other = type(saleor)(key_index=7)
    for _ in range(5):
        answer = await post(shop, forged_body, signature=other.sign(forged_body))
        assert answer.status_code == 401
    assert saleor.jwks_fetches == before + 1
    await client.aclose()


async def test_captured_real_delivery_is_accepted(app_server: AppServer, clean_redis: str) -> None:
    request = captured_request("app_deleted")
    client = aioredis.Redis.from_url(clean_redis, decode_responses=True)
    repo = TenantRepository(client, SecretBox(SECRET_KEY))
    app_id = request.payload["recipient"]["id"]
    tenant = await repo.install(Tenant.new(CAPTURED_API_URL, app_id, "token", captured_jwks()))
    headers = dict(request.headers)
    headers.pop("Host")
    headers.pop("Content-Length")
    answer = httpx.post(
        f"{app_server.url}/api/webhooks/app-deleted", content=request.body, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert await repo.get(tenant.id) is None
    await client.aclose()


async def test_malformed_json_with_valid_signature_is_400(shop: Shop) -> None:
    answer = await post(shop, b"[1, 2")
    assert answer.status_code == 400
    assert json.loads(answer.text)["error"]["code"] == "MALFORMED_BODY"


CAPTURED_TO_OUR_PATHS = {
    "order_created": "order-created",
    "o2_order_created_with_token": "order-created",
    "order_confirmed": "order-confirmed",
    "order_cancelled": "order-cancelled",
    "checkout_created": "checkout-created",
    "checkout_updated_shipping_address_1": "checkout-updated",
    "o2_checkout_created_with_addresses_1": "checkout-created",
}


@pytest.mark.parametrize("name", sorted(CAPTURED_TO_OUR_PATHS))
async def test_captured_real_deliveries_reach_their_handlers(
    app_server: AppServer, clean_redis: str, name: str
) -> None:
    request = captured_request(name)
    client = aioredis.Redis.from_url(clean_redis, decode_responses=True)
    repo = TenantRepository(client, SecretBox(SECRET_KEY))
    tenant = await repo.install(
        Tenant.new(CAPTURED_API_URL, request.payload["recipient"]["id"], "token", captured_jwks())
    )
    headers = {k: v for k, v in request.headers if k not in ("Host", "Content-Length")}
    url = f"{app_server.url}/api/webhooks/{CAPTURED_TO_OUR_PATHS[name]}"
    async with httpx.AsyncClient() as http:
        answer = await http.post(url, content=request.body, headers=headers)
        forged = await http.post(url, content=request.body + b" ", headers=headers)
    assert answer.status_code == 200, answer.text
    assert forged.status_code == 401
    if name.endswith("order_created") or name == "order_created":
        order_id = request.payload["order"]["id"]
        assert await client.get(f"rotp:{{t:{tenant.id}}}:order:{order_id}")
    await client.aclose()
