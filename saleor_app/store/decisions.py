"""An order's decision in two round trips: one script gathers the facts, one writes it all."""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from saleor_app.store.batching import batched
from saleor_app.store.challenges import _CREATE, audit_push
from saleor_app.store.redis import Commands
from saleor_app.store.tenant_cache import GENERATION_CHECK, STALE

DUPLICATE = "DUPLICATE"
CODE_TAKEN = "CODE_TAKEN"
WRITTEN = "WRITTEN"

# KEYS: 1 generation, 2 order record, 3 claim, 4 customer counter, 5 verified phone,
#       6.. velocity counters
# ARGV: 1 generation, 2 claim ttl s (0: read only, no claim, no counting), 3 velocity window s,
#       4 '1' when KEYS[5] is to be read
_GATHER = GENERATION_CHECK + """
local counting = tonumber(ARGV[2]) > 0
if counting then
  if redis.call('EXISTS', KEYS[2]) == 1 then return {0} end
  if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[2]) then return {0} end
end
local verified = false
if ARGV[4] == '1' then verified = redis.call('GET', KEYS[5]) end
local facts = {1, tonumber(redis.call('GET', KEYS[4]) or '0'), verified}
for i = 6, #KEYS do
  if counting then
    facts[#facts + 1] = redis.call('INCR', KEYS[i])
    redis.call('EXPIRE', KEYS[i], ARGV[3], 'NX')
  else
    facts[#facts + 1] = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
end
return facts
"""

# KEYS: 1 generation, 2 order record, 3 orders index, 4 customer counter, 5 outbox, 6 audit,
#       7.. keys of the challenge create script (none: no challenge)
# ARGV: 1 generation, 2 JSON {r: record, o: order id, t: decided at, ttl: retention s,
#       c: count the customer, ch: outbox channel, tn: tenant, j: job requests, a: audit entry,
#       al: audit length, ca: arguments of the challenge create script}
_WRITE = (
    "local function create(KEYS, ARGV)\n" + _CREATE + "\nend\n" + GENERATION_CHECK + """
local w = cjson.decode(ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then return 'DUPLICATE' end
if #KEYS > 6 then
  local created = create({unpack(KEYS, 7)}, w.ca)
  if created == 0 then return 'CODE_TAKEN' end
  if created ~= 1 then return created end
  """ + audit_push("KEYS[6]", "w.a", "w.al") + """
end
redis.call('SET', KEYS[2], w.r, 'EX', w.ttl)
redis.call('ZADD', KEYS[3], w.t, w.o)
if w.c then redis.call('INCR', KEYS[4]) end
if #w.j > 0 then
  for _, job in ipairs(w.j) do redis.call('LPUSH', KEYS[5], job) end
  redis.call('PUBLISH', w.ch, w.tn)
end
return 'WRITTEN'
"""
)
"""Arguments travel as one JSON document: redis-py packs each argument in Python."""


class Stale(Exception):
    """The tenant view the script was given is out of date."""


@dataclass(frozen=True)
class FactKeys:
    """Where one purchase's history lives."""

    customer: str
    verified_phone: str | None
    velocity: Sequence[str]


@dataclass(frozen=True)
class Gathered:
    """What the store knows about a purchase (`first` is False for a duplicate)."""

    first: bool
    previous_orders: int = 0
    verified_line: str | None = None
    velocity: Sequence[int] = ()


@dataclass(frozen=True)
class ChallengeWrite:
    """A challenge to create with the decision: the create script's keys and arguments, and
    the audit trail entry that records it."""

    keys: Sequence[str]
    args: Sequence[Any]
    audit_key: str
    audit_entry: str
    audit_length: int


@dataclass(frozen=True)
class DecisionWrite:
    """Everything one decision writes, atomically."""

    record_key: str
    record: str
    index_key: str
    order_id: str
    decided_at: float
    retention_seconds: int
    customer_key: str
    count_customer: bool
    outbox_key: str
    outbox_channel: str
    tenant_id: str
    jobs: Sequence[str]
    challenge: ChallengeWrite | None = None


_SCRIPTS: weakref.WeakKeyDictionary[Any, tuple[Any, Any]] = weakref.WeakKeyDictionary()


def _scripts(redis: Commands) -> tuple[Any, Any]:
    """The gather and write scripts of a client; decisions made together share pipelines."""
    scripts = _SCRIPTS.get(redis)
    if scripts is None:
        gather_facts, write_decision = (redis.register_script(s) for s in (_GATHER, _WRITE))
        scripts = _SCRIPTS[redis] = (batched(redis, gather_facts), batched(redis, write_decision))
    return scripts


async def gather(
    redis: Commands,
    generation: tuple[str, str],
    record_key: str,
    claim_key: str,
    claim_seconds: int,
    keys: FactKeys,
    window_seconds: int,
) -> Gathered:
    """One round trip: claim the order (claim_seconds > 0: first caller only, velocity
    counted) and read its history; raise Stale when the tenant view is out of date."""
    generation_key, token = generation
    verified = keys.verified_phone or keys.customer
    result = await _scripts(redis)[0](
        keys=[generation_key, record_key, claim_key, keys.customer, verified, *keys.velocity],
        args=[token, claim_seconds, window_seconds, "1" if keys.verified_phone else "0"],
    )
    if result == STALE:
        raise Stale
    if not result[0]:
        return Gathered(first=False)
    return Gathered(True, int(result[1]), result[2], [int(v) for v in result[3:]])


async def write(redis: Commands, generation: tuple[str, str], decision: DecisionWrite) -> str:
    """One round trip: the challenge (if any), the record, the customer count and the jobs.
    Returns WRITTEN, DUPLICATE or CODE_TAKEN (nothing written); raises Stale."""
    generation_key, token = generation
    challenge = decision.challenge
    keys = [
        generation_key,
        decision.record_key,
        decision.index_key,
        decision.customer_key,
        decision.outbox_key,
        challenge.audit_key if challenge else decision.index_key,
        *(challenge.keys if challenge else ()),
    ]
    document = {
        "r": decision.record,
        "o": decision.order_id,
        "t": decision.decided_at,
        "ttl": decision.retention_seconds,
        "c": decision.count_customer,
        "ch": decision.outbox_channel,
        "tn": decision.tenant_id,
        "j": list(decision.jobs),
        "a": challenge.audit_entry if challenge else "",
        "al": challenge.audit_length if challenge else 0,
        "ca": [str(arg) for arg in challenge.args] if challenge else [],
    }
    result = await _scripts(redis)[1](keys=keys, args=[token, json.dumps(document)])
    if result == STALE:
        raise Stale
    return str(result)
