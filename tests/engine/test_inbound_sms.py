"""Inbound SMS through every provider's real wire format, and the engine's guarantees."""

from __future__ import annotations

import asyncio
import time

import pytest

from saleor_app.core.model import Challenge
from saleor_app.engine.challenges import open_for
from saleor_app.store.tenant_settings import TenantSettingsRepository
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import (
    PLIVO_TOKEN,
    TWILIO_TOKEN,
    VONAGE_SECRET,
    send_generic,
    send_plivo,
    send_smsmode,
    send_telnyx,
    send_twilio,
    send_vonage,
    telnyx_keys,
)


async def open_challenge(shop: Shop, phone: str | None = SHOPPER_PHONE, now: float | None = None,
                         order_id: str = "T3JkZXI6MQ==") -> Challenge:
    store = await shop.challenges()
    settings = await TenantSettingsRepository(shop.redis, shop.box).get(store.tenant_id)
    return await open_for(store, settings, order_id=order_id, expected_phone=phone, now=now)


async def status_of(shop: Shop, challenge_id: str) -> Challenge:
    store = await shop.challenges()
    challenge = await store.get(challenge_id)
    assert challenge is not None
    return challenge


async def generic(shop: Shop, sender: str, text: str, message_id: str | None = None):
    tenant = await shop.tenant()
    return await send_generic(await shop.inbound_url("generic"), tenant.inbound_secret, sender,
                              VIRTUAL_NUMBER, text, message_id)


@pytest.mark.parametrize("provider", ["smsmode", "twilio", "vonage", "plivo", "telnyx", "generic"])
async def test_each_provider_documented_message_verifies(shop: Shop, provider: str) -> None:
    key, public = telnyx_keys()
    await shop.configure(providers={
        provider: {"enabled": True, "twilio_auth_token": TWILIO_TOKEN if provider == "twilio"
                   else None, "vonage_signature_secret": VONAGE_SECRET if provider == "vonage"
                   else None, "vonage_signature_method": "sha256" if provider == "vonage"
                   else None, "plivo_auth_token": PLIVO_TOKEN if provider == "plivo" else None,
                   "telnyx_public_key": public if provider == "telnyx" else None}})
    challenge = await open_challenge(shop)
    url = await shop.inbound_url(provider)
    text = f"Code: {challenge.code[:4]}-{challenge.code[4:]}"
    if provider == "generic":
        answer = await generic(shop, SHOPPER_PHONE, text)
    elif provider == "telnyx":
        answer = await send_telnyx(url, key, SHOPPER_PHONE, VIRTUAL_NUMBER, text, "VoIP")
    else:
        sender = {"smsmode": send_smsmode, "twilio": send_twilio, "vonage": send_vonage,
                  "plivo": send_plivo}[provider]
        answer = await sender(url, SHOPPER_PHONE, VIRTUAL_NUMBER, text)
    assert answer.status_code in (200, 204), answer.text
    verified = await status_of(shop, challenge.id)
    assert verified.status.value == "VERIFIED"
    assert verified.verified_sender == SHOPPER_PHONE
    if provider == "telnyx":
        assert verified.sender_line_type == "voip" and verified.sender_carrier == "Orange"


@pytest.mark.parametrize("provider", ["twilio", "vonage", "plivo", "telnyx", "generic"])
async def test_forged_or_missing_signatures_are_refused(shop: Shop, provider: str) -> None:
    key, _ = telnyx_keys()
    await shop.configure(providers={provider: {
        "enabled": True, "twilio_auth_token": "another-token", "vonage_signature_secret": "x" * 20,
        "vonage_signature_method": "sha256", "plivo_auth_token": "another-token",
        "telnyx_public_key": telnyx_keys()[1]}})
    challenge = await open_challenge(shop)
    url = await shop.inbound_url(provider)
    if provider == "generic":
        answer = await send_generic(url, "wrong-secret", SHOPPER_PHONE, VIRTUAL_NUMBER,
                                    challenge.code)
    elif provider == "telnyx":
        answer = await send_telnyx(url, key, SHOPPER_PHONE, VIRTUAL_NUMBER, challenge.code)
    else:
        sender = {"twilio": send_twilio, "vonage": send_vonage, "plivo": send_plivo}[provider]
        answer = await sender(url, SHOPPER_PHONE, VIRTUAL_NUMBER, challenge.code)
    assert answer.status_code == 401
    assert (await status_of(shop, challenge.id)).status.value == "PENDING"


async def test_disabled_provider_and_unknown_inbound_url(shop: Shop) -> None:
    challenge = await open_challenge(shop)
    answer = await send_smsmode(await shop.inbound_url("smsmode"), SHOPPER_PHONE,
                                VIRTUAL_NUMBER, challenge.code)
    assert answer.status_code == 401
    answer = await send_smsmode(f"{shop.app.url}/api/sms/smsmode/not-a-key", SHOPPER_PHONE,
                                VIRTUAL_NUMBER, challenge.code)
    assert answer.status_code == 404
    answer = await send_smsmode(f"{shop.app.url}/api/sms/nokia/not-a-key", SHOPPER_PHONE,
                                VIRTUAL_NUMBER, challenge.code)
    assert answer.status_code == 404


async def test_fifty_concurrent_sms_verify_exactly_once(shop: Shop) -> None:
    challenge = await open_challenge(shop)
    answers = await asyncio.gather(*[generic(shop, SHOPPER_PHONE, challenge.code)
                                     for _ in range(50)])
    assert all(a.status_code == 200 for a in answers)
    store = await shop.challenges()
    verified = [e for e in await store.audit_trail(200)
                if e["challenge"] == challenge.id and e["event"] == "VERIFIED"]
    assert len(verified) == 1


