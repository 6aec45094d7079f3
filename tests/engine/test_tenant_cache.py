"""The app keeps tenants in memory, yet a change made elsewhere applies to the very next SMS."""

from __future__ import annotations

from saleor_app.store.tenants import TenantRepository
from tests.engine.test_inbound_sms import open_challenge, status_of
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop
from tests.support.sms import TWILIO_TOKEN, send_twilio

NEW_TOKEN = "rotated-twilio-token-0123456789abcdef"


async def cached(shop: Shop) -> str:
    """Enable Twilio and verify one SMS through it, so that the app holds the shop in memory;
    return the Twilio inbound URL."""
    await shop.configure(providers={"twilio": {"enabled": True,
                                               "twilio_auth_token": TWILIO_TOKEN}})
    url = await shop.inbound_url("twilio")
    first = await open_challenge(shop, order_id="T3JkZXI6MQ==")
    assert (await send_twilio(url, SHOPPER_PHONE, VIRTUAL_NUMBER, first.code)).status_code == 200
    assert (await status_of(shop, first.id)).status.value == "VERIFIED"
    return url


async def test_a_rotated_twilio_token_applies_to_the_next_sms(shop: Shop) -> None:
    url = await cached(shop)
    await shop.configure(providers={"twilio": {"enabled": True, "twilio_auth_token": NEW_TOKEN}})
    second = await open_challenge(shop, order_id="T3JkZXI6Mg==")
    old = await send_twilio(url, SHOPPER_PHONE, VIRTUAL_NUMBER, second.code)
    assert old.status_code == 401, "the old token is refused at once"
    assert (await status_of(shop, second.id)).status.value == "PENDING"
    new = await send_twilio(url, SHOPPER_PHONE, VIRTUAL_NUMBER, second.code, token=NEW_TOKEN)
    assert new.status_code == 200, "the new token is accepted at once"
    assert (await status_of(shop, second.id)).status.value == "VERIFIED"


async def test_a_provider_switched_off_elsewhere_is_refused_at_once(shop: Shop) -> None:
    url = await cached(shop)
    await shop.configure(providers={"twilio": {"enabled": False,
                                               "twilio_auth_token": TWILIO_TOKEN}})
    second = await open_challenge(shop, order_id="T3JkZXI6Mg==")
    answer = await send_twilio(url, SHOPPER_PHONE, VIRTUAL_NUMBER, second.code)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "PROVIDER_DISABLED"
    assert (await status_of(shop, second.id)).status.value == "PENDING"


async def test_an_uninstalled_shop_inbound_url_is_gone_at_once(shop: Shop) -> None:
    url = await cached(shop)
    tenant = await shop.tenant()
    assert await TenantRepository(shop.redis, shop.box).delete(tenant.id)
    answer = await send_twilio(url, SHOPPER_PHONE, VIRTUAL_NUMBER, "ABCD1234")
    assert answer.status_code == 404
    assert await shop.redis.keys(f"rotp:{{t:{tenant.id}}}:*") == [], "nothing written for it"
