"""A virtual number per country: each shopper is shown the number of their own country, and an
SMS to a number verifies the challenges shown with that number only."""

from __future__ import annotations

import pytest

from saleor_app.core.sms_link import qr_svg, sms_uri
from tests.admin.support import data
from tests.orders.test_hold_and_release import RISKY, create_order, held_challenge
from tests.storefront.client import BY_ORDER, RENEW, ask
from tests.support.shop import VIRTUAL_NUMBER, Shop
from tests.support.sms import send_generic

GERMAN_NUMBER = "+4915112345678"
GERMAN_SHOPPER = "+491701234567"
FRENCH_SHOPPER = "+33612345678"

SET_NUMBERS = """mutation($numbers: [VirtualNumberInput!]) { updateSettings(input: {numbers: $numbers}) {
  errors { field message }
  settings { virtualNumber numbers { number countries isDefault } } } }"""

NUMBERS = [
    {"number": VIRTUAL_NUMBER, "countries": ["FR"], "isDefault": True},
    {"number": "+49 151 12345678", "countries": ["de", "AT"], "isDefault": False},
]


async def set_numbers(shop: Shop, numbers: list[dict]) -> dict:
    return (await data(shop, SET_NUMBERS, {"numbers": numbers}))["updateSettings"]


async def held_for(shop: Shop, phone: str) -> tuple[dict, dict]:
    order = await create_order(shop, **{**RISKY, "billing_phone": phone})
    _, stored = await held_challenge(shop, order)
    answer = await ask(shop, BY_ORDER, id=order["id"])
    assert "errors" not in answer, answer
    return answer["data"]["orderChallenge"], {"id": stored.id, "code": stored.code}


async def sms(shop: Shop, sender: str, to: str, text: str, message_id: str) -> str:
    tenant = await shop.tenant()
    answer = await send_generic(await shop.inbound_url("generic"), tenant.inbound_secret,
                                sender, to, text, message_id)
    assert answer.status_code == 200, answer.text
    return answer.json()["outcome"]


async def test_each_shopper_is_shown_the_number_of_their_country(shop: Shop) -> None:
    result = await set_numbers(shop, NUMBERS)
    assert result["errors"] == []
    assert result["settings"]["virtualNumber"] == VIRTUAL_NUMBER
    assert result["settings"]["numbers"] == [
        {"number": VIRTUAL_NUMBER, "countries": ["FR"], "isDefault": True},
        {"number": GERMAN_NUMBER, "countries": ["DE", "AT"], "isDefault": False},
    ]

    german, german_stored = await held_for(shop, GERMAN_SHOPPER)
    assert german["smsNumber"] == GERMAN_NUMBER
    assert german["smsUri"] == sms_uri(GERMAN_NUMBER, german_stored["code"])
    assert german["qrCodeSvg"] == qr_svg(GERMAN_NUMBER, german_stored["code"])
    french, _ = await held_for(shop, FRENCH_SHOPPER)
    assert french["smsNumber"] == VIRTUAL_NUMBER
    other, _ = await held_for(shop, "+12025550123")
    assert other["smsNumber"] == VIRTUAL_NUMBER, "a country no number serves gets the default"

    renewed = (await ask(shop, RENEW, id=german["id"]))["data"]["renewChallenge"]
    assert renewed["smsNumber"] == GERMAN_NUMBER, "a renewal keeps the number"


async def test_an_sms_to_a_number_verifies_only_the_challenges_shown_with_it(shop: Shop) -> None:
    assert (await set_numbers(shop, NUMBERS))["errors"] == []
    german, _ = await held_for(shop, GERMAN_SHOPPER)
    french, _ = await held_for(shop, FRENCH_SHOPPER)

    assert await sms(shop, GERMAN_SHOPPER, VIRTUAL_NUMBER, german["code"], "m1") == "WRONG_CODE"
    assert await sms(shop, FRENCH_SHOPPER, GERMAN_NUMBER, french["code"], "m2") == "WRONG_CODE"
    assert await sms(shop, GERMAN_SHOPPER, GERMAN_NUMBER, german["code"], "m3") == "VERIFIED"
    assert await sms(shop, FRENCH_SHOPPER, VIRTUAL_NUMBER, french["code"], "m4") == "VERIFIED"


@pytest.mark.parametrize(("numbers", "problem"), [
    ([{"number": VIRTUAL_NUMBER, "countries": ["FR"]}], "exactly one number as the default"),
    ([{"number": VIRTUAL_NUMBER, "countries": [], "isDefault": True},
      {"number": "+33 7 57 00 00 01", "countries": ["BE"]}], "listed twice"),
    ([{"number": VIRTUAL_NUMBER, "countries": [], "isDefault": True},
      {"number": GERMAN_NUMBER, "countries": ["XX"]}], "not an ISO 3166 country code"),
    ([{"number": VIRTUAL_NUMBER, "countries": ["DE"], "isDefault": True},
      {"number": GERMAN_NUMBER, "countries": ["DE"]}], "DE is served by two numbers"),
    ([{"number": VIRTUAL_NUMBER, "countries": [], "isDefault": True},
      {"number": "12", "countries": ["DE"]}], "not a phone number"),
    ([{"number": VIRTUAL_NUMBER, "countries": [], "isDefault": True},
      {"number": GERMAN_NUMBER, "countries": []}], "serves no country"),
])
async def test_a_bad_list_of_numbers_is_refused_with_a_field_error(
    shop: Shop, numbers: list[dict], problem: str
) -> None:
    result = await set_numbers(shop, numbers)
    assert result["settings"]["numbers"] == [
        {"number": VIRTUAL_NUMBER, "countries": [], "isDefault": True}], "nothing saved"
    assert [e["field"] for e in result["errors"]] == ["numbers"]
    assert problem in result["errors"][0]["message"]
