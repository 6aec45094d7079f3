"""Inbound SMS over HTTP: a code typed with invisible characters or look-alike letters of another
script is still recognised; a signature dated in the future is refused."""

from __future__ import annotations

import json
import time

import httpx

from saleor_app.sms.generic import sign_generic
from tests.admin.support import held_order
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop
from tests.support.sms import send_generic

LATIN_TO_CYRILLIC = dict(zip("ABEKMHOPCTX", "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420"
                                            "\u0421\u0422\u0425", strict=True))


def disguised(code: str) -> str:
    """The code as a phone keyboard in another script, with zero-width characters, types it."""
    letters = [LATIN_TO_CYRILLIC.get(char, char) for char in code]
    return "\u200b".join(letters[:4]) + "\u2060" + "\ufeff".join(letters[4:])


async def test_a_code_with_invisible_and_cyrillic_characters_verifies(shop: Shop) -> None:
    await shop.configure(code_alphabet="CROCKFORD", code_length=8)
    order = await held_order(shop)
    store = await shop.challenges()
    challenge = await store.get(await store.id_for("by-order", order["id"]))
    text = f"Code {disguised(challenge.code)} thanks"
    assert challenge.code not in text
    answer = await send_generic(await shop.inbound_url("generic"), (await shop.tenant()).inbound_secret,
                                SHOPPER_PHONE, VIRTUAL_NUMBER, text)
    assert answer.json()["outcome"] == "VERIFIED"


async def test_a_generic_signature_dated_in_the_future_is_refused(shop: Shop) -> None:
    secret, url = (await shop.tenant()).inbound_secret, await shop.inbound_url("generic")
    answers = {}
    for ahead in (10, 120):
        body = json.dumps({"from": SHOPPER_PHONE, "to": VIRTUAL_NUMBER, "text": "hello",
                           "id": f"future-{ahead}"}).encode()
        header = sign_generic(secret, body, int(time.time()) + ahead)
        async with httpx.AsyncClient() as http:
            answer = await http.post(url, content=body, headers={
                "Content-Type": "application/json", "X-Signature": header})
        answers[ahead] = answer.status_code
    assert answers == {10: 200, 120: 401}