async def test_replayed_provider_message_is_handled_once(shop: Shop) -> None:
    challenge = await open_challenge(shop)
    for _ in range(3):
        answer = await generic(shop, "+33698765432", challenge.code, message_id="same-id")
        assert answer.status_code == 200
    assert (await status_of(shop, challenge.id)).suspicious == 1


async def test_strict_refuses_right_code_from_another_number(shop: Shop) -> None:
    challenge = await open_challenge(shop)
    await generic(shop, "+33698765432", challenge.code)
    after = await status_of(shop, challenge.id)
    assert after.status.value == "PENDING" and after.suspicious == 1
    store = await shop.challenges()
    assert any(e["event"] == "WRONG_SENDER" for e in await store.audit_trail())


async def test_same_country_and_any_policies(shop: Shop) -> None:
    await shop.configure(sender_policy="SAME_COUNTRY")
    challenge = await open_challenge(shop)
    await generic(shop, "+4915112345678", challenge.code)
    assert (await status_of(shop, challenge.id)).status.value == "PENDING"
    await generic(shop, "+33698765432", challenge.code)
    assert (await status_of(shop, challenge.id)).verified_sender == "+33698765432"
    await shop.configure(sender_policy="ANY")
    other = await open_challenge(shop, order_id="T3JkZXI6Mg==")
    await generic(shop, "+4915112345678", other.code)
    assert (await status_of(shop, other.id)).verified_sender == "+4915112345678"


async def test_late_sms_never_verifies(shop: Shop) -> None:
    challenge = await open_challenge(shop, now=time.time() - 601)
    answer = await generic(shop, SHOPPER_PHONE, challenge.code)
    assert answer.status_code == 200
    after = await status_of(shop, challenge.id)
    assert after.status.value in ("PENDING", "EXPIRED") and after.verified_sender is None
    store = await shop.challenges()
    await wait_for(lambda: _status(store, challenge.id, "EXPIRED"))


async def _status(store, challenge_id: str, status: str) -> bool:
    found = await store.get(challenge_id)
    return found is not None and found.status.value == status


async def test_wrong_codes_from_the_expected_phone_reject_after_five(shop: Shop) -> None:
    challenge = await open_challenge(shop)
    for attempt in range(1, 6):
        await generic(shop, SHOPPER_PHONE, "ZZZZ9999")
        after = await status_of(shop, challenge.id)
        assert after.attempts == attempt
    assert after.status.value == "REJECTED"
    await generic(shop, SHOPPER_PHONE, challenge.code)
    assert (await status_of(shop, challenge.id)).status.value == "REJECTED"


async def test_sender_rate_limit(shop: Shop) -> None:
    await shop.configure(sender_rate_limit=3, sender_rate_window_seconds=120)
    challenge = await open_challenge(shop)
    for _ in range(3):
        await generic(shop, SHOPPER_PHONE, "nothing here")
    answer = await generic(shop, SHOPPER_PHONE, challenge.code)
    assert answer.status_code == 200, "excess is acknowledged to the provider"
    assert (await status_of(shop, challenge.id)).status.value == "PENDING"
    counter = (await shop.challenges()).key("rate", "sender", SHOPPER_PHONE)
    assert await shop.redis.get(counter) == "4"
    assert 110 < await shop.redis.ttl(counter) <= 120, "the count ends with its window"
    metrics = (await asyncio.to_thread(shop.app.client().get, "/metrics")).text
    assert 'rotp_inbound_sms_total{outcome="rate_limited",provider="generic"} 1.0' in metrics


async def test_phone_written_in_national_or_00_format_matches(shop: Shop) -> None:
    first = await open_challenge(shop)
    await generic(shop, "0612345678", first.code)
    assert (await status_of(shop, first.id)).status.value == "VERIFIED"
    second = await open_challenge(shop, order_id="T3JkZXI6Mw==")
    await generic(shop, "0033612345678", f"ＣＯＤＥ {second.code}")
    assert (await status_of(shop, second.id)).status.value == "VERIFIED"


async def test_oversized_and_malformed_bodies(shop: Shop) -> None:
    url = await shop.inbound_url("generic")
    client = shop.app.client()
    big = await asyncio.to_thread(client.post, url, content=b"x" * (64 * 1024 + 1))
    assert big.status_code == 413
    tenant = await shop.tenant()
    from saleor_app.sms import sign_generic

    body = b'{"from": 1}'
    signed = await asyncio.to_thread(client.post, url, content=body, headers={
        "X-Signature": sign_generic(tenant.inbound_secret, body, int(time.time()))})
    assert signed.status_code == 400


async def test_one_log_line_per_sms_with_its_outcome_and_a_masked_sender(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    challenge = await open_challenge(shop)
    assert (await generic(shop, SHOPPER_PHONE, challenge.code)).status_code == 200
    (line,) = [r for r in caplog.records if r.getMessage() == "inbound sms"]
    assert (line.outcome, line.status, line.challenge) == ("VERIFIED", "VERIFIED", challenge.id)
    assert line.sender.endswith("78") and "12345678" not in line.sender
    routes = [getattr(r, "route", "") for r in caplog.records if r.getMessage() == "request"]
    assert "/api/sms/{provider}/{tenant_key}" not in routes, "no second line for the same SMS"
    caplog.clear()
    url = await shop.inbound_url("generic")
    forged = await send_generic(url, "not-the-secret", SHOPPER_PHONE, VIRTUAL_NUMBER, "x")
    assert forged.status_code == 401
    refused = [r for r in caplog.records if r.getMessage() == "request"]
    assert [(r.levelname, r.status) for r in refused] == [("WARNING", 401)]
