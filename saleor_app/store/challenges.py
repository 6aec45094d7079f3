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

from redis.asyncio.cluster import RedisCluster

from saleor_app.core.model import Challenge, ChallengeStatus, SenderPolicy
from saleor_app.core.phones import region_of
from saleor_app.store.batching import batched
from saleor_app.store.funnel import FunnelRecorder
from saleor_app.store.keys import global_key, tenant_key
from saleor_app.store.outbox import OUTBOX_CHANNEL, outbox_key
from saleor_app.store.redis import Commands
from saleor_app.store.tenant_cache import GENERATION_CHECK, STALE
from saleor_app.store.tenants import TenantGone, auth_key, generation_key, installed_check

DEADLINE_TENANTS = global_key("deadline-tenants")
"""The tenants with pending challenges: background expiry costs nothing for idle tenants."""
RETENTION_SECONDS = 30 * 24 * 3600
"""How long a challenge stays readable after it expires (dashboard, audit)."""

AUDIT_LENGTH = 1000
AUDIT_SLACK = 100
"""Entries an audit list may hold beyond AUDIT_LENGTH before one LTRIM cuts it back: one store
call per entry instead of two. Readers see the newest AUDIT_LENGTH at most."""
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
    "verified_channel": "vc",
}
LONG = {short: long for long, short in SHORT.items()}
POLICY_REGION = "pr"
"""Under SAME_COUNTRY: the region senders must share (of the expected phone, else the number)."""


def audit_push(key: str, entry: str, length: str) -> str:
    """Lua that pushes `entry` onto the audit list `key` (Lua expressions), trimmed back to
    `length` entries once it is AUDIT_SLACK longer."""
    return (f"if redis.call('LPUSH', {key}, {entry}) > tonumber({length}) + {AUDIT_SLACK} then "
            f"redis.call('LTRIM', {key}, 0, tonumber({length}) - 1) end")


# A pending challenge has no TTL (the deadlines set guarantees it leaves PENDING); the move to
# a final status sets its retention TTL.
# KEYS: 1 hash, 2 code index of the number, 3 deadlines, 4 order index, 5 checkout index,
#       6 phone index, 7 auth record, 8 the fleet-wide deadline index (one node) or KEYS[3]
#       again (a cluster: the index is in another slot, the caller adds the tenant after)
# ARGV: 1 id, 2 expires_at ms, 3 code, 4 order id, 5 checkout id, 6 phone, 7 tenant, 8.. fields
_CREATE = installed_check(7) + """
if redis.call('HSETNX', KEYS[2], ARGV[3], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
if KEYS[8] ~= KEYS[3] then redis.call('SADD', KEYS[8], ARGV[7]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[4], ARGV[4], ARGV[1]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[5], ARGV[5], ARGV[1]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[6], ARGV[6], ARGV[1]) end
return 1
"""

# The create script on its own, with its audit entry.
# KEYS: the create script's 8, then 9 audit; ARGV: 1 audit entry, 2 audit length, 3.. the
# create script's
_CREATE_AUDITED = "local function create(KEYS, ARGV)\n" + _CREATE + """
end
local created = create({unpack(KEYS, 1, 8)}, {unpack(ARGV, 3)})
if created == 1 then
  """ + audit_push("KEYS[9]", "ARGV[1]", "ARGV[2]") + """
end
return created
"""

