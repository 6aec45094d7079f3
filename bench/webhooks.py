"""(a), (c), (g): signed Saleor webhooks over HTTP against a bare Starlette endpoint.

(a) ORDER_CONFIRMED for orders the app does not know: the cost of the verified entry (tenant,
    event, RS256 detached JWS over the raw body, recipient) plus a handler that finds nothing.
(c) ORDER_CREATED for a new order each time: verification plus the decision (risk facts in
    Redis, record, challenge for risky orders, jobs queued). Half the orders are calm (ALLOW),
    half risky (CHALLENGE); each order has its own e-mail and phone so velocity rules stay quiet.

Bodies are rendered by the stand-in from the subscription the app declared, and signed with
the stand-in's key, exactly as Saleor does. Rendering and signing happen before the clock runs.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from bench.app_sdk_peer import AppSdkPeer
from bench.load import Result, alternating, build_request, closed_loop, open_loop
from bench.rig import Rig
from bench.servers import ServerProcess, cpu_seconds
from bench.table import Row, ms, per_s, ratio, yes_no
from saleor_app.store.orders import OrderRepository

CALM = {"total": 25.0, "currency": "EUR", "billing_country": "FR", "shipping_country": "FR",
        "customer_orders": 4}
OPEN_LOOP_RATE = 500.0
RISKY = {"total": 900.0, "currency": "EUR", "billing_country": "FR", "shipping_country": "US"}


@dataclass(frozen=True)
class Load:
    """Sizes of one closed-loop comparison."""

    requests: int
    baseline_requests: int
    concurrency: int
    time_limit: float
    warmup: int


def new_order(rig: Rig, index: int, risky: bool) -> dict[str, Any]:
    """An UNCONFIRMED order in the stand-in with its own shopper."""
    fields = RISKY if risky else CALM
    phone = f"+33620{index:06d}"
    return rig.saleor.add_order(email=f"shopper{index}@example.com", billing_phone=phone, **fields)


def signed(rig: Rig, hook: str, event: str, order: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """Headers and body of one webhook, as Saleor would send it to the app."""
    body = rig.saleor.render_event(rig.subscription(hook), event, order, app_id=rig.app_id)
    return rig.saleor.webhook_headers(event, rig.saleor.sign(body)), body


def serialise(server: ServerProcess, path: str,
              items: list[tuple[dict[str, str], bytes]]) -> list[bytes]:
    host = f"127.0.0.1:{server.port}"
    return [build_request("POST", host, path, headers, body) for headers, body in items]


async def compare(
    app: ServerProcess, baseline: ServerProcess, path: str,
    app_items: list[tuple[dict[str, str], bytes]], warm_items: list[tuple[dict[str, str], bytes]],
    load: Load, cycle_app: bool,
) -> tuple[Result, Result]:
    """Warm both up, then baseline and app in turn (ROUNDS times) with the same client and
    concurrency."""
    base_requests = serialise(baseline, path, app_items)
    base_requests = (base_requests * (load.baseline_requests // len(base_requests) + 1))[
        : load.baseline_requests]
    app_requests = serialise(app, path, app_items)
    if cycle_app:
        app_requests = (app_requests * (load.requests // len(app_requests) + 1))[: load.requests]
    await closed_loop(baseline.port, serialise(baseline, path, warm_items), load.concurrency, 30)
    await closed_loop(app.port, serialise(app, path, warm_items), load.concurrency, 30)
    return await alternating(baseline.port, base_requests, app.port, app_requests,
                             load.concurrency, load.time_limit)


def throughput_rows(name: str, measured: Result, base: Result, goal: float | None,
                    expected_status: int = 200) -> list[Row]:
    """req/s, p50, p99 rows of one comparison."""
    fraction = measured.rate / base.rate if base.rate else 0.0
    good = measured.ok(expected_status) == measured.completed and not measured.errors
    notes = "" if good else f" (statuses {dict(measured.statuses)}, errors {measured.errors})"
    rows = [
        Row(name, f"throughput, {measured.completed} requests{notes}", per_s(measured.rate),
            per_s(base.rate), ratio(measured.rate, base.rate),
            f">= {goal:.1f}x baseline" if goal else "(report)",
            yes_no(fraction >= goal and good) if goal else ""),
        Row(name, "latency p50 (closed loop)", ms(measured.percentile(50)),
            ms(base.percentile(50)), ratio(measured.percentile(50), base.percentile(50))),
        Row(name, "latency p99 (closed loop)", ms(measured.percentile(99)),
            ms(base.percentile(99)), ratio(measured.percentile(99), base.percentile(99))),
    ]
    return rows


async def verification_throughput(rig: Rig, app: ServerProcess, baseline: ServerProcess,
                                  load: Load) -> list[Row]:
    """(a) Signed ORDER_CONFIRMED for unknown orders vs a bare 200."""
    distinct = min(300, load.requests)
    items = [signed(rig, "order-confirmed", "ORDER_CONFIRMED", new_order(rig, 900_000 + i, False))
             for i in range(distinct)]
    measured, base = await compare(app, baseline, "/api/webhooks/order-confirmed", items,
                                   items[: load.warmup], load, cycle_app=True)
    name = (f"(a) signed webhook verification, unknown order, concurrency {load.concurrency}")
    return throughput_rows(name, measured, base, None)


async def order_created_throughput(rig: Rig, app: ServerProcess, bare: ServerProcess,
                                   bare_get: ServerProcess, load: Load) -> list[Row]:
    """(c) Signed ORDER_CREATED, a new order each time, to decision, vs a bare Starlette
    endpoint doing one Redis GET (the bare baseline); the ratio
    to a bare 200 is reported too."""
    orders = [new_order(rig, i, risky=i % 2 == 1) for i in range(load.requests + load.warmup)]
    items = [signed(rig, "order-created", "ORDER_CREATED", order) for order in orders]
    warm, timed = items[: load.warmup], items[load.warmup:]
    path = "/api/webhooks/order-created"
    measured, base = await compare(app, bare_get, path, timed, warm, load, cycle_app=False)
    await closed_loop(bare.port, serialise(bare, path, warm), load.concurrency, 30)
    plain = serialise(bare, path, timed)
    plain = (plain * (load.baseline_requests // len(plain) + 1))[: load.baseline_requests]
    ok = await closed_loop(bare.port, plain, load.concurrency, load.time_limit)
    decisions = await decided(rig, [o["id"] for o in orders[load.warmup:]])
    name = f"(c) ORDER_CREATED to decision, new order each, concurrency {load.concurrency}"
    rows = throughput_rows(name, measured, base, 0.5)
    rows[0] = replace(rows[0], metric=rows[0].metric + ", vs bare Redis GET endpoint")
    rows.insert(1, Row(name, "throughput vs bare 200 endpoint", per_s(measured.rate),
                       per_s(ok.rate), ratio(measured.rate, ok.rate), "(report)"))
    rows.append(decisions_row(name, decisions, measured.completed))
    return rows


def decisions_row(name: str, decisions: Counter[str], completed: int) -> Row:
    """How the app decided the orders of a run; met when every answered order was decided."""
    summary = ", ".join(f"{k} {v}" for k, v in sorted(decisions.items()))
    made = sum(v for k, v in decisions.items() if k != "missing")
    return Row(name, "decisions recorded in the store", summary or "none",
               goal=f"{completed} decided", met=yes_no(made == completed))


async def order_created_alone(rig: Rig, server: ServerProcess, bare_get: ServerProcess,
                              load: Load, what: str, first: int, decides: bool) -> list[Row]:
    """A bare endpoint (targets.order_created_steps_only, which `decides`, or
    order_created_floor) vs the one-GET baseline, on new orders numbered from `first`."""
    orders = [new_order(rig, first + i, risky=i % 2 == 1)
              for i in range(load.requests + load.warmup)]
    items = [signed(rig, "order-created", "ORDER_CREATED", order) for order in orders]
    path = "/api/webhooks/order-created"
    measured, base = await compare(server, bare_get, path, items[load.warmup:],
                                   items[: load.warmup], load, cycle_app=False)
    name = f"(c) {what}: bare Starlette endpoint, no middleware (report)"
    rows = throughput_rows(name, measured, base, None)[:1]
    if decides:
        decisions = await decided(rig, [o["id"] for o in orders[load.warmup:]])
        rows.append(decisions_row(name, decisions, measured.completed))
    return rows


async def decided(rig: Rig, order_ids: list[str]) -> Counter[str]:
    """How the app decided each order (from its records in the store)."""
    assert rig.redis is not None and rig.tenant is not None
    repo = OrderRepository(rig.redis, rig.tenant.id)
    records = await asyncio.gather(*(repo.get(order_id) for order_id in order_ids))
    return Counter(r.decision.value if r else "missing" for r in records)


async def order_created_vs_app_sdk(rig: Rig, app: ServerProcess, peer: AppSdkPeer, load: Load,
                                   open_seconds: float) -> list[Row]:
    """(g) The app's whole ORDER_CREATED decision vs Saleor's app-sdk handler that only checks
    the headers, parses and verifies the same signed webhooks: closed loop (interleaved rounds,
    server CPU per request) and an open loop at OPEN_LOOP_RATE."""
    path = "/api/webhooks/order-created"
    total = load.requests + load.warmup + int(OPEN_LOOP_RATE * open_seconds)
    orders = [new_order(rig, 700_000 + i, risky=i % 2 == 1) for i in range(total)]
    items = [signed(rig, "order-created", "ORDER_CREATED", order) for order in orders]
    warm, timed = items[: load.warmup], items[load.warmup: load.warmup + load.requests]
    paced = items[load.warmup + load.requests:]
    await closed_loop(peer.port, serialise(peer, path, warm), load.concurrency, 30)
    await closed_loop(app.port, serialise(app, path, warm), load.concurrency, 30)
    cpu_before = cpu_seconds(app.pid), cpu_seconds(peer.pid)
    measured, sdk = await alternating(peer.port, serialise(peer, path, timed), app.port,
                                      serialise(app, path, timed), load.concurrency,
                                      load.time_limit)
    app_cpu = (cpu_seconds(app.pid) - cpu_before[0]) / max(measured.completed, 1)
    sdk_cpu = (cpu_seconds(peer.pid) - cpu_before[1]) / max(sdk.completed, 1)
    sdk_open = await open_loop(peer.port, serialise(peer, path, paced), OPEN_LOOP_RATE, 64,
                               open_seconds + 5)
    app_open = await open_loop(app.port, serialise(app, path, paced), OPEN_LOOP_RATE, 64,
                               open_seconds + 5)
    decisions = await decided(rig, [o["id"] for o in orders[load.warmup:]])
    good = (measured.ok() == measured.completed and sdk.ok() == sdk.completed
            and app_open.ok() == app_open.completed and sdk_open.ok() == sdk_open.completed)
    name = (f"(g) signed ORDER_CREATED: the app's whole decision vs @saleor/app-sdk "
            f"{peer.version} handler (verify + parse, node:http), concurrency {load.concurrency}")
    statuses = "" if good else (
        f" (statuses app {dict(measured.statuses)}, sdk {dict(sdk.statuses)})")
    rows = [
        Row(name, f"throughput, {measured.completed} requests{statuses}", per_s(measured.rate),
            per_s(sdk.rate), ratio(measured.rate, sdk.rate), ">= 1.0x app-sdk",
            yes_no(good and measured.rate >= sdk.rate)),
        Row(name, "server CPU per request", ms(app_cpu), ms(sdk_cpu), ratio(app_cpu, sdk_cpu)),
        Row(name, "latency p99 (closed loop)", ms(measured.percentile(99)),
            ms(sdk.percentile(99)), ratio(measured.percentile(99), sdk.percentile(99))),
        Row(name, f"latency p99 at {OPEN_LOOP_RATE:.0f} req/s open loop, {open_seconds:.0f} s",
            ms(app_open.percentile(99)), ms(sdk_open.percentile(99)),
            ratio(app_open.percentile(99), sdk_open.percentile(99)), "<= app-sdk",
            yes_no(good and app_open.percentile(99) <= sdk_open.percentile(99))),
        decisions_row(name, decisions, measured.completed + app_open.completed),
    ]
    return rows
