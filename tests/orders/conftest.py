"""Fixtures of the order tests."""

from __future__ import annotations

import pytest

from tests.support.shop import Shop
from tests.support.sms import TWILIO_TOKEN


@pytest.fixture
async def twilio_shop(shop: Shop) -> Shop:
    """The installed shop with Twilio (and the generic provider) enabled."""
    await shop.configure(providers={"twilio": {"enabled": True, "twilio_auth_token": TWILIO_TOKEN},
                                    "generic": {"enabled": True}})
    return shop
