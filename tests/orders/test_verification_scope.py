"""A verification proves one thing: the holder of that phone sent the code. It may satisfy a
CHALLENGE for the same phone and the same shopper; it never overrides REVIEW, never stands in for a
phone the order does not carry, and is no discount for someone else typing that phone."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from saleor_app.store.orders import OrderState
from tests.orders.test_hold_and_release import (
    RISKY,
    confirms,
    create_order,
    held_challenge,
    record,
)
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import send_twilio

STRANGER_PHONE = "+33698765432"


async def verified_checkout(shop: Shop, **fields: Any) -> dict[str, Any]:
    """A risky checkout (CHALLENGE) whose phone the shopper verified by SMS before paying."""
    checkout = shop.saleor.add_checkout(total=900.0, currency="EUR", billing_country="FR",
                                        shipping_country="US", **fields)
    (answer,) = await shop.saleor.send_event("CHECKOUT_UPDATED", checkout)
    assert answer.status_code == 200
    store = await shop.challenges()
    challenge_id = await wait_for(lambda: store.id_for("by-checkout", checkout["id"]))
    challenge = await store.get(challenge_id)
    await send_twilio(await shop.inbound_url("twilio"), SHOPPER_PHONE, VIRTUAL_NUMBER,
                      challenge.code)

    async def verified() -> bool:
        current = await store.get(challenge_id)
        return current is not None and current.status.value == "VERIFIED"

    await wait_for(verified)
    return checkout


def completed_with(checkout: dict[str, Any], *, phone: str | None = None,
                   total: float | None = None) -> dict[str, Any]:
    """The checkout as it was at completion: the shopper changed its phone or its cart."""
    changed = copy.deepcopy(checkout)
    if phone is not None:
        changed["billingAddress"]["phone"] = phone
    if total is not None:
        changed["totalPrice"]["gross"]["amount"] = total
    return changed


async def stays_held(shop: Shop, order: dict[str, Any]) -> Any:
    decided = await wait_for(lambda: record(shop, order["id"]))
    await asyncio.sleep(0.5)
    assert decided.decision.value != "ALLOW", decided.reasons
    assert (await record(shop, order["id"])).state is OrderState.HELD
    assert confirms(shop.saleor, order["id"]) == []
    assert "verified_at_checkout" not in {r["rule"] for r in decided.reasons}
    return decided


async def test_a_verified_checkout_never_overrides_review(twilio_shop: Shop) -> None:
    shop = twilio_shop
    await shop.configure(channels={"default-channel": {"risk": {"very_high_amount": 100}}})
    checkout = await verified_checkout(shop)
    order = await create_order(shop, checkout=completed_with(checkout, total=5000.0))
    decided = await stays_held(shop, order)
    assert decided.decision.value == "REVIEW"


async def test_a_verified_checkout_does_not_stand_in_for_a_removed_phone(
    twilio_shop: Shop,
) -> None:
    checkout = await verified_checkout(twilio_shop)
    order = await create_order(twilio_shop, checkout=completed_with(checkout, phone=""))
    await stays_held(twilio_shop, order)


async def test_a_verified_checkout_does_not_prove_another_phone(twilio_shop: Shop) -> None:
    checkout = await verified_checkout(twilio_shop)
    order = await create_order(twilio_shop, checkout=completed_with(checkout,
                                                                    phone=STRANGER_PHONE))
    await stays_held(twilio_shop, order)


async def test_the_same_phone_at_challenge_level_is_released_without_a_second_sms(
    twilio_shop: Shop,
) -> None:
    checkout = await verified_checkout(twilio_shop)
    order = await create_order(twilio_shop, checkout=checkout)
    await wait_for(lambda: twilio_shop.saleor.order(order["id"])["status"] == "UNFULFILLED")
    decided = await record(twilio_shop, order["id"])
    assert decided.decision.value == "ALLOW"
    assert "verified_at_checkout" in {r["rule"] for r in decided.reasons}
    assert len(confirms(twilio_shop.saleor, order["id"])) == 1


async def verify_order(shop: Shop, **fields: Any) -> None:
    """A risky guest order held, then released by the SMS from its phone."""
    order = await create_order(shop, **{**RISKY, **fields})
    _, challenge = await held_challenge(shop, order)
    await send_twilio(await shop.inbound_url("twilio"), SHOPPER_PHONE, VIRTUAL_NUMBER,
                      challenge.code)
    await wait_for(lambda: shop.saleor.order(order["id"])["status"] == "UNFULFILLED")


async def test_someone_elses_verified_phone_is_no_discount(twilio_shop: Shop) -> None:
    shop = twilio_shop
    await verify_order(shop, email="alice@example.com", billing_phone=SHOPPER_PHONE)
    attacker = await create_order(shop, **RISKY, email="mallory@example.net",
                                  billing_phone=SHOPPER_PHONE)
    decided = await wait_for(lambda: record(shop, attacker["id"]))
    assert decided.decision.value == "CHALLENGE"
    assert "recently_verified_phone" not in {r["rule"] for r in decided.reasons}
    assert decided.state is OrderState.HELD


async def test_the_same_shopper_and_phone_keep_their_credit(twilio_shop: Shop) -> None:
    shop = twilio_shop
    await verify_order(shop, email="alice@example.com", billing_phone=SHOPPER_PHONE)
    again = await create_order(shop, **RISKY, email="alice@example.com",
                               billing_phone=SHOPPER_PHONE)
    decided = await wait_for(lambda: record(shop, again["id"]))
    assert "recently_verified_phone" in {r["rule"] for r in decided.reasons}
    assert decided.decision.value == "ALLOW"
