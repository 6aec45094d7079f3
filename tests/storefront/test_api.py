"""The public API over real HTTP: every contract field, what it hides, and bad input."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import httpx
import pytest

from saleor_app.core.sms_link import qr_svg, sms_uri
from saleor_app.engine.challenges import open_for
from saleor_app.store.challenges import ChallengeStore
from saleor_app.store.tenant_settings import TenantSettings
from saleor_app.store.tenants import Tenant, TenantRepository
from saleor_app.storefront.export import SDL_FILE, sdl
from tests.orders.test_hold_and_release import CALM, RISKY, create_order, held_challenge, record
from tests.storefront.client import (
    BY_CHECKOUT,
    BY_ID,
    BY_ORDER,
    RENEW,
    ask,
    open_challenge,
    post,
)
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import send_generic

HIDDEN = ("reason", "score", "612345", "country_mismatch", "secret", "verified_sender",
          "expected_phone", "attempts")


def challenge_of(answer: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in answer, answer
    return answer["data"][field]


async def test_held_order_shows_every_field(shop: Shop) -> None:
    order = await create_order(shop, **RISKY)
    _, stored = await held_challenge(shop, order)
    answer = await ask(shop, BY_ORDER, id=order["id"])
    shown = challenge_of(answer, "orderChallenge")
    assert shown["id"] == stored.id and shown["status"] == "PENDING"
    assert shown["code"] == stored.code and shown["smsBody"] == stored.code
    assert shown["smsNumber"] == VIRTUAL_NUMBER
    assert shown["smsUri"] == sms_uri(VIRTUAL_NUMBER, stored.code)
    assert shown["smsUri"] == f"sms:{VIRTUAL_NUMBER}?&body={stored.code}"
    assert shown["qrCodeSvg"] == qr_svg(VIRTUAL_NUMBER, stored.code)
    assert shown["qrCodeSvg"].startswith("<svg")
    expires = datetime.fromisoformat(shown["expiresAt"])
    assert expires.utcoffset() is not None
    assert abs(expires.timestamp() - stored.expires_at) < 0.001
    assert shown["phoneHint"] == "+33 • •• •• •• 78"
    assert shown["orderId"] == order["id"] and shown["checkoutId"] is None
    text = json.dumps(answer)
    assert not [word for word in HIDDEN if word in text]
    assert challenge_of(await ask(shop, BY_ID, id=stored.id), "challenge") == shown


async def test_keyword_is_part_of_the_sms(shop: Shop) -> None:
    await shop.configure(keyword="shop")
    stored = await open_challenge(shop, order_id="T3JkZXI6a2V5d29yZA==")
    shown = challenge_of(await ask(shop, BY_ID, id=stored.id), "challenge")
    assert shown["smsBody"] == f"SHOP {stored.code}"
    assert shown["smsUri"] == f"sms:{VIRTUAL_NUMBER}?&body=SHOP%20{stored.code}"


async def test_checkout_challenge(shop: Shop) -> None:
    stored = await open_challenge(shop, checkout_id="Q2hlY2tvdXQ6MQ==")
    shown = challenge_of(await ask(shop, BY_CHECKOUT, id="Q2hlY2tvdXQ6MQ=="), "checkoutChallenge")
    assert shown["id"] == stored.id and shown["checkoutId"] == "Q2hlY2tvdXQ6MQ=="
    assert shown["orderId"] is None and shown["status"] == "PENDING"


async def test_calm_order_needs_no_challenge(shop: Shop) -> None:
    order = await create_order(shop, **CALM)
    await wait_for(lambda: record(shop, order["id"]))
    shown = challenge_of(await ask(shop, BY_ORDER, id=order["id"]), "orderChallenge")
    assert shown["status"] == "NOT_REQUIRED" and shown["orderId"] == order["id"]
    assert all(shown[k] is None for k in shown if k not in ("status", "orderId"))


async def test_verified_challenge_no_longer_shows_the_code(shop: Shop) -> None:
    stored = await open_challenge(shop, order_id="T3JkZXI6dmVyaWZpZWQ=")
    sent = await send_generic(await shop.inbound_url("generic"), (await shop.tenant()).inbound_secret,
                              SHOPPER_PHONE, VIRTUAL_NUMBER, stored.code)
    assert sent.status_code == 200
    shown = challenge_of(await ask(shop, BY_ID, id=stored.id), "challenge")
    assert shown["status"] == "VERIFIED"
    assert shown["code"] is shown["smsBody"] is shown["smsUri"] is shown["qrCodeSvg"] is None
    assert shown["smsNumber"] == VIRTUAL_NUMBER and shown["phoneHint"].endswith("78")


async def test_expired_before_the_worker_marks_it_then_renewed(shop: Shop) -> None:
    settings = await shop.configure(ttl_seconds=120)
    stored = await open_challenge(shop, now=time.time() - 125, order_id="T3JkZXI6ZXhwaXJlZA==")
    assert (await (await shop.challenges()).get(stored.id)).status.value == "PENDING"
    shown = challenge_of(await ask(shop, BY_ID, id=stored.id), "challenge")
    assert shown["status"] == "EXPIRED" and shown["code"] is None and shown["smsUri"] is None
    renewed = challenge_of(await ask(shop, RENEW, id=stored.id), "renewChallenge")
    assert renewed["status"] == "PENDING" and renewed["code"] != stored.code
    assert datetime.fromisoformat(renewed["expiresAt"]).timestamp() > time.time() + 100
    secret = (await shop.tenant()).inbound_secret
    url = await shop.inbound_url("generic")
    await send_generic(url, secret, SHOPPER_PHONE, VIRTUAL_NUMBER, stored.code)
    assert challenge_of(await ask(shop, BY_ID, id=stored.id), "challenge")["status"] == "PENDING"
    await send_generic(url, secret, SHOPPER_PHONE, VIRTUAL_NUMBER, renewed["code"])
    assert challenge_of(await ask(shop, BY_ID, id=stored.id), "challenge")["status"] == "VERIFIED"
    final = challenge_of(await ask(shop, RENEW, id=stored.id), "renewChallenge")
    assert final["status"] == "VERIFIED" and final["code"] is None
    assert settings.ttl_seconds == 120


async def test_renewals_are_limited_per_challenge(shop: Shop) -> None:
    await shop.configure(max_renewals=2)
    stored = await open_challenge(shop, order_id="T3JkZXI6cmVuZXdhbHM=")
    for _ in range(2):
        assert challenge_of(await ask(shop, RENEW, id=stored.id), "renewChallenge")
    answer = await ask(shop, RENEW, id=stored.id)
    assert answer["data"] == {"renewChallenge": None}
    assert answer["errors"][0]["extensions"] == {"code": "RENEWAL_LIMIT"}
    assert (await (await shop.challenges()).get(stored.id)).renewals == 2


async def foreign_challenge(shop: Shop) -> str:
    """A challenge of another tenant installed in the same store."""
    tenant = Tenant.new("https://other.example/graphql/", "QXBwOjk=", "other-token", {"keys": []})
    await TenantRepository(shop.redis, shop.box).install(tenant)
    other = ChallengeStore(shop.redis, tenant.id)
    challenge = await open_for(other, TenantSettings(virtual_number="+33757000002"),
                               order_id="T3JkZXI6Zm9yZWlnbg==", checkout_id="Q2hlY2tvdXQ6Zm9yZWlnbg==")
    return challenge.id


@pytest.mark.parametrize(("query", "field"), [
    (BY_ID, "challenge"), (BY_ORDER, "orderChallenge"), (BY_CHECKOUT, "checkoutChallenge"),
    (RENEW, "renewChallenge"),
])
async def test_unknown_tenant_unknown_id_and_foreign_id_answer_alike(
    shop: Shop, query: str, field: str
) -> None:
    foreign_id = await foreign_challenge(shop)
    subject = {"challenge": foreign_id, "orderChallenge": "T3JkZXI6Zm9yZWlnbg==",
               "checkoutChallenge": "Q2hlY2tvdXQ6Zm9yZWlnbg==", "renewChallenge": foreign_id}[field]
    mine = await open_challenge(shop, order_id="T3JkZXI6bWluZQ==", checkout_id="Q2hlY2tvdXQ6bWluZQ==")
    own = {"challenge": mine.id, "orderChallenge": "T3JkZXI6bWluZQ==",
           "checkoutChallenge": "Q2hlY2tvdXQ6bWluZQ==", "renewChallenge": mine.id}[field]
    answers = [
        await post(shop.app.url, query, {"id": subject}, api_url=shop.saleor.api_url),
        await post(shop.app.url, query, {"id": "ch_unknown0000000000000000"},
                   api_url=shop.saleor.api_url),
        await post(shop.app.url, query, {"id": own}, api_url="https://nobody.example/graphql/"),
        await post(shop.app.url, query, {"id": "x" * 5000}, api_url=shop.saleor.api_url),
    ]
    assert {(a.status_code, a.content) for a in answers} == {
        (200, json.dumps({"data": {field: None}}, separators=(",", ":")).encode())
    }
    assert (await (await shop.challenges()).get(mine.id)).renewals == 0


async def test_bad_requests_get_clear_4xx(shop: Shop) -> None:
    url = shop.app.url + "/graphql"
    api = {"Saleor-Api-Url": shop.saleor.api_url, "Content-Type": "application/json"}
    async with httpx.AsyncClient() as http:
        cases = {
            "no tenant": await http.post(url, json={"query": "{ __typename }"}),
            "not json": await http.post(url, content=b"{nope", headers=api),
            "no query": await http.post(url, content=b'{"variables": {}}', headers=api),
            "bad content type": await http.post(url, content=b"query", headers={
                "Saleor-Api-Url": shop.saleor.api_url, "Content-Type": "text/plain"}),
            "syntax": await http.post(url, json={"query": "{ challenge("}, headers=api),
            "subscription over http": await http.post(url, json={
                "query": 'subscription { challengeUpdated(id: "x") { id } }'}, headers=api),
        }
        get = await http.get(url, params={"query": "{ __typename }"})
    codes = {name: answer.status_code for name, answer in cases.items()}
    assert codes == {"no tenant": 400, "not json": 400, "no query": 400, "bad content type": 415,
                     "syntax": 400, "subscription over http": 400}
    assert cases["no tenant"].json()["errors"][0]["extensions"]["code"] == "NO_TENANT"
    assert get.status_code == 405


def test_sdl_file_matches_the_code() -> None:
    assert SDL_FILE.read_text() == sdl(), "run: python -m saleor_app.storefront.export"
    for name in ("orderChallenge(orderId: ID!): Challenge", "checkoutChallenge(checkoutId: ID!)",
                 "challenge(id: ID!): Challenge", "renewChallenge(id: ID!): Challenge",
                 "challengeUpdated(id: ID!): Challenge", "NOT_REQUIRED", "qrCodeSvg: String",
                 "phoneHint: String", "expiresAt: DateTime"):
        assert name in SDL_FILE.read_text()
