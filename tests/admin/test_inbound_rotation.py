"""A merchant rotates the shop's inbound URLs and `generic` signing secret (a leaked URL, a
departing gateway vendor), or a provider's secret: the new ones work at once, the old ones only
for the overlap chosen."""

from __future__ import annotations

import time

from saleor_app.store.tenants import TenantRepository, inbound_index
from tests.admin.support import data
from tests.engine.test_inbound_sms import open_challenge, status_of
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop
from tests.support.sms import TWILIO_TOKEN, send_generic, send_twilio

NEW_TOKEN = "the-rotated-twilio-token-0123456789abcdef"

ROTATE = """mutation($hours: Int!) { rotateInboundCredentials(overlapHours: $hours) {
  errors { field message }
  settings { inboundUrls { provider url } previousInboundUrlsValidUntil } } }"""


async def sms(url: str, secret: str, code: str, message_id: str) -> int:
    answer = await send_generic(url, secret, SHOPPER_PHONE, VIRTUAL_NUMBER, code, message_id)
    return answer.status_code


async def rotate(shop: Shop, hours: int) -> dict:
    result = (await data(shop, ROTATE, {"hours": hours}))["rotateInboundCredentials"]
    assert result["errors"] == []
    return result["settings"]


def generic_url(settings: dict) -> str:
    return next(u["url"] for u in settings["inboundUrls"] if u["provider"] == "generic")


async def test_old_credentials_work_during_the_overlap_and_new_ones_at_once(shop: Shop) -> None:
    old_url, old = await shop.inbound_url("generic"), await shop.tenant()
    settings = await rotate(shop, 24)
    new_url, new = generic_url(settings), await shop.tenant()
    assert new_url != old_url and new.inbound_secret != old.inbound_secret
    until = settings["previousInboundUrlsValidUntil"]
    assert until is not None and until.startswith(time.strftime("%Y-%m-%d", time.gmtime(
        time.time() + 24 * 3600)))

    first = await open_challenge(shop, order_id="T3JkZXI6MQ==")
    assert await sms(old_url, old.inbound_secret, first.code, "m1") == 200
    assert (await status_of(shop, first.id)).status.value == "VERIFIED"
    second = await open_challenge(shop, order_id="T3JkZXI6Mg==")
    assert await sms(new_url, new.inbound_secret, second.code, "m2") == 200
    assert (await status_of(shop, second.id)).status.value == "VERIFIED"

    ttl = await shop.redis.ttl(inbound_index(old.inbound_key))
    assert 23 * 3600 < ttl <= 24 * 3600, "the old URL's index ends with the overlap"


async def test_without_overlap_the_old_credentials_stop_at_once(shop: Shop) -> None:
    old_url, old = await shop.inbound_url("generic"), await shop.tenant()
    settings = await rotate(shop, 0)
    assert settings["previousInboundUrlsValidUntil"] is None
    challenge = await open_challenge(shop)
    assert await sms(old_url, old.inbound_secret, challenge.code, "m1") == 404
    new = await shop.tenant()
    assert await sms(generic_url(settings), old.inbound_secret, challenge.code, "m2") == 401
    assert (await status_of(shop, challenge.id)).status.value == "PENDING"
    assert await sms(generic_url(settings), new.inbound_secret, challenge.code, "m3") == 200
    assert (await status_of(shop, challenge.id)).status.value == "VERIFIED"


async def test_a_second_rotation_ends_the_first_ones_overlap(shop: Shop) -> None:
    first_url, first = await shop.inbound_url("generic"), await shop.tenant()
    await rotate(shop, 24)
    await rotate(shop, 24)
    challenge = await open_challenge(shop)
    assert await sms(first_url, first.inbound_secret, challenge.code, "m1") == 404
    assert await shop.redis.exists(inbound_index(first.inbound_key)) == 0


async def test_an_overlap_beyond_a_week_is_refused(shop: Shop) -> None:
    before = await shop.tenant()
    result = (await data(shop, ROTATE, {"hours": 169}))["rotateInboundCredentials"]
    assert result["errors"][0]["field"] == "overlapHours"
    after = await TenantRepository(shop.redis, shop.box).get(before.id)
    assert after is not None and after.inbound_key == before.inbound_key


SET_TWILIO = """mutation($token: String!, $keep: Int) { updateSettings(input: {providers: [
  {provider: "twilio", enabled: true, twilioAuthToken: $token, keepReplacedSecretHours: $keep}]}) {
  errors { field message }
  settings { providers { provider replacedSecretValidUntil } } } }"""


async def set_twilio(shop: Shop, token: str, keep: int | None = None) -> dict:
    return (await data(shop, SET_TWILIO, {"token": token, "keep": keep}))["updateSettings"]


async def twilio_sms(shop: Shop, token: str, order_id: str) -> str:
    challenge = await open_challenge(shop, order_id=order_id)
    answer = await send_twilio(await shop.inbound_url("twilio"), SHOPPER_PHONE, VIRTUAL_NUMBER,
                               challenge.code, token=token)
    assert answer.status_code in (200, 401), answer.text
    return (await status_of(shop, challenge.id)).status.value


async def test_a_replaced_provider_secret_works_for_the_hours_asked(shop: Shop) -> None:
    assert (await set_twilio(shop, TWILIO_TOKEN))["errors"] == []
    result = await set_twilio(shop, NEW_TOKEN, keep=2)
    assert result["errors"] == []
    (twilio,) = [p for p in result["settings"]["providers"] if p["provider"] == "twilio"]
    assert twilio["replacedSecretValidUntil"] is not None
    assert await twilio_sms(shop, TWILIO_TOKEN, "T3JkZXI6MQ==") == "VERIFIED"
    assert await twilio_sms(shop, NEW_TOKEN, "T3JkZXI6Mg==") == "VERIFIED"
    assert await twilio_sms(shop, "a-token-nobody-ever-set-0123456789", "T3JkZXI6Mw==") == "PENDING"


async def test_a_replaced_provider_secret_stops_at_once_by_default(shop: Shop) -> None:
    assert (await set_twilio(shop, TWILIO_TOKEN))["errors"] == []
    result = await set_twilio(shop, NEW_TOKEN)
    (twilio,) = [p for p in result["settings"]["providers"] if p["provider"] == "twilio"]
    assert twilio["replacedSecretValidUntil"] is None
    assert await twilio_sms(shop, TWILIO_TOKEN, "T3JkZXI6MQ==") == "PENDING"
    assert await twilio_sms(shop, NEW_TOKEN, "T3JkZXI6Mg==") == "VERIFIED"


async def test_keeping_a_replaced_secret_beyond_a_week_is_refused(shop: Shop) -> None:
    result = await set_twilio(shop, NEW_TOKEN, keep=169)
    assert result["errors"][0]["field"] == "providers.twilio.keepReplacedSecretHours"
