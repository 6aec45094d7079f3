"""`python -m bench [--quick]`: every benchmark of the project, one table of ratios against
bare baselines measured in the same run, written to bench/results.md as well."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvloop

from bench import release, slow_requests, sms, webhooks
from bench.app_sdk_peer import AppSdkPeer, node_available
from bench.load import build_request, closed_loop, closed_loop_httpx
from bench.rig import Rig
from bench.servers import ServerProcess
from bench.table import Row, machine, mib, per_s, ratio, render
from bench.webhooks import Load

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"


@dataclass(frozen=True)
class Scale:
    """Counts of one run; every loop is also bounded in time."""

    name: str
    verify: Load
    order_created: Load
    inbound: Load
    open_seconds: float
    releases: int
    match_small: int
    match_large: int
    match_rounds: int
    match_per_round: int
    calibration: int


QUICK = Scale(
    name="quick",
    verify=Load(requests=1500, baseline_requests=8000, concurrency=16, time_limit=15, warmup=100),
    order_created=Load(requests=500, baseline_requests=8000, concurrency=16, time_limit=15,
                       warmup=60),
    inbound=Load(requests=1500, baseline_requests=8000, concurrency=16, time_limit=15,
                 warmup=100),
    open_seconds=3,
    releases=25,
    match_small=1000,
    match_large=100_000,
    match_rounds=4,
    match_per_round=150,
    calibration=3000,
)
FULL = Scale(
    name="full",
    verify=Load(requests=8000, baseline_requests=40000, concurrency=16, time_limit=40,
                warmup=300),
    order_created=Load(requests=2500, baseline_requests=40000, concurrency=16, time_limit=40,
                       warmup=200),
    inbound=Load(requests=6000, baseline_requests=40000, concurrency=16, time_limit=40,
                 warmup=300),
    open_seconds=10,
    releases=200,
    match_small=1000,
    match_large=1_000_000,
    match_rounds=10,
    match_per_round=400,
    calibration=8000,
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def client_calibration(rig: Rig, scale: Scale) -> list[Row]:
    """Which load client can drive a bare endpoint faster: httpx or the raw keep-alive one.
    The benchmarks use the raw client for baseline and app alike."""
    body = b'{"calibration": true}' * 20
    headers = {"Content-Type": "application/json"}
    with rig.server("baseline_ok") as server:
        request = build_request("POST", f"127.0.0.1:{server.port}", "/x", headers, body)
        raw = await closed_loop(server.port, [request] * scale.calibration, 16, 20)
        count = max(500, scale.calibration // 8)
        httpx_result = await closed_loop_httpx(server.url, [("/x", headers, body)] * count, 16, 20)
    return [Row("(0) load client on a bare 200 endpoint, concurrency 16",
                "httpx.AsyncClient vs raw asyncio HTTP/1.1 keep-alive (used below)",
                per_s(httpx_result.rate), per_s(raw.rate), ratio(httpx_result.rate, raw.rate))]


async def memory_rows(label: str, idle: int, loaded: int, base_idle: int, base_loaded: int
                      ) -> list[Row]:
    name = f"(d) memory per process: {label}"
    return [
        Row(name, "RSS idle", mib(idle), mib(base_idle), ratio(idle, base_idle), "(report)"),
        Row(name, "RSS after the load above", mib(loaded), mib(base_loaded),
            ratio(loaded, base_loaded), "(report)"),
    ]


async def storefront_rows(quick: bool, rig: Rig, work_dir: Path) -> list[Row]:
    """Rows of bench/storefront_bench.py."""
    from bench.storefront_bench import rows

    return await rows(rig.store.url, work_dir)


async def app_sdk_rows(rig: Rig, app: ServerProcess, scale: Scale, work_dir: Path) -> list[Row]:
    """(g), when Node.js is installed (the peer is built from the npm registry)."""
    if not node_available():
        return [Row("(g) ORDER_CREATED vs @saleor/app-sdk", "not run: node and npm not found",
                    "")]
    with AppSdkPeer(rig.saleor.api_url, rig.app_id, rig.saleor.jwks_url, work_dir) as peer:
        return await webhooks.order_created_vs_app_sdk(rig, app, peer, scale.order_created,
                                                       scale.open_seconds)


async def run_app_sdk_only(scale: Scale, work_dir: Path) -> list[Row]:
    """Only (g): the app (installed, without worker) and the app-sdk peer."""
    rig = Rig(work_dir).start()
    try:
        with rig.server("app") as app:
            await rig.install(app)
            return await app_sdk_rows(rig, app, scale, work_dir)
    finally:
        await rig.stop()


async def run_sms_peer_only(scale: Scale, work_dir: Path) -> list[Row]:
    """Only the SMS peer row: the app (installed, without worker) and the FastAPI handler."""
    rig = Rig(work_dir).start()
    try:
        with rig.server("app") as app:
            await rig.install(app)
            return await sms.fastapi_peer(rig, app, scale.inbound)
    finally:
        await rig.stop()


async def run(scale: Scale, work_dir: Path) -> list[Row]:
    rows: list[Row] = []
    rig = Rig(work_dir).start()
    step: Callable[[str], None] = log
    try:
        step("load client calibration")
        rows += await client_calibration(rig, scale)

        step("app + worker: install, SMS → orderConfirm latency")
        with rig.server("app", with_worker=True) as served, rig.server("baseline_ok") as bare:
            await rig.install(served)
            await release.quiet(rig, 0.5)
            idle, base_idle = served.rss(), bare.rss()
            rows += await release.sms_to_confirm(rig, served, scale.releases, warmup=5)
            worker_rss = (idle, served.rss(), base_idle, bare.rss())

        step("app without worker: webhook and SMS throughput")
        with rig.server("app") as app, rig.server("baseline_ok") as bare, \
                rig.server("baseline_redis_get") as bare_get:
            app_idle, bare_idle = app.rss(), bare.rss()
            step("(a) verification")
            rows += await webhooks.verification_throughput(rig, app, bare, scale.verify)
            step("(c) ORDER_CREATED")
            rows += await webhooks.order_created_throughput(rig, app, bare, bare_get,
                                                         scale.order_created)
            step("(g) ORDER_CREATED vs @saleor/app-sdk")
            rows += await app_sdk_rows(rig, app, scale, work_dir)
            step("(c) the same ORDER_CREATED steps alone, then the floor of any decision")
            with rig.server("order_created_steps_only") as steps:
                rows += await webhooks.order_created_alone(
                    rig, steps, bare_get, scale.order_created, "the same ORDER_CREATED steps "
                    "alone", 500_000, decides=True)
            with rig.server("order_created_floor") as floor:
                rows += await webhooks.order_created_alone(
                    rig, floor, bare_get, scale.order_created, "floor of any ORDER_CREATED "
                    "decision: tenant, RS256 check, JSON, two empty store round trips", 600_000,
                    decides=False)
            step("(b) inbound SMS")
            rows += await sms.inbound(rig, app, bare_get, scale.inbound, scale.open_seconds)
            step("(b) inbound SMS vs a FastAPI handler with Twilio's SDK")
            rows += await sms.fastapi_peer(rig, app, scale.inbound)
            step("(b) inbound WhatsApp beside the Twilio SMS")
            rows += await sms.whatsapp_vs_twilio(rig, app, scale.inbound)
            step("(b) the same SMS steps alone")
            with rig.server("sms_steps_only") as steps:
                rows += await sms.steps_only(rig, steps, bare_get, scale.inbound)
            app_rss = (app_idle, app.rss(), bare_idle, max(bare.rss(), bare_get.rss()))

        step(f"(b) matching at {scale.match_large:,} vs {scale.match_small:,} pending")
        match_rows, facts = await sms.matching(rig, work_dir, scale.match_small,
                                               scale.match_large, scale.match_rounds,
                                               scale.match_per_round)
        step(f"filled {scale.match_large:,} challenges in {facts['fill_seconds']:.1f} s")
        rows += match_rows
        rows += await memory_rows("app + worker (serve), SMS releases", *worker_rss)
        rows += await memory_rows("app without worker, (a)(b)(c) loads", *app_rss)
        step("(e) storefront")
        rows += await storefront_rows(scale is QUICK, rig, work_dir)
        step("(f) ordinary clients during a slow-request attack")
        rows += await slow_requests.rows(rig.store.url, work_dir / "slow-requests",
                                         5.0 if scale is QUICK else 15.0)
    finally:
        await rig.stop()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts, under a minute")
    parser.add_argument("--output", type=Path, default=RESULTS, help="markdown file to write")
    parser.add_argument("--only", choices=["app-sdk", "sms-peer"],
                        help="run one comparison only (app-sdk: (g), ORDER_CREATED vs the SDK; "
                        "sms-peer: (b), the Twilio SMS path vs a FastAPI handler)")
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    logging.basicConfig(level=logging.WARNING)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rotp-bench-") as tmp:
        runners = {"app-sdk": run_app_sdk_only, "sms-peer": run_sms_peer_only}
        runner = runners.get(args.only, run)
        rows = uvloop.run(runner(scale, Path(tmp)))
    seconds = time.monotonic() - started
    header = (f"Machine: {machine()}\n\nRun: `python -m bench{' --quick' if args.quick else ''}` "
              f"({scale.name}), {time.strftime('%Y-%m-%d %H:%M')}, {seconds:.0f} s. Servers: "
              "uvicorn, 1 process, uvloop + httptools, no access log, 127.0.0.1; load generator: "
              "raw asyncio HTTP/1.1 keep-alive client in the bench process.\n")
    text = header + "\n" + render(rows) + "\n"
    print(text)
    if args.only is None or args.output != RESULTS:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
