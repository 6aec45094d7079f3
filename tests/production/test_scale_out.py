"""Several app processes on one store, and on a Redis Cluster of three primaries."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot
from saq.queue.redis import RedisQueue

from saleor_app.jobs.queue import Lane, queue_name
from saleor_app.store.redis import QUEUE_HASH_TAG
from tests.orders.test_hold_and_release import RISKY, confirms, create_order, held_challenge
from tests.standin import SaleorStandIn
from tests.support.app_server import AppServer
from tests.support.cli import cli_process
from tests.support.cluster import ValkeyCluster
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import TWILIO_TOKEN, send_twilio


async def hold_and_release_across(shop: Shop, sms_app: AppServer) -> None:
    """Order webhook to the shop's app, inbound SMS to another app process."""
    saleor = shop.saleor
    order = await create_order(shop, **RISKY)
    _, challenge = await held_challenge(shop, order)
    tenant = await shop.tenant()
    url = f"{sms_app.url}/api/sms/twilio/{tenant.inbound_key}"
    answer = await send_twilio(url, SHOPPER_PHONE, VIRTUAL_NUMBER, challenge.code)
    assert answer.status_code == 200, answer.text
    await wait_for(lambda: saleor.order(order["id"])["status"] == "UNFULFILLED", timeout=20)
    await asyncio.sleep(1.0)
    assert len(confirms(saleor, order["id"])) == 1


async def install(saleor: SaleorStandIn, app: AppServer, client) -> Shop:
    installed = await saleor.install(f"{app.url}/api/manifest")
    await wait_for(lambda: all(h["isActive"] for h in installed.app.webhooks), timeout=20)
    shop = Shop(saleor=saleor, app=app, installed=installed, redis=client)
    await shop.configure(
        virtual_number=VIRTUAL_NUMBER,
        providers={"twilio": {"enabled": True, "twilio_auth_token": TWILIO_TOKEN}},
    )
    return shop


async def test_two_app_processes_on_one_store(
    saleor: SaleorStandIn, start_app: Callable[..., AppServer], clean_redis: str
) -> None:
    first, second = start_app(), start_app()
    client = aioredis.Redis.from_url(clean_redis, decode_responses=True)
    try:
        shop = await install(saleor, first, client)
        await hold_and_release_across(shop, second)
    finally:
        await client.aclose()


@pytest.mark.parametrize("schema", ["3.23", "next"])
async def test_hold_and_release_on_a_redis_cluster(
    valkey_cluster: ValkeyCluster, start_app: Callable[..., AppServer], schema: str
) -> None:
    valkey_cluster.flush()
    first = start_app(redis_url=valkey_cluster.url)
    second = start_app(redis_url=valkey_cluster.url)
    assert first.ctx.store.is_cluster
    client = RedisCluster.from_url(valkey_cluster.url, decode_responses=True)
    with SaleorStandIn(schema) as saleor:
        try:
            shop = await install(saleor, first, client)
            await hold_and_release_across(shop, second)
        finally:
            await client.aclose()


async def test_a_worker_stops_when_the_job_queues_slot_moves_and_a_new_one_follows(
    valkey_cluster: ValkeyCluster, tmp_path: Path
) -> None:
    valkey_cluster.flush()
    slot = key_slot(QUEUE_HASH_TAG.encode())
    before = valkey_cluster.owner(slot)
    after = next(port for port in valkey_cluster.ports if port != before)

    log = tmp_path / "stderr"

    def worker() -> subprocess.Popen[bytes]:
        with log.open("wb") as stderr:
            process = cli_process(valkey_cluster.url, tmp_path, "http://127.0.0.1:9", "worker",
                                  stdout=subprocess.PIPE, stderr=stderr)
        assert process.stdout is not None
        assert b"worker running" in process.stdout.readline()
        return process

    first = await asyncio.to_thread(worker)
    try:
        valkey_cluster.move_slot(slot, after)
        assert await asyncio.to_thread(first.wait, 30) == 1
        last = log.read_text().strip().splitlines()[-1]
        assert last.startswith("saleor-reverse-otp: the job queue's slot moved to the cluster "
                               f"node 127.0.0.1:{after}")
    finally:
        if first.poll() is None:
            first.kill()

    second = await asyncio.to_thread(worker)
    queue = RedisQueue(aioredis.Redis.from_url(f"redis://127.0.0.1:{after}"),
                       name=queue_name(Lane.INSTALLS))
    try:
        job = await queue.enqueue("activate_webhooks", key=QUEUE_HASH_TAG + "follow",
                                  retries=3, tenant_id="not-installed")
        assert job is not None

        async def done() -> bool:
            found = await queue.job(job.key)
            return found is not None and found.status.value == "complete"

        await wait_for(done, timeout=20)
    finally:
        await queue.disconnect()
        second.terminate()
        second.wait(10)
