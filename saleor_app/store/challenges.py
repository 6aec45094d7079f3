"""Challenges in Redis: a hash each, indexes by code, subject and phone, atomic transitions."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from saleor_app.core.model import Challenge, ChallengeStatus
from saleor_app.store.keys import tenant_key
from saleor_app.store.redis import Commands

RETENTION_SECONDS = 30 * 24 * 3600
"""How long a challenge stays readable after it expires (dashboard, audit)."""

AUDIT_LENGTH = 1000
SUBJECT_FIELD_MAX = 16
FOREVER_MS = 2**53

SHORT = {
    "id": "i",
    "tenant": "t",
    "code": "c",
    "virtual_number": "v",
    "created_at": "ca",
    "expires_at": "e",
    "order_id": "o",
    "checkout_id": "k",
    "expected_phone": "p",
    "status": "s",
    "attempts": "a",
    "max_attempts": "m",
    "sender_policy": "sp",
    "verified_sender": "vs",
    "verified_at": "va",
    "sender_line_type": "lt",
    "sender_carrier": "cr",
    "renewals": "r",
    "suspicious": "x",
}
LONG = {short: long for long, short in SHORT.items()}

# KEYS: 1 hash, 2 code index, 3 deadlines, 4 order index, 5 checkout index, 6 phone index
# ARGV: 1 id, 2 expires_at ms, 3 retention ms, 4 order id, 5 checkout id, 6 phone, 7.. fields
_CREATE = """
if redis.call('SET', KEYS[2], ARGV[1], 'NX') == false then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('PEXPIREAT', KEYS[1], ARGV[2] + ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[4], ARGV[4], ARGV[1]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[5], ARGV[5], ARGV[1]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[6], ARGV[6], ARGV[1]) end
return 1
"""

# KEYS: 1 claim, 2 rate counter (or ''), 3.. code index keys
# ARGV: 1 claim ttl s, 2 rate window s
_INTAKE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) == false then return {0, 0} end
local count = 0
if KEYS[2] ~= '' then
  count = redis.call('INCR', KEYS[2])
  if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
end
local found = {1, count}
for i = 3, #KEYS do found[#found + 1] = redis.call('GET', KEYS[i]) or '' end
return found
"""

# KEYS: 1 hash, 2 deadlines, 3 audit
# ARGV: 1 id, 2 code, 3 now ms, 4 code-index prefix, 5 audit entry, 6 audit length, 7.. fields
_VERIFY = """
local s = redis.call('HMGET', KEYS[1], 's', 'c', 'e', 'v')
if s[1] ~= 'PENDING' then return s[1] or 'MISSING' end
if s[2] ~= ARGV[2] then return 'STALE_CODE' end
if tonumber(ARGV[3]) >= tonumber(s[3]) * 1000 then return 'LATE' end
redis.call('HSET', KEYS[1], 's', 'VERIFIED', unpack(ARGV, 7))
redis.call('DEL', ARGV[4] .. s[4] .. ':' .. s[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('LPUSH', KEYS[3], ARGV[5])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[6]) - 1)
return 'VERIFIED'
"""

# KEYS: 1 hash, 2 deadlines; ARGV: 1 id, 2 now ms, 3 code-index prefix
_WRONG_CODE = """
local s = redis.call('HMGET', KEYS[1], 's', 'c', 'e', 'v', 'm')
if s[1] ~= 'PENDING' then return {s[1] or 'MISSING', -1} end
if tonumber(ARGV[2]) >= tonumber(s[3]) * 1000 then return {'LATE', -1} end
local attempts = redis.call('HINCRBY', KEYS[1], 'a', 1)
if attempts >= tonumber(s[5]) then
  redis.call('HSET', KEYS[1], 's', 'REJECTED')
  redis.call('DEL', ARGV[3] .. s[4] .. ':' .. s[2])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return {'REJECTED', attempts}
end
return {'PENDING', attempts}
"""

