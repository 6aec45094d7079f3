"""A new SECRET_KEY rolled out with the old one in SECRET_KEY_PREVIOUS: shops keep working, every
stored secret is sealed again with the new key, and then the old key can be dropped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from saleor_app.config import ConfigError, load_settings
from saleor_app.store.sealing import SealError, SecretBox
from saleor_app.store.secret_check import CHECK_KEY
from saleor_app.store.tenant_settings import settings_key
from saleor_app.store.tenants import SEALED_FIELDS, TenantRepository, auth_key
from tests.engine.test_inbound_sms import open_challenge, status_of
from tests.support.app_server import SECRET_KEY, AppServer
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import TWILIO_TOKEN, send_twilio

NEW_KEY = "the-new-secret-key-fedcba9876543210fedcba98"


async def sealed_values(shop: Shop) -> list[str]:
    """Every value the store keeps sealed for this shop, and the start-up check value."""
    tenant_id = (await shop.tenant()).id
    auth = await shop.redis.hgetall(auth_key(tenant_id))
    return [
        await shop.redis.get(CHECK_KEY),
        await shop.redis.get(settings_key(tenant_id)),
        *(auth[field] for field in SEALED_FIELDS if auth.get(field)),
    ]


def opens_with(key: str, values: list[str]) -> bool:
    box = SecretBox(key)
    try:
        for value in values:
            box.open(value)
    except SealError:
        return False
    return True


async def verified_by_sms(shop: Shop, order_id: str) -> bool:
    challenge = await open_challenge(shop, order_id=order_id)
    url = await shop.inbound_url("twilio")
    answer = await send_twilio(url, SHOPPER_PHONE, VIRTUAL_NUMBER, challenge.code)
    assert answer.status_code == 200, answer.text
    return (await status_of(shop, challenge.id)).status.value == "VERIFIED"


async def test_a_new_secret_key_is_rolled_out_without_losing_a_shop(
    shop: Shop, start_app: Callable[..., AppServer]
) -> None:
    await shop.configure(providers={"twilio": {"enabled": True, "twilio_auth_token": TWILIO_TOKEN}})
    await TenantRepository(shop.redis, shop.box).rotate_inbound((await shop.tenant()).id, 3600)
    assert await verified_by_sms(shop, "T3JkZXI6MQ==")
    before = await sealed_values(shop)
    assert len(before) == 2 + len(SEALED_FIELDS)
    assert opens_with(SECRET_KEY, before) and not opens_with(NEW_KEY, before)
    redis_url, data_dir = shop.app.settings.redis_url, shop.app.settings.data_dir
    shop.app.stop()

    rolling = start_app(redis_url=redis_url, data_dir=data_dir, secret_key=NEW_KEY,
                        secret_key_previous=[SECRET_KEY])
    shop = replace(shop, app=rolling, secret_key=NEW_KEY, previous_keys=(SECRET_KEY,))
    assert await verified_by_sms(shop, "T3JkZXI6Mg==")

    async def resealed() -> bool:
        return opens_with(NEW_KEY, await sealed_values(shop))

    await wait_for(resealed)
    rolling.stop()

    shop = replace(shop, app=start_app(redis_url=redis_url, data_dir=data_dir,
                                       secret_key=NEW_KEY), previous_keys=())
    assert await verified_by_sms(shop, "T3JkZXI6Mw==")


def test_a_short_previous_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY_PREVIOUS"):
        load_settings(secret_key=NEW_KEY, secret_key_previous="too-short")
