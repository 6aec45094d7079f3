"""Challenge changes and their audit entries land together, and none lands once an uninstall
has begun (it deletes the auth record first, then every key of the tenant)."""

from __future__ import annotations

import time

import pytest

from saleor_app.core.model import ChallengeStatus
from saleor_app.engine.challenges import RenewOutcome, open_for, renew
from saleor_app.store.challenges import AUDIT_LENGTH, AUDIT_SLACK
from saleor_app.store.tenant_settings import TenantSettingsRepository
from saleor_app.store.tenants import TenantGone, auth_key
from tests.engine.test_inbound_sms import open_challenge, status_of
from tests.support.shop import SHOPPER_PHONE, Shop


async def test_a_change_and_its_audit_entry_land_together(shop: Shop) -> None:
    store = await shop.challenges()
    challenge = await open_challenge(shop)
    assert [(e["challenge"], e["event"]) for e in await store.audit_trail()] == [
        (challenge.id, "CREATED")]
    assert await store.finish(challenge.id, ChallengeStatus.REJECTED, time.time(), "staff",
                              due_only=False)
    assert not await store.finish(challenge.id, ChallengeStatus.REJECTED, time.time(),
                                  due_only=False)
    events = [(e["challenge"], e["event"], e.get("why")) for e in await store.audit_trail()]
    assert events[0] == (challenge.id, "REJECTED", "staff")
    assert [e for e in events if e[1] == "REJECTED"] == [events[0]]


async def test_no_challenge_change_is_written_once_an_uninstall_has_begun(shop: Shop) -> None:
    store = await shop.challenges()
    challenge = await open_challenge(shop)
    settings = await TenantSettingsRepository(shop.redis, shop.box).get(store.tenant_id)
    trail = await store.audit_trail()
    await shop.redis.delete(auth_key(store.tenant_id))

    assert not await store.finish(challenge.id, ChallengeStatus.EXPIRED, time.time(),
                                  due_only=False)
    assert (await renew(store, challenge.id, settings)).outcome is RenewOutcome.MISSING
    await store.link_order(challenge.id, "T3JkZXI6OTk=")
    await store.link_order("ch_gone", "T3JkZXI6OTg=")

    after = await store.get(challenge.id)
    assert after is not None and after.status is ChallengeStatus.PENDING and after.code == challenge.code
    assert after.order_id == challenge.order_id
    assert await store.audit_trail() == trail
    assert not await shop.redis.exists(store.key("ch", "ch_gone"))
    assert await store.id_for("by-order", "T3JkZXI6OTk=") is None

    with pytest.raises(TenantGone):
        await open_for(store, settings, order_id="T3JkZXI6OTc=", expected_phone=SHOPPER_PHONE)
    assert await store.id_for("by-order", "T3JkZXI6OTc=") is None
    assert await store.pending_count() == 1
    assert await store.audit_trail() == trail


async def test_an_order_is_linked_only_to_a_challenge_that_exists(shop: Shop) -> None:
    store = await shop.challenges()
    challenge = await open_challenge(shop, order_id="")
    await store.link_order(challenge.id, "T3JkZXI6Nw==")
    await store.link_order("ch_never", "T3JkZXI6OA==")
    assert (await status_of(shop, challenge.id)).order_id == "T3JkZXI6Nw=="
    assert await store.id_for("by-order", "T3JkZXI6Nw==") == challenge.id
    assert not await shop.redis.exists(store.key("ch", "ch_never"))
    assert await store.id_for("by-order", "T3JkZXI6OA==") is None


async def test_the_audit_trail_keeps_its_newest_entries_within_its_bound(shop: Shop) -> None:
    store = await shop.challenges()
    settings = await TenantSettingsRepository(shop.redis, shop.box).get(store.tenant_id)
    made = [
        await open_for(store, settings, order_id=f"order-{i}", expected_phone=SHOPPER_PHONE)
        for i in range(AUDIT_LENGTH + AUDIT_SLACK + 2)
    ]
    trail = await store.audit_trail(AUDIT_LENGTH * 2)
    assert [e["challenge"] for e in trail] == [c.id for c in reversed(made)][:AUDIT_LENGTH]
    stored = await shop.redis.llen(store.key("audit"))
    assert AUDIT_LENGTH <= stored <= AUDIT_LENGTH + AUDIT_SLACK, "trimmed back, not unbounded"
