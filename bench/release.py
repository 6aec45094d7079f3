"""(c) From an inbound SMS reaching the app to the orderConfirm reaching Saleor.

The app runs with its worker in one process (like `serve`). Risky orders are created in the
stand-in and announced with signed ORDER_CREATED webhooks; once every hold (note, metadata)
has landed and the stand-in has been quiet for a moment, one Twilio SMS is sent at a time and
the stand-in notes when the orderConfirm for that order arrives. The next SMS waits until the
follow-up jobs of the previous one are done, so the queue is idle each time.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx

from bench.load import Connection, collector_paused
from bench.rig import Rig
from bench.servers import ServerProcess
from bench.sms import twilio_request
from bench.table import Row, ms, yes_no
from bench.webhooks import new_order, signed
from saleor_app.store.orders import OrderRepository

P99_GOAL = 0.050


async def quiet(rig: Rig, seconds: float = 0.3, limit: float = 30.0) -> None:
    """Wait until the stand-in has received no mutation for `seconds` (bounded)."""
    deadline = time.monotonic() + limit
    seen, since = len(rig.saleor.mutations), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        now_seen = len(rig.saleor.mutations)
        if now_seen != seen:
            seen, since = now_seen, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
    raise RuntimeError("the stand-in never went quiet")


async def until(condition: Any, limit: float, interval: float = 0.0005) -> float:
    """Poll until condition() is truthy; return when (perf_counter)."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        if condition():
            return time.perf_counter()
        await asyncio.sleep(interval)
    raise TimeoutError


async def held_orders(rig: Rig, app: ServerProcess, count: int) -> list[tuple[str, str]]:
    """(order id, challenge id) of `count` risky orders the app holds."""
    assert rig.redis is not None and rig.tenant is not None
    orders = [new_order(rig, 700_000 + i, risky=True) for i in range(count)]
    async with httpx.AsyncClient(timeout=30) as client:
        for order in orders:
            headers, body = signed(rig, "order-created", "ORDER_CREATED", order)
            answer = await client.post(app.url + "/api/webhooks/order-created", content=body,
                                       headers=headers)
            answer.raise_for_status()
    repo = OrderRepository(rig.redis, rig.tenant.id)
    held: list[tuple[str, str]] = []
    for order in orders:
        record = await repo.get(order["id"])
        if record is None or record.challenge_id is None:
            raise RuntimeError(f"order {order['id']} was not held with a challenge")
        held.append((order["id"], record.challenge_id))
    noted = {c.variables.get("id") for c in rig.saleor.calls("orderNoteAdd")}
    deadline = time.monotonic() + 60
    while not all(o in noted for o, _ in held) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        noted = {c.variables.get("id") for c in rig.saleor.calls("orderNoteAdd")}
    await quiet(rig, 0.5)
    return held


async def sms_to_confirm(rig: Rig, app: ServerProcess, count: int, warmup: int) -> list[Row]:
    """p50/p99 of SMS sent → orderConfirm received, queue idle."""
    held = await held_orders(rig, app, count + warmup)
    store = rig.challenges()
    path = rig.inbound_path("twilio")
    latencies: list[float] = []
    answers: list[float] = []
    connection = await Connection.open(app.port)
    try:
        with collector_paused():
            for index, (order_id, challenge_id) in enumerate(held):
                challenge = await store.get(challenge_id)
                assert challenge is not None
                request = twilio_request(app, path, challenge)
                sent = time.perf_counter()
                status, _ = await connection.exchange(request)
                answered = time.perf_counter()
                if status != 200:
                    raise RuntimeError(f"inbound SMS answered {status}")
                arrived_at = await until(lambda o=order_id: o in rig.clock.arrivals, limit=10)
                arrived = rig.clock.arrivals.get(order_id, arrived_at)
                if index >= warmup:
                    latencies.append(arrived - sent)
                    answers.append(answered - sent)
                await quiet(rig, 0.15)
    finally:
        connection.close()
    confirms: dict[str, int] = {}
    for call in rig.saleor.calls("orderConfirm"):
        key = str(call.variables.get("id"))
        confirms[key] = confirms.get(key, 0) + 1
    once = all(confirms.get(o) == 1 for o, _ in held)
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered) + 0.5) - 1)]
    name = f"(c) inbound SMS → orderConfirm at Saleor, queue idle, {len(latencies)} releases"
    return [
        Row(name, "p50", ms(statistics.median(latencies))),
        Row(name, "p99", ms(p99), goal="< 50 ms", met=yes_no(p99 < P99_GOAL)),
        Row(name, "SMS answered to the provider, p50", ms(statistics.median(answers))),
        Row(name, "exactly one orderConfirm per order", "yes" if once else "no",
            goal="yes", met=yes_no(once)),
    ]
