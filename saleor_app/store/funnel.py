"""The conversion funnel: per shop and day, how many challenges were shown, opened, answered,
verified, expired or rejected, by channel and by the shopper's country, with the time each step
took. One atomic step per event (each challenge counts once per step), kept 90 days."""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from saleor_app.core.model import Challenge
from saleor_app.core.phones import region_of
from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands

STEPS = ("shown", "opened", "received", "verified", "expired", "rejected")
RETENTION_DAYS = 90
UNKNOWN_COUNTRY = "ZZ"
TIME_BUCKETS = 18
"""Durations are counted in buckets of powers of two seconds (1 s .. 36 h)."""

# KEYS: 1 challenge hash, 2 day hash
# ARGV: 1 step marker field, 2 now, 3 day ttl s, 4 n, 5..4+n step counters,
#       5+n detail marker field ('' none), 6+n.. detail counters
_MARK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[4])
local counted = 0
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  for i = 5, 4 + n do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
  counted = 1
end
local detail = ARGV[5 + n]
if detail ~= '' and redis.call('HSETNX', KEYS[1], detail, ARGV[2]) == 1 then
  for i = 6 + n, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
  counted = 1
end
if counted == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
return counted
"""


def day_key(tenant_id: str, day: str) -> str:
    """The hash of one shop's funnel counters on one UTC day (YYYY-MM-DD)."""
    return tenant_key(tenant_id, "funnel", day)


def time_bucket(seconds: float) -> int:
    """The bucket of a duration: 0 for under 1 s, n for [2^(n-1), 2^n) s."""
    if seconds < 1:
        return 0
    return min(int(math.log2(seconds)) + 1, TIME_BUCKETS - 1)


def bucket_seconds(bucket: int) -> float:
    """A representative duration of a bucket (its upper bound)."""
    return float(2**bucket)


@dataclass(frozen=True)
class FunnelEvent:
    """One step of one challenge, with the dimensions it is counted by."""

    step: str
    channel: str = ""
    detail: str = ""
    """The widget action of an `opened` step (SMS_LINK, WHATSAPP_LINK, QR_SHOWN, CODE_COPIED)."""


_SCRIPTS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


class FunnelRecorder:
    """Counts each challenge of one shop once per step (markers live in the challenge's hash,
    which `hash_key` names)."""

    def __init__(self, redis: Commands, tenant_id: str, hash_key: Callable[[str], str]) -> None:
        self._tenant_id = tenant_id
        self._hash_key = hash_key
        script = _SCRIPTS.get(redis)
        if script is None:
            script = _SCRIPTS[redis] = redis.register_script(_MARK)
        self._script = script

    async def record(self, challenge: Challenge, event: FunnelEvent, now: float | None = None
                     ) -> bool:
        """Count the step for this challenge unless it was counted already; whether it was."""
        moment = time.time() if now is None else now
        day = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d")
        country = region_of(challenge.expected_phone) if challenge.expected_phone else None
        step = event.step
        counters = [step, f"{step}|k|{country or UNKNOWN_COUNTRY}",
                    f"{step}|t|{time_bucket(moment - challenge.created_at)}"]
        if event.channel:
            counters.append(f"{step}|c|{event.channel}")
        detail = [f"f{step}:{event.detail}", f"{step}|a|{event.detail}"] if event.detail else [""]
        done = await self._script(
            keys=[self._hash_key(challenge.id), day_key(self._tenant_id, day)],
            args=[f"f{step}", repr(moment), (RETENTION_DAYS + 1) * 86400, len(counters),
                  *counters, *detail],
        )
        return bool(done)


async def read_days(redis: Commands, tenant_id: str, days: int, now: float | None = None
                    ) -> dict[str, int]:
    """The counters of the last `days` UTC days (today included), summed."""
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    totals: dict[str, int] = {}
    for back in range(max(1, min(days, RETENTION_DAYS))):
        day = (moment - timedelta(days=back)).strftime("%Y-%m-%d")
        for field, value in (await redis.hgetall(day_key(tenant_id, day))).items():
            totals[field] = totals.get(field, 0) + int(value)
    return totals
