"""Tenant-count independence: `python -m bench.idle_tenants [--quick]` (loopback only).

The same `saleor-reverse-otp serve` (app and worker, one process) runs on a store holding 10
installed shops, then 10,000: its CPU use while nobody calls it (a fixed window), and the latency
of CORS preflights from an origin no shop lists (an unauthenticated request), in the same run.
The shops' Saleors are under `.invalid`, which reconciliation never calls: polling each shop's
Saleor every 5 minutes is per-shop work by nature, and is not what this measures.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import redis.asyncio as aioredis

from bench.load import build_request, closed_loop
from bench.rig import SECRET_KEY
from bench.servers import Store, cpu_seconds
from bench.slow_requests import served
from bench.table import Row, ms, ratio
from saleor_app.store.sealing import SecretBox
from saleor_app.store.tenants import Tenant, TenantRepository

SHOP_COUNTS = (10, 10_000)
PREFLIGHTS = 2000
UNKNOWN_ORIGIN = "https://nobody-lists-this.example"


async def install_shops(redis_url: str, first: int, last: int) -> None:
    """Shops `first`..`last - 1` installed directly in the store (as register would)."""
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    repo = TenantRepository(client, SecretBox(SECRET_KEY))
    for index in range(first, last):
        await repo.install(Tenant.new(f"https://shop{index}.invalid/graphql/", "app", "t", {}))
    await client.aclose()


async def measure(redis_url: str, data_dir: Path, idle_seconds: float) -> tuple[float, list[float]]:
    """CPU share of an idle `serve`, and preflight latencies (seconds)."""
    with served(data_dir, redis_url) as (port, pid):
        await asyncio.sleep(3.0)
        before, started = cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(idle_seconds)
        share = (cpu_seconds(pid) - before) / (time.monotonic() - started)
        request = build_request("OPTIONS", f"127.0.0.1:{port}", "/graphql", {
            "Origin": UNKNOWN_ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, saleor-api-url"})
        result = await closed_loop(port, [request] * PREFLIGHTS, 4, 30)
        return share, result.latencies


async def rows(redis_url: str, work_dir: Path, idle_seconds: float) -> list[Row]:
    """Rows of the table: idle CPU and preflight p50/p99, few shops vs many."""
    measured: list[tuple[float, list[float]]] = []
    installed = 0
    for count in SHOP_COUNTS:
        await install_shops(redis_url, installed, count)
        installed = count
        measured.append(await measure(redis_url, work_dir / f"data-{count}", idle_seconds))
    (few_cpu, few_lat), (many_cpu, many_lat) = measured
    name = (f"(h) {SHOP_COUNTS[1]:,} installed shops vs {SHOP_COUNTS[0]}, serve idle "
            f"{idle_seconds:.0f} s, then {PREFLIGHTS} preflights from an unknown origin")

    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return [
        Row(name, "CPU share while idle", f"{many_cpu:.1%}", f"{few_cpu:.1%}",
            ratio(many_cpu, few_cpu), "equal within noise"),
        Row(name, "preflight p50", ms(pct(many_lat, 50)), ms(pct(few_lat, 50)),
            ratio(pct(many_lat, 50), pct(few_lat, 50)), "equal within noise"),
        Row(name, "preflight p99", ms(pct(many_lat, 99)), ms(pct(few_lat, 99)),
            ratio(pct(many_lat, 99), pct(few_lat, 99))),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.idle_tenants")
    parser.add_argument("--quick", action="store_true", help="5 s idle windows instead of 20 s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="idle-tenants-bench-") as tmp:
        store = Store(Path(tmp) / "store").start()
        try:
            table = asyncio.run(rows(store.url, Path(tmp), 5.0 if args.quick else 20.0))
        finally:
            store.stop()
    for row in table:
        print(" | ".join(row.cells()))


if __name__ == "__main__":
    main()
