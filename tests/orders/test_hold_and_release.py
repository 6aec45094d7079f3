"""Hold high-risk orders and release them on a verified SMS, end to end over real HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from saleor_app.store.orders import OrderRepository, OrderState
from tests.standin import SaleorStandIn
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import send_twilio

RISKY = {"total": 900.0, "currency": "EUR", "billing_country": "FR", "shipping_country": "US"}
CALM = {"total": 25.0, "currency": "EUR", "billing_country": "FR", "shipping_country": "FR",
        "customer_orders": 4}


async def create_order(shop: Shop, **fields: Any) -> dict[str, Any]:
    order = shop.saleor.add_order(**fields)
    (answer,) = await shop.saleor.send_event("ORDER_CREATED", order)
    assert answer.status_code == 200, answer.text
    return order


async def record(shop: Shop, order_id: str):
    return await OrderRepository(shop.redis, (await shop.tenant()).id).get(order_id)


def confirms(saleor: SaleorStandIn, order_id: str) -> list:
    return [c for c in saleor.calls("orderConfirm") if c.variables.get("id") == order_id]


def notes(saleor: SaleorStandIn, order_id: str) -> list[str]:
    return [c.variables["message"] for c in saleor.calls("orderNoteAdd")
            if c.variables.get("id") == order_id]


async def held_challenge(shop: Shop, order: dict[str, Any]):
    decided = await wait_for(lambda: record(shop, order["id"]))
    assert decided.state is OrderState.HELD
    store = await shop.challenges()
    challenge = await store.get(decided.challenge_id)
    assert challenge is not None
    return decided, challenge


async def test_risky_order_is_held_then_released_by_twilio_sms(twilio_shop: Shop) -> None:
    shop, saleor = twilio_shop, twilio_shop.saleor
    order = await create_order(shop, **RISKY)
    decided, challenge = await held_challenge(shop, order)
    assert decided.decision.value == "CHALLENGE" and decided.score >= 50
    assert {r["rule"] for r in decided.reasons} >= {"high_amount", "guest_checkout",
                                                    "country_mismatch"}
    assert challenge.expected_phone == SHOPPER_PHONE
    await wait_for(lambda: notes(saleor, order["id"]))
    assert "held this order" in notes(saleor, order["id"])[0]
    await wait_for(lambda: saleor.order(order["id"])["privateMetadata"])
    meta = {m["key"]: m["value"] for m in saleor.order(order["id"])["privateMetadata"]}
    assert meta["reverse_otp.decision"] == "CHALLENGE"
    assert "country_mismatch" in meta["reverse_otp.reasons"]
    assert confirms(saleor, order["id"]) == []

    answer = await send_twilio(await shop.inbound_url("twilio"), SHOPPER_PHONE, VIRTUAL_NUMBER,
                               f"Hello, my code is {challenge.code.lower()} thanks")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    await wait_for(lambda: saleor.order(order["id"])["status"] == "UNFULFILLED")
    await wait_for(lambda: len(notes(saleor, order["id"])) >= 2)
    assert "verified by SMS from +33" in notes(saleor, order["id"])[-1]
    assert "78" in notes(saleor, order["id"])[-1] and "612345" not in notes(saleor, order["id"])[-1]
    await asyncio.sleep(1.5)
    assert len(confirms(saleor, order["id"])) == 1
    assert (await record(shop, order["id"])).state is OrderState.CONFIRMED


async def test_low_risk_order_is_confirmed_at_once(shop: Shop) -> None:
    order = await create_order(shop, **CALM)
    await wait_for(lambda: shop.saleor.order(order["id"])["status"] == "UNFULFILLED")
    decided = await record(shop, order["id"])
    assert decided.decision.value == "ALLOW" and decided.challenge_id is None
    assert len(confirms(shop.saleor, order["id"])) == 1


async def test_duplicated_webhooks_make_one_challenge(shop: Shop) -> None:
    order = shop.saleor.add_order(**RISKY)
    answers = await asyncio.gather(*[shop.saleor.send_event("ORDER_CREATED", order)
                                     for _ in range(5)])
    assert all(a.status_code == 200 for (a,) in answers)
    decided = await wait_for(lambda: record(shop, order["id"]))
    store = await shop.challenges()
    assert await store.pending_count() == 1
    assert decided.challenge_id == await store.id_for("by-order", order["id"])


async def test_a_decided_order_logs_one_line_and_a_duplicate_its_request_line(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    order = shop.saleor.add_order(**RISKY)
    (first,) = await shop.saleor.send_event("ORDER_CREATED", order)
    (again,) = await shop.saleor.send_event("ORDER_CREATED", order)
    assert first.status_code == again.status_code == 200
    decided = [r for r in caplog.records if r.getMessage() == "order decided"]
    assert [(r.order, r.decision) for r in decided] == [(order["id"], "CHALLENGE")]
    requests = [r for r in caplog.records if r.getMessage() == "request"
                and getattr(r, "route", "") == "/api/webhooks/order-created"]
    assert len(requests) == 1, "only the duplicate, which decided nothing, logs a request line"


async def test_sms_from_another_number_does_not_release(twilio_shop: Shop) -> None:
    shop = twilio_shop
    order = await create_order(shop, **RISKY)
    _, challenge = await held_challenge(shop, order)
    answer = await send_twilio(await shop.inbound_url("twilio"), "+33698765432",
                               VIRTUAL_NUMBER, challenge.code)
    assert answer.status_code == 200
    await asyncio.sleep(1.0)
    store = await shop.challenges()
    after = await store.get(challenge.id)
    assert after.status.value == "PENDING" and after.suspicious == 1
    assert confirms(shop.saleor, order["id"]) == []
    assert shop.saleor.order(order["id"])["status"] == "UNCONFIRMED"


async def _status(store, challenge_id: str, status: str) -> bool:
    challenge = await store.get(challenge_id)
    return challenge is not None and challenge.status.value == status


async def test_release_survives_saleor_down_for_a_while(twilio_shop: Shop) -> None:
    shop, saleor = twilio_shop, twilio_shop.saleor
    order = await create_order(shop, **RISKY)
    _, challenge = await held_challenge(shop, order)
    await wait_for(lambda: notes(saleor, order["id"]))
    saleor.set_down(True)
    await send_twilio(await shop.inbound_url("twilio"), SHOPPER_PHONE, VIRTUAL_NUMBER,
                      challenge.code)
    await asyncio.sleep(4)
    assert saleor.order(order["id"])["status"] == "UNCONFIRMED"
    saleor.set_down(False)
    await wait_for(lambda: saleor.order(order["id"])["status"] == "UNFULFILLED", timeout=30)
    await asyncio.sleep(1.0)
    assert len(confirms(saleor, order["id"])) == 1


async def test_order_confirmed_by_staff_closes_its_challenge(shop: Shop) -> None:
    saleor = shop.saleor
    order = await create_order(shop, **RISKY)
    _, challenge = await held_challenge(shop, order)
    staff = saleor.issue_staff_token(user_permissions=("MANAGE_ORDERS",))
    query = "mutation($id: ID!){ orderConfirm(id: $id){ errors { code } } }"
    async with httpx.AsyncClient() as http:
        answer = await http.post(saleor.api_url, json={"query": query,
                                 "variables": {"id": order["id"]}},
                                 headers={"Authorization": f"Bearer {staff}"})
    assert answer.json()["data"]["orderConfirm"]["errors"] == []
    responses = await saleor.deliver_emitted()
    assert any(r.status_code == 200 for r in responses)
    store = await shop.challenges()
    await wait_for(lambda: _status(store, challenge.id, "APPROVED"))
    assert (await record(shop, order["id"])).state is OrderState.CONFIRMED


async def test_storefront_sees_not_required_once_staff_confirmed(shop: Shop) -> None:
    order = await create_order(shop, **RISKY)
    await held_challenge(shop, order)
    query = "query($id: ID!){ orderChallenge(orderId: $id){ status code } }"
    headers = {"Saleor-Api-Url": shop.saleor.api_url}
    async with httpx.AsyncClient(base_url=shop.app.url) as http:
        before = await http.post("/graphql", json={"query": query, "variables": {"id": order["id"]}},
                                 headers=headers)
        assert before.json()["data"]["orderChallenge"]["status"] == "PENDING"
        staff = shop.saleor.issue_staff_token(user_permissions=("MANAGE_ORDERS",))
        mutation = "mutation($id: ID!){ orderConfirm(id: $id){ errors { code } } }"
        await http.post(shop.saleor.api_url, json={"query": mutation,
                        "variables": {"id": order["id"]}},
                        headers={"Authorization": f"Bearer {staff}"})
        await shop.saleor.deliver_emitted()
        after = await http.post("/graphql", json={"query": query, "variables": {"id": order["id"]}},
                                headers=headers)
    assert after.json()["data"]["orderChallenge"] == {"status": "NOT_REQUIRED", "code": None}