# KEYS: 1 hash, 2 deadlines; ARGV: 1 id, 2 now ms, 3 code-index prefix, 4 final status
_FINISH = """
local s = redis.call('HMGET', KEYS[1], 's', 'c', 'e', 'v')
if s[1] ~= 'PENDING' then return s[1] or 'MISSING' end
if ARGV[4] == 'EXPIRED' and tonumber(ARGV[2]) < tonumber(s[3]) * 1000 then return 'PENDING' end
redis.call('HSET', KEYS[1], 's', ARGV[4])
redis.call('DEL', ARGV[3] .. s[4] .. ':' .. s[2])
redis.call('ZREM', KEYS[2], ARGV[1])
return 'CHANGED'
"""

# KEYS: 1 hash, 2 deadlines, 3 new code index
# ARGV: 1 id, 2 new code, 3 new expires_at ms, 4 retention ms, 5 max renewals, 6 prefix
_RENEW = """
local s = redis.call('HMGET', KEYS[1], 's', 'c', 'v', 'r')
if s[1] ~= 'PENDING' and s[1] ~= 'EXPIRED' then return s[1] or 'MISSING' end
if tonumber(s[4] or '0') >= tonumber(ARGV[5]) then return 'LIMIT' end
if redis.call('SET', KEYS[3], ARGV[1], 'NX') == false then return 'CODE_TAKEN' end
redis.call('DEL', ARGV[6] .. s[3] .. ':' .. s[2])
redis.call('HSET', KEYS[1], 's', 'PENDING', 'c', ARGV[2], 'e', tostring(ARGV[3] / 1000))
redis.call('HINCRBY', KEYS[1], 'r', 1)
redis.call('PEXPIREAT', KEYS[1], ARGV[3] + ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 'RENEWED'
"""


@dataclass(frozen=True)
class Intake:
    """An inbound SMS taken in: first time seen?, the sender's count in its window, and the
    challenge id found for each code key asked ("" for none)."""

    claimed: bool
    sender_count: int
    found: list[str]


IMPLIED = {"id": None, "tenant": None, "attempts": "0", "renewals": "0", "suspicious": "0",
           "sender_policy": "STRICT"}
"""Fields not stored: known from the key, or equal to the default (memory per challenge)."""


def _encode(challenge: Challenge) -> dict[str, str]:
    encoded: dict[str, str] = {}
    for name, value in challenge.to_dict().items():
        if value == "" or (name in IMPLIED and IMPLIED[name] in (None, value)):
            continue
        if name in ("created_at", "expires_at", "verified_at"):
            value = f"{float(value):.3f}"
        encoded[SHORT[name]] = value
    return encoded


def _decode(tenant_id: str, challenge_id: str, raw: dict[str, str]) -> Challenge:
    fields = {LONG[k]: v for k, v in raw.items()}
    return Challenge.from_dict({"tenant": tenant_id, "id": challenge_id, **fields})


_SCRIPTS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_SOURCES = {
    "intake": _INTAKE,
    "create": _CREATE,
    "verify": _VERIFY,
    "wrong_code": _WRONG_CODE,
    "finish": _FINISH,
    "renew": _RENEW,
}


def _scripts_for(redis: Commands) -> dict[str, Any]:
    """The Lua scripts registered once per client."""
    scripts = _SCRIPTS.get(redis)
    if scripts is None:
        scripts = {name: redis.register_script(src) for name, src in _SOURCES.items()}
        _SCRIPTS[redis] = scripts
    return scripts


def _audit_entry(challenge_id: str, event: str, **details: Any) -> str:
    entry = {"at": time.time(), "challenge": challenge_id, "event": event}
    entry.update({k: v for k, v in details.items() if v is not None})
    return json.dumps(entry)


