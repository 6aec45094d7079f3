"""The store's receive script applies the core's sender rules (core.verdict) case by case."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import pytest
import redis.asyncio as aioredis

from saleor_app.core.model import ChallengeStatus, SenderPolicy, new_challenge_id
from saleor_app.core.phones import region_of
from saleor_app.core.verdict import SmsVerdict
from saleor_app.store.challenges import RETENTION_SECONDS, ChallengeStore, Sms
from saleor_app.store.sealing import SecretBox
from saleor_app.store.tenant_cache import STALE, TenantCache
from saleor_app.store.tenant_settings import TenantSettingsRepository
from saleor_app.store.tenants import Tenant, TenantRepository
from tests.core.test_challenge import SENDER_CASES, make
from tests.support.app_server import SECRET_KEY


async def installed(url: str) -> tuple[aioredis.Redis, ChallengeStore, TenantCache, Tenant]:
    redis = aioredis.Redis.from_url(url, decode_responses=True)
    box = SecretBox(SECRET_KEY)
    tenants = TenantRepository(redis, box)
    tenant = await tenants.install(Tenant.new("https://shop.example/graphql/", "QXBwOjE=", "t", {}))
    cache = TenantCache(redis, tenants, TenantSettingsRepository(redis, box))
    return redis, ChallengeStore(redis, tenant.id), cache, tenant


def sms(store: ChallengeStore, sender: str | None, code: str, number: str, now: float) -> Sms:
    return Sms(claim=store.key("sms-seen", "test", uuid.uuid4().hex), sender=sender,
               sender_region=(region_of(sender) or "") if sender else "",
               codes=[(number, code)], now=now)


@pytest.mark.parametrize(("policy", "expected", "sender", "verdict"), SENDER_CASES)
async def test_receive_script_judges_senders_like_the_core(
    clean_redis: str, policy: SenderPolicy, expected: str | None, sender: str | None,
    verdict: SmsVerdict,
) -> None:
    redis, store, cache, tenant = await installed(clean_redis)
    try:
        now = time.time()
        challenge = replace(make(policy, expected), tenant=tenant.id, created_at=now,
                            expires_at=now + 600)
        assert await store.create(challenge)
        view = await cache.by_id(tenant.id)
        assert view is not None
        message = sms(store, sender, challenge.code, challenge.virtual_number, now + 1)
        received = await store.receive(view.generation, message, 60, 600, 10)
        assert received.outcome == ("UNREADABLE_SENDER" if sender is None else verdict.value)
        stored = await store.get(challenge.id)
        assert stored is not None
        assert (stored.status is ChallengeStatus.VERIFIED) == (verdict is SmsVerdict.VERIFIED)
        if verdict is SmsVerdict.VERIFIED:
            assert stored.verified_sender == sender
    finally:
        await redis.aclose()


async def test_a_stale_view_changes_nothing(clean_redis: str) -> None:
    redis, store, cache, tenant = await installed(clean_redis)
    try:
        now = time.time()
        challenge = replace(make(), tenant=tenant.id, created_at=now, expires_at=now + 600)
        assert await store.create(challenge)
        view = await cache.by_id(tenant.id)
        assert view is not None
        box = SecretBox(SECRET_KEY)
        repo = TenantSettingsRepository(redis, box)
        await repo.save(tenant.id, await repo.get(tenant.id))
        message = sms(store, challenge.expected_phone, challenge.code, challenge.virtual_number,
                      now + 1)
        assert (await store.receive(view.generation, message, 60, 600, 10)).outcome == STALE
        assert (await store.get(challenge.id)).status is ChallengeStatus.PENDING  # type: ignore[union-attr]
        cache.forget(tenant.id)
        fresh = await cache.by_id(tenant.id)
        assert fresh is not None and fresh.generation != view.generation
        received = await store.receive(fresh.generation, message, 60, 600, 10)
        assert received.outcome == "VERIFIED", "the stale attempt did not claim the message"
    finally:
        await redis.aclose()


async def test_retention_clock_starts_when_a_challenge_leaves_pending(clean_redis: str) -> None:
    redis, store, cache, tenant = await installed(clean_redis)
    try:
        now = time.time()
        retention_ms = RETENTION_SECONDS * 1000
        challenge = replace(make(), tenant=tenant.id, created_at=now, expires_at=now + 600)
        assert await store.create(challenge)
        key = store.key("ch", challenge.id)
        assert await redis.pttl(key) == -1, "a pending challenge waits for its deadline"
        view = await cache.by_id(tenant.id)
        assert view is not None
        message = sms(store, challenge.expected_phone, challenge.code, challenge.virtual_number,
                      now + 1)
        assert (await store.receive(view.generation, message, 60, 600, 10)).outcome == "VERIFIED"
        left = await redis.pttl(key)
        assert abs(left - (600_000 + retention_ms - (time.time() - now) * 1000)) < 5_000
        expiring = replace(make(order_id="T3JkZXI6Mg=="), id=new_challenge_id(), code="EFGH5678",
                           tenant=tenant.id, created_at=now, expires_at=now + 600)
        assert await store.create(expiring)
        assert await store.finish(expiring.id, ChallengeStatus.EXPIRED, now + 601)
        assert await redis.pttl(store.key("ch", expiring.id)) > retention_ms - 5_000
        renewed = await store.renew(expiring, "JKMN2345", now + 602, 600, 3)
        assert renewed == "RENEWED"
        assert await redis.pttl(store.key("ch", expiring.id)) == -1
    finally:
        await redis.aclose()