# One inbound SMS in one step: generation check, claim, sender count, code lookups, the
# sender's verdict and its transition, audit, live event and outbox request.
# KEYS: 1 generation, 2 claim, 3 sender counter, 4 phone index, 5 deadlines, 6 audit,
#       7 outbox, 8.. code index keys
# ARGV: 1 generation, 2 claim ttl s, 3 rate window s, 4 rate limit, 5 sender ('' unreadable),
#       6 sender region, 7 now s, 8 challenge hash prefix, 9 code-index prefix, 10 line type,
#       11 carrier, 12 audit length, 13 tenant, 14 events prefix, 15 outbox channel,
#       16 retention ms, 17 channel ('' an SMS), 18.. the code looked up in each code index
#       key (KEYS[8..])
_RECEIVE = GENERATION_CHECK + """
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) == false then return {'DUPLICATE'} end
local sender = ARGV[5]
if sender == '' then return {'UNREADABLE_SENDER'} end
local count = 1
if not redis.call('SET', KEYS[3], 1, 'NX', 'EX', ARGV[3]) then
  count = redis.call('INCR', KEYS[3])
end
if count > tonumber(ARGV[4]) then return {'RATE_LIMITED'} end
local now = tonumber(ARGV[7])
local function audit(id, event, extra)
  local entry = {at = now, challenge = id, event = event}
  for k, v in pairs(extra or {}) do entry[k] = v end
  """ + audit_push("KEYS[6]", "cjson.encode(entry)", "ARGV[12]") + """
end
local function close(id, hash, s, status)
  redis.call('HDEL', ARGV[9] .. s.v, s.c)
  redis.call('ZREM', KEYS[5], id)
  redis.call('PEXPIREAT', hash, math.floor(s.e * 1000) + tonumber(ARGV[16]))
  audit(id, status)
  redis.call('PUBLISH', ARGV[14] .. id, cjson.encode({id = id, status = status}))
  local key = 'outcome:' .. ARGV[13] .. ':' .. id .. ':' .. status
  redis.call('LPUSH', KEYS[7], cjson.encode({f = 'apply_challenge_outcome', k = key,
    a = {tenant_id = ARGV[13], challenge_id = id}}))
  redis.call('PUBLISH', ARGV[15], ARGV[13])
end
local function load(id)
  local hash = ARGV[8] .. id
  local f = redis.call('HMGET', hash, 's', 'e', 'p', 'sp', 'pr', 'v', 'c', 'm')
  if not f[1] then return nil, hash end
  return {s = f[1], e = tonumber(f[2]), p = f[3], sp = f[4] or 'STRICT', pr = f[5], v = f[6],
          c = f[7], m = tonumber(f[8])}, hash
end
local id = false
for i = 8, #KEYS do
  id = redis.call('HGET', KEYS[i], ARGV[i + 10])
  if id then break end
end
if id then
  local s, hash = load(id)
  if not s then return {'NO_MATCH'} end
  if s.s ~= 'PENDING' then return {'ALREADY_FINAL', id} end
  if now >= s.e then
    redis.call('HINCRBY', hash, 'x', 1)
    audit(id, 'LATE')
    return {'LATE', id}
  end
  local allowed = true
  if s.sp == 'STRICT' then allowed = (not s.p) or s.p == sender
  elseif s.sp == 'SAME_COUNTRY' then allowed = s.pr ~= false and ARGV[6] ~= '' and s.pr == ARGV[6]
  end
  if not allowed then
    redis.call('HINCRBY', hash, 'x', 1)
    audit(id, 'WRONG_SENDER')
    return {'WRONG_SENDER', id}
  end
  redis.call('HSET', hash, 's', 'VERIFIED', 'vs', sender, 'va', ARGV[7])
  if ARGV[10] ~= '' then redis.call('HSET', hash, 'lt', ARGV[10]) end
  if ARGV[11] ~= '' then redis.call('HSET', hash, 'cr', ARGV[11]) end
  if ARGV[17] ~= '' then redis.call('HSET', hash, 'vc', ARGV[17]) end
  close(id, hash, s, 'VERIFIED')
  return {'VERIFIED', id, 'VERIFIED'}
end
id = redis.call('HGET', KEYS[4], sender)
if not id then return {'NO_MATCH'} end
local s, hash = load(id)
if not s or s.p ~= sender then return {'NO_MATCH'} end
if s.s ~= 'PENDING' or now >= s.e then return {'NO_MATCH', id} end
local attempts = redis.call('HINCRBY', hash, 'a', 1)
audit(id, 'WRONG_CODE', {attempts = attempts})
if attempts >= s.m then
  redis.call('HSET', hash, 's', 'REJECTED')
  close(id, hash, s, 'REJECTED')
  return {'WRONG_CODE', id, 'REJECTED'}
end
return {'WRONG_CODE', id}
"""

# The changes below write nothing once the tenant is uninstalled (KEYS[3] is its auth record).
_INSTALLED_CHECK = installed_check(3)
_AUDIT = "\n" + audit_push("KEYS[4]", "ARGV[6]", "ARGV[7]") + "\n"

