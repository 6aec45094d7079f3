"""WhatsApp as a second free channel: Meta's Cloud API webhook (handshake, signature, batched
messages) and Twilio's WhatsApp senders, through the app's real inbound URL."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from urllib.parse import quote

import httpx

from saleor_app.core.model import ChallengeStatus
from saleor_app.storefront.settings_cache import SETTINGS_TTL_SECONDS
from tests.admin.support import data
from tests.core.test_sms_link import decode, rasterise_segno_svg
from tests.engine.test_inbound_sms import open_challenge, status_of
from tests.orders.test_hold_and_release import RISKY, create_order, held_challenge
from tests.storefront.client import BY_ID, ask
from tests.support.shop import SHOPPER_PHONE, Shop, wait_for
from tests.support.sms import (
    TWILIO_TOKEN,
    WHATSAPP_APP_SECRET,
    WHATSAPP_VERIFY_TOKEN,
    send_twilio,
    send_whatsapp,
    whatsapp_delivery,
)

WHATSAPP_NUMBER = "+33757000099"
STRANGER = "+33698765432"


async def whatsapp_shop(shop: Shop) -> str:
    """The shop with a WhatsApp number and Meta's provider on; its WhatsApp inbound URL."""
    await shop.configure(whatsapp_number=WHATSAPP_NUMBER, providers={
        "generic": {"enabled": True},
        "twilio": {"enabled": True, "twilio_auth_token": TWILIO_TOKEN},
        "whatsapp": {"enabled": True, "whatsapp_app_secret": WHATSAPP_APP_SECRET,
                     "whatsapp_verify_token": WHATSAPP_VERIFY_TOKEN}})
    return await shop.inbound_url("whatsapp")


async def test_the_subscription_handshake_echoes_the_challenge_for_the_right_token_only(
    shop: Shop,
) -> None:
    url = await whatsapp_shop(shop)
    async with httpx.AsyncClient() as client:
        good = await client.get(url, params={"hub.mode": "subscribe", "hub.challenge": "1158201444",
                                             "hub.verify_token": WHATSAPP_VERIFY_TOKEN})
        bad = await client.get(url, params={"hub.mode": "subscribe", "hub.challenge": "1158201444",
                                            "hub.verify_token": "guessed"})
    assert good.status_code == 200 and good.text == "1158201444"
    assert good.headers["content-type"].startswith("text/plain")
    assert bad.status_code == 403 and "1158201444" not in bad.text


async def test_a_meta_signed_message_verifies_and_only_once(shop: Shop) -> None:
    url = await whatsapp_shop(shop)
    challenge = await open_challenge(shop)
    delivery = whatsapp_delivery(WHATSAPP_NUMBER, [(SHOPPER_PHONE, challenge.code, "wamid.A1")])
    forged = await send_whatsapp(url, delivery, secret="not-the-app-secret")
    unsigned = await send_whatsapp(url, delivery, secret=None)
    assert forged.status_code == 401 and unsigned.status_code == 401
    assert (await status_of(shop, challenge.id)).status is ChallengeStatus.PENDING

    assert (await send_whatsapp(url, delivery)).status_code == 200
    verified = await status_of(shop, challenge.id)
    assert verified.status is ChallengeStatus.VERIFIED
    assert verified.verified_sender == SHOPPER_PHONE and verified.verified_channel == "whatsapp"
    replay = await send_whatsapp(url, delivery)
    assert replay.status_code == 200
    again = await status_of(shop, challenge.id)
    assert again.verified_at == verified.verified_at and again.attempts == verified.attempts


async def test_strict_refuses_the_right_code_from_another_whatsapp_number(shop: Shop) -> None:
    url = await whatsapp_shop(shop)
    challenge = await open_challenge(shop)
    delivery = whatsapp_delivery(WHATSAPP_NUMBER, [(STRANGER, challenge.code, "wamid.B1")])
    assert (await send_whatsapp(url, delivery)).status_code == 200
    stored = await status_of(shop, challenge.id)
    assert stored.status is ChallengeStatus.PENDING and stored.suspicious == 1


