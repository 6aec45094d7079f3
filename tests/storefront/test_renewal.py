"""A renewed challenge is judged entirely by the settings in force: never the old, looser sender
policy with a new, shorter code."""

from __future__ import annotations

from tests.orders.test_hold_and_release import RISKY, create_order, held_challenge
from tests.storefront.client import BY_ID, RENEW, ask
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop
from tests.support.sms import send_generic

STRANGER = "+33698765432"


async def test_a_renewal_after_the_shop_tightened_its_settings_takes_all_of_them(
    shop: Shop,
) -> None:
    await shop.configure(sender_policy="ANY", code_length=8, code_alphabet="CROCKFORD")
    order = await create_order(shop, **RISKY)
    _, opened = await held_challenge(shop, order)
    assert opened.sender_policy.value == "ANY" and len(opened.code) == 8
    await shop.configure(sender_policy="STRICT", code_length=4, code_alphabet="DIGITS")

    renewed = (await ask(shop, RENEW, id=opened.id))["data"]["renewChallenge"]
    assert renewed["status"] == "PENDING" and len(renewed["code"]) == 4
    stored = await (await shop.challenges()).get(opened.id)
    assert stored.sender_policy.value == "STRICT"

    secret, url = (await shop.tenant()).inbound_secret, await shop.inbound_url("generic")
    stranger = await send_generic(url, secret, STRANGER, VIRTUAL_NUMBER, renewed["code"])
    assert stranger.json()["outcome"] == "WRONG_SENDER"
    assert (await ask(shop, BY_ID, id=opened.id))["data"]["challenge"]["status"] == "PENDING"
    shopper = await send_generic(url, secret, SHOPPER_PHONE, VIRTUAL_NUMBER, renewed["code"])
    assert shopper.json()["outcome"] == "VERIFIED"