# KEYS: 1 hash, 2 deadlines, 3 auth record, 4 audit
# ARGV: 1 id, 2 now ms, 3 code-index prefix, 4 final status, 5 retention ms, 6 audit entry,
#       7 audit length
_FINISH = _INSTALLED_CHECK + """
local s = redis.call('HMGET', KEYS[1], 's', 'c', 'e', 'v')
if s[1] ~= 'PENDING' then return s[1] or 'MISSING' end
if ARGV[4] == 'EXPIRED' and tonumber(ARGV[2]) < tonumber(s[3]) * 1000 then return 'PENDING' end
redis.call('HSET', KEYS[1], 's', ARGV[4])
redis.call('HDEL', ARGV[3] .. s[4], s[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(s[3]) * 1000) + tonumber(ARGV[5]))
""" + _AUDIT + """
return 'CHANGED'
"""

# KEYS: 1 hash, 2 deadlines, 3 auth record, 4 audit, 5 code index of the number
# ARGV: 1 id, 2 new code, 3 new expires_at ms, 4 max renewals, 5 code-index prefix,
#       6 audit entry, 7 audit length, 8 sender policy ('' STRICT), 9 its region ('' none),
#       10 max attempts
_RENEW = _INSTALLED_CHECK + """
local s = redis.call('HMGET', KEYS[1], 's', 'c', 'v', 'r')
if s[1] ~= 'PENDING' and s[1] ~= 'EXPIRED' then return s[1] or 'MISSING' end
if tonumber(s[4] or '0') >= tonumber(ARGV[4]) then return 'LIMIT' end
if redis.call('HSETNX', KEYS[5], ARGV[2], ARGV[1]) == 0 then return 'CODE_TAKEN' end
redis.call('HDEL', ARGV[5] .. s[3], s[2])
redis.call('HSET', KEYS[1], 's', 'PENDING', 'c', ARGV[2], 'e', tostring(ARGV[3] / 1000),
  'm', ARGV[10])
for i, field in ipairs({'sp', 'pr'}) do
  local value = ARGV[7 + i]
  if value == '' then redis.call('HDEL', KEYS[1], field)
  else redis.call('HSET', KEYS[1], field, value) end
end
redis.call('HINCRBY', KEYS[1], 'r', 1)
redis.call('PERSIST', KEYS[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
""" + _AUDIT + """
return 'RENEWED'
"""

# KEYS: 1 hash, 2 order index, 3 auth record
# ARGV: 1 order-id field of the hash, 2 order id, 3 order index field, 4 challenge id
_LINK_ORDER = _INSTALLED_CHECK + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'MISSING' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
return 'LINKED'
"""


@dataclass(frozen=True)
class Received:
    """What one inbound SMS did: its outcome, the challenge it concerned, and the status the
    challenge moved to (VERIFIED or REJECTED) when it changed. Outcome STALE: nothing was done,
    the caller's tenant view is out of date."""

    outcome: str
    challenge_id: str | None = None
    changed_to: str | None = None


@dataclass(frozen=True)
class Sms:
    """An inbound SMS as the receive script needs it; `sender` is E.164 or None."""

    claim: str
    sender: str | None
    sender_region: str
    codes: Sequence[tuple[str, str]]
    now: float
    line_type: str | None = None
    carrier: str | None = None
    channel: str = ""
    """"whatsapp" for a WhatsApp message; empty for an SMS."""


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
    if challenge.sender_policy is SenderPolicy.SAME_COUNTRY:
        region = region_of(challenge.expected_phone or challenge.virtual_number)
        if region:
            encoded[POLICY_REGION] = region
    return encoded


def _decode(tenant_id: str, challenge_id: str, raw: dict[str, str]) -> Challenge:
    """The challenge of a stored hash; other fields (the funnel's markers, the policy region)
    are not the challenge's."""
    fields = {LONG[k]: v for k, v in raw.items() if k in LONG}
    return Challenge.from_dict({"tenant": tenant_id, "id": challenge_id, **fields})


