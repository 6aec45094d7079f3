"""The conversion funnel counts what a scripted run of 100 shoppers did: some are never shown
the code, some open the SMS or WhatsApp link or see the QR code, some send it, some type wrong
codes, the others give up and their code expires."""

from __future__ import annotations

import time

import httpx

from saleor_app.engine.challenges import open_for
from saleor_app.jobs.periodic import expire_due
from saleor_app.store.tenant_settings import TenantSettingsRepository
from tests.admin.support import data
from tests.orders.test_expiry_and_reconcile import side_context
from tests.storefront.client import BY_ID, ask
from tests.support.shop import VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import (
    WHATSAPP_APP_SECRET,
    send_generic,
    send_whatsapp,
    whatsapp_delivery,
)

OPENED = "mutation($id: ID!, $a: ChallengeAction!) { challengeOpened(id: $id, action: $a) }"
FUNNEL = """query { funnel(days: 7) { days steps { step count conversion medianSeconds }
  byChannel { key steps { step count } } byCountry { key steps { step count } }
  openedBy { key count } } }"""
WHATSAPP_NUMBER = "+33757000099"


def phone(n: int) -> str:
    """Shoppers 0-59 in France, 60-99 in Germany."""
    return f"+336123456{n:02d}" if n < 60 else f"+4917012345{n:02d}"


async def opened(shop: Shop, challenge_id: str, action: str) -> bool:
    answer = await ask(shop, OPENED, id=challenge_id, a=action)
    assert "errors" not in answer, answer
    return bool(answer["data"]["challengeOpened"])


async def test_the_funnel_counts_what_100_shoppers_did(shop: Shop) -> None:
    await shop.configure(max_attempts=1, whatsapp_number=WHATSAPP_NUMBER, providers={
        "generic": {"enabled": True},
        "whatsapp": {"enabled": True, "whatsapp_app_secret": WHATSAPP_APP_SECRET}})
    tenant = await shop.tenant()
    settings = await TenantSettingsRepository(shop.redis, shop.box).get(tenant.id)
    store = await shop.challenges()
    challenges = [await open_for(store, settings, order_id=f"T3JkZXI6{n:03d}",
                                 expected_phone=phone(n)) for n in range(100)]

    for n, challenge in enumerate(challenges[:90]):
        assert (await ask(shop, BY_ID, id=challenge.id))["data"]["challenge"]["status"] == "PENDING"
        action = "SMS_LINK" if n < 60 else "WHATSAPP_LINK" if n < 75 else "QR_SHOWN" if n < 80 else ""
        if action:
            assert await opened(shop, challenge.id, action)
        if n < 10:
            assert await opened(shop, challenge.id, "CODE_COPIED")
    assert not await opened(shop, challenges[0].id, "SMS_LINK"), "each action counts once"
    await ask(shop, BY_ID, id=challenges[0].id)

    generic = await shop.inbound_url("generic")
    for n, challenge in enumerate(challenges[:40]):
        answer = await send_generic(generic, tenant.inbound_secret, phone(n), VIRTUAL_NUMBER,
                                    challenge.code)
        assert answer.json()["outcome"] == "VERIFIED"
    deliveries = [(phone(n), challenges[n].code, f"wamid.F{n}") for n in range(60, 70)]
    answer = await send_whatsapp(await shop.inbound_url("whatsapp"),
                                 whatsapp_delivery(WHATSAPP_NUMBER, deliveries))
    assert answer.status_code == 200
    for n in range(40, 45):
        wrong = await send_generic(generic, tenant.inbound_secret, phone(n), VIRTUAL_NUMBER,
                                   "ZZZZZZZZ")
        assert wrong.json()["outcome"] == "WRONG_CODE"
    async with side_context(shop) as ctx:
        assert await expire_due(ctx, now=time.time() + 601) == 45

    async def settled() -> dict:
        found = (await data(shop, FUNNEL))["funnel"]
        counts = {s["step"]: s["count"] for s in found["steps"]}
        return found if counts["verified"] == 50 and counts["expired"] == 45 else {}

    funnel = await wait_for(settled, timeout=20)
    counts = {s["step"]: s["count"] for s in funnel["steps"]}
    assert counts == {"shown": 90, "opened": 80, "received": 55, "verified": 50,
                      "expired": 45, "rejected": 5}
    conversion = {s["step"]: s["conversion"] for s in funnel["steps"]}
    assert conversion["shown"] == 1.0 and conversion["verified"] == round(50 / 90, 4)
    times = {s["step"]: s["medianSeconds"] for s in funnel["steps"]}
    assert times["shown"] is not None and times["shown"] <= 64
    assert times["expired"] is not None and times["expired"] >= 512
    channels = {s["key"]: {x["step"]: x["count"] for x in s["steps"]} for s in funnel["byChannel"]}
    assert channels["sms"]["verified"] == 40 and channels["sms"]["received"] == 45
    assert channels["whatsapp"]["verified"] == 10 and channels["whatsapp"]["received"] == 10
    assert channels["sms"]["opened"] == 65 and channels["whatsapp"]["opened"] == 15
    countries = {s["key"]: {x["step"]: x["count"] for x in s["steps"]} for s in funnel["byCountry"]}
    assert countries["FR"]["shown"] == 60 and countries["DE"]["shown"] == 30
    assert countries["FR"]["verified"] == 40 and countries["DE"]["verified"] == 10
    assert {o["key"]: o["count"] for o in funnel["openedBy"]} == {
        "SMS_LINK": 60, "WHATSAPP_LINK": 15, "QR_SHOWN": 5, "CODE_COPIED": 10}


async def test_an_action_on_another_shops_challenge_counts_nothing(shop: Shop) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{shop.app.url}/graphql", json={
            "query": OPENED, "variables": {"id": "ch_unknown000000000", "a": "SMS_LINK"}},
            headers={"Saleor-Api-Url": shop.saleor.api_url})
    assert answer.status_code == 200 and answer.json()["data"]["challengeOpened"] is False
