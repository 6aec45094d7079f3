"""A separate `worker` process (scaled out, no HTTP app) serves its jobs' Prometheus metrics
when asked to."""

from __future__ import annotations

import httpx
import redis.asyncio as aioredis

from saleor_app.app import open_context
from saleor_app.jobs.queue import enqueue
from saleor_app.observability import Metrics
from tests.orders.test_hold_and_release import notes
from tests.support.app_server import free_port
from tests.support.cli import cli_process
from tests.support.shop import Shop, wait_for


async def scrape(url: str) -> str:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            answer = await http.get(url)
    except httpx.HTTPError:
        return ""
    return answer.text if answer.status_code == 200 else ""


async def test_a_worker_serves_the_metrics_of_the_jobs_it_ran(start_app, saleor) -> None:
    app = start_app(with_worker=False)
    installed = await saleor.install(f"{app.url}/api/manifest")
    client = aioredis.Redis.from_url(app.settings.redis_url, decode_responses=True)
    shop = Shop(saleor=saleor, app=app, installed=installed, redis=client)
    tenant = await shop.tenant()
    order = saleor.add_order()
    port = free_port()
    worker = cli_process(app.settings.redis_url, app.settings.data_dir, app.url, "worker",
                         "--metrics-port", str(port))
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        await wait_for(lambda: scrape(url), timeout=20)
        async with open_context(app.settings, Metrics()) as ctx:
            await enqueue(ctx.jobs, "add_order_note", key=f"note:{tenant.id}:{order['id']}:m",
                          tenant_id=tenant.id, order_id=order["id"], message="from a worker")
        await wait_for(lambda: notes(saleor, order["id"]) == ["from a worker"], timeout=20)
        done = 'rotp_jobs_total{job="add_order_note",outcome="done"} 1.0'
        await wait_for(lambda: _shows(url, done), timeout=10)
    finally:
        worker.terminate()
        worker.wait(20)
        await client.aclose()


async def _shows(url: str, sample: str) -> bool:
    return sample in await scrape(url)