_SCRIPTS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_SOURCES = {
    "receive": _RECEIVE,
    "create": _CREATE_AUDITED,
    "finish": _FINISH,
    "renew": _RENEW,
    "link_order": _LINK_ORDER,
}


def _scripts_for(redis: Commands) -> dict[str, Any]:
    """The Lua scripts registered once per client; on a plain (not cluster) client, inbound
    SMS arriving together share one pipeline (see store.batching)."""
    scripts = _SCRIPTS.get(redis)
    if scripts is None:
        scripts = {name: redis.register_script(src) for name, src in _SOURCES.items()}
        scripts["receive"] = batched(redis, scripts["receive"])
        _SCRIPTS[redis] = scripts
    return scripts


def audit_entry(challenge_id: str, event: str, **details: Any) -> str:
    """One JSON line of a tenant's audit trail."""
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
        self._prefix = tenant_key(tenant_id, "")

    def key(self, *parts: str) -> str:
        """A key of this tenant."""
        return self._prefix + ":".join(parts) if parts else tenant_key(self.tenant_id)

    def _hash(self, challenge_id: str) -> str:
        return self.key("ch", challenge_id)

    @property
    def funnel(self) -> FunnelRecorder:
        """The shop's conversion funnel, counted on these challenges."""
        return FunnelRecorder(self._redis, self.tenant_id, self._hash)

    @property
    def _code_prefix(self) -> str:
        return self.key("c", "")

    def _code_index(self, virtual_number: str) -> str:
        """The hash of a virtual number's pending codes (code → challenge id)."""
        return self._code_prefix + virtual_number

    def create_call(self, challenge: Challenge) -> tuple[list[str], list[Any]]:
        """Keys and arguments of the create script for one challenge."""
        keys = [
            self._hash(challenge.id),
            self._code_index(challenge.virtual_number),
            self.key("deadlines"),
            self.key("by-order"),
            self.key("by-checkout"),
            self.key("by-phone"),
            auth_key(self.tenant_id),
            self.key("deadlines") if self.is_cluster else DEADLINE_TENANTS,
        ]
        args = [
            challenge.id,
            _ms(challenge.expires_at),
            challenge.code,
            _field(challenge.order_id) if challenge.order_id else "",
            _field(challenge.checkout_id) if challenge.checkout_id else "",
            challenge.expected_phone or "",
            self.tenant_id,
            *[item for pair in _encode(challenge).items() for item in pair],
        ]
        return keys, args

    async def create(self, challenge: Challenge) -> bool:
        """Store a new PENDING challenge and its audit entry; False when its code is taken on
        that number. Raises TenantGone once the tenant is uninstalled."""
        keys, args = self.create_call(challenge)
        created = await self._scripts["create"](
            keys=[*keys, self.key("audit")],
            args=[audit_entry(challenge.id, "CREATED"), AUDIT_LENGTH, *args],
        )
        if created == "GONE":
            raise TenantGone
        if created:
            await self.indexed_after_create()
        return bool(created)

    @property
    def is_cluster(self) -> bool:
        """Whether the store is a cluster, where the create script cannot reach the fleet-wide
        deadline index (another slot)."""
        return isinstance(self._redis, RedisCluster)

    async def indexed_after_create(self) -> None:
        """After a created challenge: on a cluster, add the tenant to the fleet-wide deadline
        index (on one node the create script did)."""
        if self.is_cluster:
            await self.mark_deadlines()

    async def next_deadline(self) -> float | None:
        """When the earliest pending challenge is due (None: nothing pending)."""
        first: list[tuple[str, float]] = await self._redis.zrange(
            self.key("deadlines"), 0, 0, withscores=True
        )
        return first[0][1] / 1000 if first else None

    async def mark_deadlines(self) -> None:
        """Note in the fleet-wide index that this tenant has pending deadlines (after a script
        added one: the expiry sweep visits only tenants in the index)."""
        await self._redis.sadd(DEADLINE_TENANTS, self.tenant_id)

    async def unmark_deadlines_if_none(self) -> None:
        """Leave the index when no deadline is left: removed first, then checked, so a deadline
        added meanwhile puts the tenant back (its creator marks after adding)."""
        await self._redis.srem(DEADLINE_TENANTS, self.tenant_id)
        if await self._redis.zcard(self.key("deadlines")):
            await self.mark_deadlines()

    async def get(self, challenge_id: str) -> Challenge | None:
        """The challenge, or None when unknown or gone."""
        raw: dict[str, str] = await self._redis.hgetall(self._hash(challenge_id))
        return _decode(self.tenant_id, challenge_id, raw) if raw else None

    async def receive(
        self, generation: str, sms: Sms, claim_seconds: int, rate_window: int,
        rate_limit: int,
    ) -> Received:
        """Claim, count, match and judge one SMS, and apply its verdict, in one round trip;
        `generation` is the token of the tenant view the caller judged the request with."""
        sender = sms.sender or ""
        keys = [
            generation_key(self.tenant_id), sms.claim, self.key("rate", "sender", sender),
            self.key("by-phone"), self.key("deadlines"), self.key("audit"),
            outbox_key(self.tenant_id),
            *(self._code_index(number) for number, _ in sms.codes),
        ]
        args = [
            generation, claim_seconds, rate_window, rate_limit, sender, sms.sender_region,
            repr(sms.now), self.key("ch", ""), self._code_prefix, sms.line_type or "",
            sms.carrier or "", AUDIT_LENGTH, self.tenant_id, self.key("events", ""),
            OUTBOX_CHANNEL, _ms(RETENTION_SECONDS), sms.channel,
            *(code for _, code in sms.codes),
        ]
        result = await self._scripts["receive"](keys=keys, args=args)
        if result == STALE:
            return Received(STALE)
        return Received(*[str(item) for item in result])

    async def id_for(self, index: str, subject: str) -> str | None:
        """The latest challenge of an order (`by-order`), checkout (`by-checkout`) or phone."""
        found: str | None = await self._redis.hget(self.key(index), _field(subject))
        return found

    async def link_order(self, challenge_id: str, order_id: str) -> None:
        """Attach an order to a checkout's challenge (while both exist)."""
        await self._scripts["link_order"](
            keys=[self._hash(challenge_id), self.key("by-order"), auth_key(self.tenant_id)],
            args=[SHORT["order_id"], order_id, _field(order_id), challenge_id],
        )

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
            keys=[self._hash(challenge_id), self.key("deadlines"), *self._audit_keys()],
            args=[
                challenge_id, now_ms, self._code_prefix, status.value, _ms(RETENTION_SECONDS),
                audit_entry(challenge_id, status.value, why=why or None), AUDIT_LENGTH,
            ],
        )
        return result == "CHANGED"

    async def renew(
        self,
        challenge: Challenge,
        code: str,
        now: float,
        ttl_seconds: int,
        max_renewals: int,
        sender_policy: SenderPolicy,
        max_attempts: int,
    ) -> str:
        """New code, expiry, sender policy and attempt limit (the old code dies): RENEWED,
        CODE_TAKEN, LIMIT or the final status."""
        expires_ms = _ms(now + ttl_seconds)
        region = ""
        if sender_policy is SenderPolicy.SAME_COUNTRY:
            region = region_of(challenge.expected_phone or challenge.virtual_number) or ""
        policy = "" if sender_policy is SenderPolicy.STRICT else sender_policy.value
        result: str = await self._scripts["renew"](
            keys=[
                self._hash(challenge.id),
                self.key("deadlines"),
                *self._audit_keys(),
                self._code_index(challenge.virtual_number),
            ],
            args=[
                challenge.id,
                code,
                expires_ms,
                max_renewals,
                self._code_prefix,
                audit_entry(challenge.id, "RENEWED"),
                AUDIT_LENGTH,
                policy,
                region,
                max_attempts,
            ],
        )
        if result == "RENEWED":
            await self.mark_deadlines()
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
        """The latest audit entries (AUDIT_LENGTH at most), newest first."""
        count = min(limit, AUDIT_LENGTH)
        entries: list[str] = await self._redis.lrange(self.key("audit"), 0, count - 1)
        return [json.loads(entry) for entry in entries]

    def _audit_keys(self) -> tuple[str, str]:
        """The tenant's auth record (its existence means installed) and audit trail."""
        return auth_key(self.tenant_id), self.key("audit")