def _field(subject: str) -> str:
    """An index field: long Saleor ids are stored as a 96-bit digest (memory per challenge)."""
    if len(subject) <= SUBJECT_FIELD_MAX:
        return subject
    digest = hashlib.blake2b(subject.encode(), digest_size=12).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


class ChallengeStore:
    """Reads and changes one tenant's challenges; every change is atomic in Redis."""

    def __init__(self, redis: Commands, tenant_id: str, publisher: Commands = None) -> None:
        self._redis = redis
        self._publisher = publisher if publisher is not None else redis
        self.tenant_id = tenant_id
        self._scripts = _scripts_for(redis)

    def key(self, *parts: str) -> str:
        """A key of this tenant."""
        return tenant_key(self.tenant_id, *parts)

    def _hash(self, challenge_id: str) -> str:
        return self.key("ch", challenge_id)

    @property
    def _code_prefix(self) -> str:
        return self.key("c", "")

    def _code_key(self, virtual_number: str, code: str) -> str:
        return self._code_prefix + f"{virtual_number}:{code}"

    def create_call(self, challenge: Challenge) -> tuple[list[str], list[Any]]:
        """Keys and arguments of the create script for one challenge."""
        keys = [
            self._hash(challenge.id),
            self._code_key(challenge.virtual_number, challenge.code),
            self.key("deadlines"),
            self.key("by-order"),
            self.key("by-checkout"),
            self.key("by-phone"),
        ]
        args = [
            challenge.id,
            _ms(challenge.expires_at),
            _ms(RETENTION_SECONDS),
            _field(challenge.order_id) if challenge.order_id else "",
            _field(challenge.checkout_id) if challenge.checkout_id else "",
            challenge.expected_phone or "",
            *[item for pair in _encode(challenge).items() for item in pair],
        ]
        return keys, args

    async def create(self, challenge: Challenge) -> bool:
        """Store a new PENDING challenge; False when its code is taken on that number."""
        keys, args = self.create_call(challenge)
        created = await self._scripts["create"](keys=keys, args=args)
        if created:
            await self._audit(challenge.id, "CREATED")
        return bool(created)

    async def get(self, challenge_id: str) -> Challenge | None:
        """The challenge, or None when unknown or gone."""
        raw: dict[str, str] = await self._redis.hgetall(self._hash(challenge_id))
        return _decode(self.tenant_id, challenge_id, raw) if raw else None

    async def intake(
        self, claim: str, claim_seconds: int, rate_key: str, rate_window: int,
        codes: Sequence[tuple[str, str]],
    ) -> Intake:
        """One round trip: claim the message once, count the sender, look the codes up."""
        keys = [claim, rate_key, *(self._code_key(number, code) for number, code in codes)]
        result = await self._scripts["intake"](keys=keys, args=[claim_seconds, rate_window])
        return Intake(bool(result[0]), int(result[1]), [str(v) for v in result[2:]])

    async def id_for(self, index: str, subject: str) -> str | None:
        """The latest challenge of an order (`by-order`), checkout (`by-checkout`) or phone."""
        found: str | None = await self._redis.hget(self.key(index), _field(subject))
        return found

    async def link_order(self, challenge_id: str, order_id: str) -> None:
        """Attach an order to a checkout's challenge."""
        await self._redis.hset(self._hash(challenge_id), SHORT["order_id"], order_id)
        await self._redis.hset(self.key("by-order"), _field(order_id), challenge_id)

    async def verify(
        self,
        challenge: Challenge,
        sender: str,
        now: float,
        line_type: str | None = None,
        carrier: str | None = None,
    ) -> str:
        """PENDING → VERIFIED exactly once; returns VERIFIED or why not."""
        extra = {"vs": sender, "va": repr(now)}
        if line_type:
            extra["lt"] = line_type
        if carrier:
            extra["cr"] = carrier
        entry = _audit_entry(challenge.id, "VERIFIED", sender_line_type=line_type)
        result: str = await self._scripts["verify"](
            keys=[self._hash(challenge.id), self.key("deadlines"), self.key("audit")],
            args=[
                challenge.id,
                challenge.code,
                _ms(now),
                self._code_prefix,
                entry,
                AUDIT_LENGTH,
                *[item for pair in extra.items() for item in pair],
            ],
        )
        return result

    async def record_wrong_code(self, challenge_id: str, now: float) -> tuple[str, int]:
        """Count a wrong-code SMS from the expected sender; REJECTED at the limit."""
        status, attempts = await self._scripts["wrong_code"](
            keys=[self._hash(challenge_id), self.key("deadlines")],
            args=[challenge_id, _ms(now), self._code_prefix],
        )
        if status in ("PENDING", "REJECTED"):
            await self._audit(challenge_id, "WRONG_CODE", attempts=attempts)
        if status == "REJECTED":
            await self._audit(challenge_id, "REJECTED")
        return str(status), int(attempts)

    async def record_suspicious(self, challenge_id: str, reason: str) -> None:
        """Note a right code from a refused sender, or a late SMS."""
        await self._redis.hincrby(self._hash(challenge_id), SHORT["suspicious"], 1)
        await self._audit(challenge_id, reason)

    async def finish(
        self,
        challenge_id: str,
        status: ChallengeStatus,
        now: float,
        why: str = "",
        due_only: bool = True,
    ) -> bool:
        """PENDING → EXPIRED (when due, unless not due_only) or REJECTED; True for the one
        caller that changed it."""
        now_ms = _ms(now) if due_only else FOREVER_MS
        result: str = await self._scripts["finish"](
            keys=[self._hash(challenge_id), self.key("deadlines")],
            args=[challenge_id, now_ms, self._code_prefix, status.value],
        )
        if result != "CHANGED":
            return False
        await self._audit(challenge_id, status.value, why=why or None)
        return True

    async def renew(
        self, challenge: Challenge, code: str, now: float, ttl_seconds: int, max_renewals: int
    ) -> str:
        """New code and expiry, old code dead: RENEWED, CODE_TAKEN, LIMIT or the final status."""
        expires_ms = _ms(now + ttl_seconds)
        result: str = await self._scripts["renew"](
            keys=[
                self._hash(challenge.id),
                self.key("deadlines"),
                self._code_key(challenge.virtual_number, code),
            ],
            args=[
                challenge.id,
                code,
                expires_ms,
                _ms(RETENTION_SECONDS),
                max_renewals,
                self._code_prefix,
            ],
        )
        if result == "RENEWED":
            await self._audit(challenge.id, "RENEWED")
        return result

    async def due(self, now: float, limit: int = 500) -> list[str]:
        """Ids of pending challenges whose deadline has passed."""
        ids: list[str] = await self._redis.zrangebyscore(
            self.key("deadlines"), "-inf", _ms(now), start=0, num=limit
        )
        return ids

    async def pending_count(self) -> int:
        """How many challenges are pending."""
        count: int = await self._redis.zcard(self.key("deadlines"))
        return count

    async def publish(self, challenge_id: str, status: str) -> None:
        """Tell live subscribers (any app process) that a challenge changed."""
        message = json.dumps({"id": challenge_id, "status": status})
        await self._publisher.publish(self.events_channel(challenge_id), message)

    def events_channel(self, challenge_id: str) -> str:
        """The pub/sub channel of one challenge."""
        return self.key("events", challenge_id)

    async def audit_trail(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest audit entries, newest first."""
        entries: list[str] = await self._redis.lrange(self.key("audit"), 0, limit - 1)
        return [json.loads(entry) for entry in entries]

    async def _audit(self, challenge_id: str, event: str, **details: Any) -> None:
        key = self.key("audit")
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.lpush(key, _audit_entry(challenge_id, event, **details))
            pipe.ltrim(key, 0, AUDIT_LENGTH - 1)
            await pipe.execute()
