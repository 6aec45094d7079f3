"""The store's receive script applies the core's sender rules (core.verdict) case by case."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
import redis.asyncio as aioredis

from saleor_app.core.model import Challenge, ChallengeStatus, SenderPolicy, new_challenge_id
from saleor_app.core.phones import region_of
from saleor_app.core.verdict import SmsVerdict
from saleor_app.store.challenges import RETENTION_SECONDS, ChallengeStore, Sms
from saleor_app.store.sealing import SecretBox
from saleor_app.store.tenant_cache import STALE, TenantCache
from saleor_app.store.tenant_settings import TenantSettingsRepository
from saleor_app.store.tenants import Tenant, TenantRepository
from tests.core.test_challenge import SENDER_CASES, make
from tests.support.app_server import SECRET_KEY


@dataclass
class Installed:
    """One installed tenant in the store, its challenge store and a tenant cache."""

    redis: aioredis.Redis
    store: ChallengeStore
    cache: TenantCache
    tenant: Tenant

    async def pending(self, challenge: Challenge, now: float) -> Challenge:
        """`challenge` stored for this tenant, pending from `now` for 600 s."""
        mine = replace(challenge, tenant=self.tenant.id, created_at=now, expires_at=now + 600)
        assert await self.store.create(mine)
        return mine

    async def generation(self) -> str:
        """The generation token of the tenant's current view."""
        view = await self.cache.by_id(self.tenant.id)
        assert view is not None
        return view.generation


@pytest.fixture
async def installed(clean_redis: str) -> AsyncIterator[Installed]:
    redis = aioredis.Redis.from_url(clean_redis, decode_responses=True)
    box = SecretBox(SECRET_KEY)
    tenants = TenantRepository(redis, box)
    tenant = await tenants.install(Tenant.new("https://shop.example/graphql/", "QXBwOjE=", "t", {}))
    cache = TenantCache(redis, tenants, TenantSettingsRepository(redis, box))
    try:
        yield Installed(redis, ChallengeStore(redis, tenant.id), cache, tenant)
    finally:
        await redis.aclose()


def sms(store: ChallengeStore, sender: str | None, code: str, number: str, now: float) -> Sms:
    return Sms(claim=store.key("sms-seen", "test", uuid.uuid4().hex), sender=sender,
               sender_region=(region_of(sender) or "") if sender else "",
               codes=[(number, code)], now=now)


@pytest.mark.parametrize(("policy", "expected", "sender", "verdict"), SENDER_CASES)
async def test_receive_script_judges_senders_like_the_core(
    installed: Installed, policy: SenderPolicy, expected: str | None, sender: str | None,
    verdict: SmsVerdict,
) -> None:
    store, now = installed.store, time.time()
    challenge = await installed.pending(make(policy, expected), now)
    message = sms(store, sender, challenge.code, challenge.virtual_number, now + 1)
    received = await store.receive(await installed.generation(), message, 60, 600, 10)
    assert received.outcome == ("UNREADABLE_SENDER" if sender is None else verdict.value)
    stored = await store.get(challenge.id)
    assert stored is not None
    assert (stored.status is ChallengeStatus.VERIFIED) == (verdict is SmsVerdict.VERIFIED)
    if verdict is SmsVerdict.VERIFIED:
        assert stored.verified_sender == sender


async def test_a_stale_view_changes_nothing(installed: Installed) -> None:
    store, cache, tenant, now = installed.store, installed.cache, installed.tenant, time.time()
    challenge = await installed.pending(make(), now)
    stale = await installed.generation()
    repo = TenantSettingsRepository(installed.redis, SecretBox(SECRET_KEY))
    await repo.save(tenant.id, await repo.get(tenant.id))
    message = sms(store, challenge.expected_phone, challenge.code, challenge.virtual_number,
                  now + 1)
    assert (await store.receive(stale, message, 60, 600, 10)).outcome == STALE
    assert (await store.get(challenge.id)).status is ChallengeStatus.PENDING  # type: ignore[union-attr]
    cache.forget(tenant.id)
    fresh = await installed.generation()
    assert fresh != stale
    received = await store.receive(fresh, message, 60, 600, 10)
    assert received.outcome == "VERIFIED", "the stale attempt did not claim the message"


async def test_retention_clock_starts_when_a_challenge_leaves_pending(
    installed: Installed,
) -> None:
    redis, store, now = installed.redis, installed.store, time.time()
    retention_ms = RETENTION_SECONDS * 1000
    challenge = await installed.pending(make(), now)
    key = store.key("ch", challenge.id)
    assert await redis.pttl(key) == -1, "a pending challenge waits for its deadline"
    message = sms(store, challenge.expected_phone, challenge.code, challenge.virtual_number,
                  now + 1)
    received = await store.receive(await installed.generation(), message, 60, 600, 10)
    assert received.outcome == "VERIFIED"
    left = await redis.pttl(key)
    assert abs(left - (600_000 + retention_ms - (time.time() - now) * 1000)) < 5_000
    expiring = await installed.pending(
        replace(make(order_id="T3JkZXI6Mg=="), id=new_challenge_id(), code="EFGH5678"), now)
    assert await store.finish(expiring.id, ChallengeStatus.EXPIRED, now + 601)
    assert await redis.pttl(store.key("ch", expiring.id)) > retention_ms - 5_000
    renewed = await store.renew(expiring, "JKMN2345", now + 602, 600, 3, SenderPolicy.STRICT, 5)
    assert renewed == "RENEWED"
    assert await redis.pttl(store.key("ch", expiring.id)) == -1
