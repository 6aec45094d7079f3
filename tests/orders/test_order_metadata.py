"""An order's private metadata says what the app decided about that order, never what it
decided about the checkout (Saleor copies a checkout's private metadata onto its order)."""

from __future__ import annotations

import asyncio
from typing import Any

from saleor_app.jobs.periodic import reconcile
from tests.admin.support import data
from tests.orders.test_expiry_and_reconcile import side_context
from tests.orders.test_hold_and_release import RISKY, create_order, held_challenge, record
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import send_generic

CHECKOUT = {"total": 900.0, "currency": "EUR", "billing_country": "FR", "shipping_country": "US"}
OLD_CHECKOUT_KEYS = {"reverse_otp.decision": "ALLOW", "reverse_otp.score": "0",
                     "reverse_otp.challenge": "c_from_the_checkout", "reverse_otp.verified": "true",
                     "reverse_otp.verified_by": "+33 6 ** ** ** 99"}
"""What an earlier version wrote on checkouts under the order's keys."""


def private(node: dict[str, Any]) -> dict[str, str]:
    return {item["key"]: item["value"] for item in node["privateMetadata"]}


def order_keys(meta: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in meta.items()
            if k.startswith("reverse_otp.") and not k.startswith("reverse_otp.checkout.")}


async def written(shop: Shop, order_id: str, decision: str) -> dict[str, str]:
    """The order's metadata once the app wrote its decision."""
    return await wait_for(lambda: (meta := private(shop.saleor.order(order_id)))
                          .get("reverse_otp.decision") == decision and meta)


async def test_a_scored_checkout_leaves_only_checkout_keys_on_its_order(shop: Shop) -> None:
    saleor = shop.saleor
    checkout = saleor.add_checkout(**CHECKOUT)
    (answer,) = await saleor.send_event("CHECKOUT_UPDATED", checkout)
    assert answer.status_code == 200
    meta = await wait_for(lambda: private(saleor.checkouts[checkout["id"]]))
    assert meta["reverse_otp.checkout.decision"] == "CHALLENGE"
    assert order_keys(meta) == {}

    # Saleor copies the checkout's metadata at checkoutComplete: before the app decides the
    # order, and for an order it never decides, nothing reads as the order's verdict.
    copied = saleor.add_order(checkout=checkout, **CHECKOUT)
    assert private(copied)["reverse_otp.checkout.challenge"] == meta["reverse_otp.checkout.challenge"]
    assert order_keys(private(copied)) == {}
    never = saleor.add_order(checkout=checkout, status="UNFULFILLED", **CHECKOUT)
    (answer,) = await saleor.send_event("ORDER_CREATED", never)
    assert answer.status_code == 200

    (answer,) = await saleor.send_event("ORDER_CREATED", copied)
    assert answer.status_code == 200
    decided, challenge = await held_challenge(shop, copied)
    own = order_keys(await written(shop, copied["id"], "CHALLENGE"))
    assert own == {"reverse_otp.decision": "CHALLENGE", "reverse_otp.score": f"{decided.score:g}",
                   "reverse_otp.reasons": ",".join(r["rule"] for r in decided.reasons),
                   "reverse_otp.challenge": challenge.id, "reverse_otp.verified": "false",
                   "reverse_otp.verified_by": "", "reverse_otp.staff_decision": ""}
    await asyncio.sleep(0.5)
    assert order_keys(private(saleor.order(never["id"]))) == {}
    assert [c for c in saleor.calls("updatePrivateMetadata")
            if c.variables.get("id") == never["id"]] == []


async def test_keys_an_earlier_version_copied_are_overwritten_by_the_decision(shop: Shop) -> None:
    saleor = shop.saleor
    checkout = saleor.add_checkout(private_metadata=OLD_CHECKOUT_KEYS, **CHECKOUT)
    order = await create_order(shop, checkout=checkout, **CHECKOUT)
    _, challenge = await held_challenge(shop, order)
    meta = await written(shop, order["id"], "CHALLENGE")
    assert meta["reverse_otp.verified"] == "false" and meta["reverse_otp.verified_by"] == ""
    assert meta["reverse_otp.challenge"] == challenge.id

    # Verified by SMS, the order's keys say so (the phone masked).
    tenant = await shop.tenant()
    answer = await send_generic(await shop.inbound_url("generic"), tenant.inbound_secret,
                                SHOPPER_PHONE, VIRTUAL_NUMBER, challenge.code)
    assert answer.status_code == 200
    meta = await wait_for(lambda: (m := private(saleor.order(order["id"])))
                          .get("reverse_otp.verified") == "true" and m)
    assert meta["reverse_otp.verified_by"].startswith("+33") and "612345" not in meta["reverse_otp.verified_by"]


async def test_a_reconciled_order_and_a_staff_decision_write_the_orders_keys(shop: Shop) -> None:
    saleor = shop.saleor
    checkout = saleor.add_checkout(private_metadata=OLD_CHECKOUT_KEYS, **CHECKOUT)
    order = saleor.add_order(checkout=checkout, **RISKY)
    async with side_context(shop) as ctx:
        assert (await reconcile(ctx, await shop.tenant()))["decided"] == 1
    meta = await written(shop, order["id"], "CHALLENGE")
    assert meta["reverse_otp.verified"] == "false"
    assert meta["reverse_otp.challenge"] == (await record(shop, order["id"])).challenge_id
    approve = "mutation($id: ID!) { approveOrder(orderId: $id, reason: \"ok\") { errors { message } } }"
    assert (await data(shop, approve, {"id": order["id"]}))["approveOrder"]["errors"] == []
    meta = await wait_for(lambda: (m := private(saleor.order(order["id"])))
                          .get("reverse_otp.staff_decision") == "APPROVED" and m)
    assert meta["reverse_otp.decision"] == "CHALLENGE" and meta["reverse_otp.verified"] == "false"