async def test_each_message_of_a_delivery_counts_once_and_receipts_are_ignored(
    shop: Shop,
) -> None:
    url = await whatsapp_shop(shop)
    first = await open_challenge(shop, order_id="T3JkZXI6MQ==")
    second = await open_challenge(shop, phone=STRANGER, order_id="T3JkZXI6Mg==")
    delivery = whatsapp_delivery(WHATSAPP_NUMBER, [(SHOPPER_PHONE, first.code, "wamid.C1"),
                                                   (STRANGER, second.code, "wamid.C2")],
                                 statuses=2)
    assert (await send_whatsapp(url, delivery)).status_code == 200
    assert (await status_of(shop, first.id)).status is ChallengeStatus.VERIFIED
    assert (await status_of(shop, second.id)).status is ChallengeStatus.VERIFIED
    receipts = await send_whatsapp(url, whatsapp_delivery(WHATSAPP_NUMBER, [], statuses=3))
    assert receipts.status_code == 200
    malformed = await send_whatsapp(url, {"entry": "not a list"})
    assert malformed.status_code == 200, "an authentic delivery we cannot use is acknowledged"


async def test_a_twilio_whatsapp_message_verifies(shop: Shop) -> None:
    await whatsapp_shop(shop)
    challenge = await open_challenge(shop)
    answer = await send_twilio(await shop.inbound_url("twilio"), f"whatsapp:{SHOPPER_PHONE}",
                               f"whatsapp:{WHATSAPP_NUMBER}", challenge.code)
    assert answer.status_code == 200, answer.text
    verified = await status_of(shop, challenge.id)
    assert verified.status is ChallengeStatus.VERIFIED
    assert verified.verified_sender == SHOPPER_PHONE and verified.verified_channel == "whatsapp"


async def test_the_storefront_offers_the_whatsapp_link_and_its_qr_code(shop: Shop) -> None:
    await shop.configure(keyword="SHOP")
    challenge = await open_challenge(shop)
    fields = "whatsappUri whatsappQrCodeSvg smsBody"
    query = f"query($id: ID!) {{ challenge(id: $id) {{ {fields} }} }}"
    off = (await ask(shop, query, id=challenge.id))["data"]["challenge"]
    assert off["whatsappUri"] is None and off["whatsappQrCodeSvg"] is None
    await whatsapp_shop(shop)
    await asyncio.sleep(SETTINGS_TTL_SECONDS)
    shown = (await ask(shop, query, id=challenge.id))["data"]["challenge"]
    link = f"https://wa.me/33757000099?text={quote(shown['smsBody'], safe='')}"
    assert shown["smsBody"] == f"SHOP {challenge.code}" and shown["whatsappUri"] == link
    decoded = decode_svg(shown["whatsappQrCodeSvg"])
    assert decoded == link
    assert (await ask(shop, BY_ID, id=challenge.id))["data"]["challenge"]["smsNumber"]


def decode_svg(svg: str) -> str:
    """Rasterise the QR SVG (one module per unit of its viewBox) and decode it with zxing."""
    size = int(float(ET.fromstring(svg).attrib["viewBox"].split()[2]))  # noqa: S314 (ours)
    (text,) = decode(rasterise_segno_svg(svg, size))
    return str(text)


async def test_the_merchant_sees_an_order_verified_by_whatsapp(shop: Shop) -> None:
    url = await whatsapp_shop(shop)
    order = await create_order(shop, **RISKY)
    _, challenge = await held_challenge(shop, order)
    delivery = whatsapp_delivery(WHATSAPP_NUMBER, [(SHOPPER_PHONE, challenge.code, "wamid.D1")])
    assert (await send_whatsapp(url, delivery)).status_code == 200
    await wait_for(lambda: shop.saleor.order(order["id"])["status"] == "UNFULFILLED")
    listed = (await data(shop, "query { challenges { id status verifiedChannel } }"))["challenges"]
    assert {"id": challenge.id, "status": "VERIFIED", "verifiedChannel": "whatsapp"} in listed
    saleor = shop.saleor
    form = {"saleorApiUrl": saleor.api_url, "appId": shop.installed.app_id,
            "orderId": order["id"],
            "accessToken": saleor.issue_app_bridge_token(shop.installed.app_id)}
    async with httpx.AsyncClient(base_url=shop.app.url) as http:
        widget = await http.post("/dashboard/order-widget", data=form)
    assert widget.status_code == 200 and "Verified by WhatsApp" in widget.text
