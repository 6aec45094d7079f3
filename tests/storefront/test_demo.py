"""`serve --demo`: the demo tenant, its page and phone; `simulate-sms` from the command line."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Locator, Page

from saleor_app.demo.tenant import DEMO_API_URL, DEMO_NUMBER, DEMO_SHOPPER, DEMO_TENANT_ID
from saleor_app.store.sealing import SecretBox
from saleor_app.store.tenants import TenantRepository
from tests.browser.support import DESKTOP, DemoServer, chromium, screenshot_path
from tests.storefront.client import BY_ORDER, open_challenge, post
from tests.support.app_server import SECRET_KEY, AppServer, free_port
from tests.support.cli import cli_process
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for


@pytest.fixture
def demo_server(clean_redis: str, tmp_path: Path) -> Iterator[DemoServer]:
    server = DemoServer(clean_redis, tmp_path / "demo").start()
    yield server
    server.stop()


async def test_without_demo_there_is_no_demo(app_server: AppServer, clean_redis: str) -> None:
    import redis.asyncio as aioredis

    async with httpx.AsyncClient(base_url=app_server.url) as http:
        assert (await http.get("/demo")).status_code == 404
        assert (await http.post("/demo/phone/send", json={})).status_code == 404
    client = aioredis.Redis.from_url(clean_redis, decode_responses=True)
    assert await TenantRepository(client, SecretBox(SECRET_KEY)).get(DEMO_TENANT_ID) is None
    await client.aclose()


async def test_demo_page_loop_in_the_browser(demo_server: DemoServer) -> None:
    async with httpx.AsyncClient(base_url=demo_server.url) as http:
        page_html = (await http.get("/demo")).text
        tenant = await demo_server_tenant(demo_server)
        assert tenant.inbound_secret not in page_html and tenant.inbound_key not in page_html
        bad = await http.post("/demo/phone/send", content=b"[", headers={
            "Content-Type": "application/json"})
        assert bad.status_code == 400
    async with chromium() as browser:
        page = await browser.new_page(**DESKTOP)
        widget, code = await fresh_demo_order(page, demo_server)
        assert await page.locator("#text").input_value() == code
        await page.screenshot(path=screenshot_path("demo-pending"), full_page=True)
        started = time.monotonic()
        await page.locator("#send").click()
        await page.locator("reverse-otp-challenge[status=VERIFIED]").wait_for(timeout=2000)
        assert time.monotonic() - started < 2
        await page.locator(".reply").wait_for()
        assert await page.locator(".reply").get_attribute("data-outcome") == "VERIFIED"
        assert "Code accepted" in await page.locator(".reply").inner_text()
        await page.screenshot(path=screenshot_path("demo-verified"), full_page=True)
        order_id = await widget.get_attribute("order-id")
    answer = await post(demo_server.url, BY_ORDER, {"id": order_id}, api_url=DEMO_API_URL)
    assert answer.json()["data"]["orderChallenge"]["status"] == "VERIFIED"
    assert DEMO_SHOPPER.endswith(answer.json()["data"]["orderChallenge"]["phoneHint"][-2:])


OTHER_PHONE = "+33699999999"


async def fresh_demo_order(page: Page, server: DemoServer) -> tuple[Locator, str]:
    """Open /demo (a new demo order); its widget and the code it shows."""
    await page.goto(server.url + "/demo")
    widget = page.locator("reverse-otp-challenge")
    await widget.locator(".code").wait_for(timeout=5000)
    return widget, await widget.locator(".code").inner_text()


async def phone_says(page: Page, sender: str, text: str) -> tuple[str, str]:
    """Send one message from the simulated phone; the app's answer as shown under it."""
    replies = page.locator(".reply")
    before = await replies.count()
    await page.locator("#from").fill(sender)
    await page.locator("#text").fill(text)
    await page.locator("#send").click()
    await page.wait_for_function(f"document.querySelectorAll('.reply').length > {before}")
    reply = replies.nth(before)
    return str(await reply.get_attribute("data-outcome")), await reply.inner_text()


async def test_the_demo_phone_shows_the_apps_real_answer(demo_server: DemoServer) -> None:
    async with chromium() as browser:
        page = await browser.new_page(**DESKTOP)
        _, code = await fresh_demo_order(page, demo_server)
        outcome, words = await phone_says(page, DEMO_SHOPPER, "hello")
        assert outcome == "WRONG_CODE" and "not the code" in words
        outcome, words = await phone_says(page, OTHER_PHONE, code)
        assert outcome == "WRONG_SENDER" and "must come from the phone number" in words
        outcome, words = await phone_says(page, OTHER_PHONE, "hello")
        assert outcome == "NO_MATCH" and "no order is waiting" in words
        # The shopper's phone sends too often (the per-sender limit is 10 per 10 minutes).
        outcomes = [(await phone_says(page, DEMO_SHOPPER, "hello"))[0] for _ in range(10)]
        assert outcomes[-1] == "RATE_LIMITED" and "RATE_LIMITED" not in outcomes[:-1]
        assert "too many messages" in (await page.locator(".reply").last.inner_text())
        await page.screenshot(path=screenshot_path("demo-phone-answers"), full_page=True)

        # A new demo order starts the shopper's limit again: the right code verifies it.
        _, code = await fresh_demo_order(page, demo_server)
        outcome, words = await phone_says(page, DEMO_SHOPPER, code)
        assert outcome == "VERIFIED" and "Code accepted" in words
        await page.locator("reverse-otp-challenge[status=VERIFIED]").wait_for(timeout=5000)

        # Both halves in one minute: the merchant's side of the same demo, read-only.
        await page.click("text=See the merchant's side")
        await page.wait_for_selector("#order-rows tr[data-status]")
        statuses = await page.eval_on_selector_all(
            "#order-rows tr[data-status]", "rows => rows.map(r => r.dataset.status)")
        assert statuses[:2] == ["VERIFIED", "REJECTED"]
        tiles = dict(zip(await page.locator(".tile .label").all_inner_texts(),
                         await page.locator(".tile .value").all_inner_texts(), strict=True))
        assert tiles["Verified"] == "1" and tiles["Rejected"] == "1"
        assert await page.locator("form, button, input, select, textarea").count() == 0
        await page.screenshot(path=screenshot_path("demo-merchant"), full_page=True)
    async with httpx.AsyncClient(base_url=demo_server.url) as http:
        assert (await http.post("/demo/merchant")).status_code == 405


async def demo_server_tenant(server: DemoServer):
    return await demo_server_tenant_at(server.settings.redis_url)


async def test_simulate_sms_command(shop: Shop) -> None:
    challenge = await open_challenge(shop, order_id="T3JkZXI6Y2xp")
    tenant = await shop.tenant()
    command = [sys.executable, "-m", "saleor_app.cli", "simulate-sms", "--url", shop.app.url,
               "--tenant-key", tenant.inbound_key, "--from", SHOPPER_PHONE, "--to", VIRTUAL_NUMBER,
               "--text", f"my code {challenge.code}"]
    missing = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=30,
                             env={k: v for k, v in os.environ.items()
                                  if k != "REVERSE_OTP_INBOUND_SECRET"})
    assert missing.returncode == 2 and "--secret" in missing.stderr
    wrong = await asyncio.to_thread(subprocess.run, [*command, "--secret", "wrong"], capture_output=True, text=True,
                           timeout=30)
    assert wrong.returncode == 1 and wrong.stdout.startswith("401")
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=30,
                          env={**os.environ, "REVERSE_OTP_INBOUND_SECRET": tenant.inbound_secret})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("200")
    assert (await (await shop.challenges()).get(challenge.id)).status.value == "VERIFIED"


async def test_serve_demo_prints_what_simulate_sms_needs(clean_redis: str, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = cli_process(clean_redis, tmp_path, url, "serve", "--demo", "--port", str(port),
                         stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None
        lines: list[str] = []
        while not any("demo inbound secret" in line for line in lines):
            line = await asyncio.wait_for(asyncio.to_thread(server.stdout.readline), timeout=60)
            assert line, "serve --demo ended before printing the demo tenant"
            lines.append(line.decode())
        printed = dict(line.strip().split(": ", 1) for line in lines if line.startswith("  demo "))
        tenant = await demo_server_tenant_at(clean_redis)
        assert printed["demo inbound URL (generic)"] == f"{url}/api/sms/generic/{tenant.inbound_key}"
        assert printed["demo inbound secret"] == tenant.inbound_secret
        page = await wait_for(lambda: _get(url + "/demo"))
        order_id = page.split('order-id="', 1)[1].split('"', 1)[0]
        found = await post(url, BY_ORDER, {"id": order_id}, api_url=DEMO_API_URL)
        code = found.json()["data"]["orderChallenge"]["code"]
        command = [sys.executable, "-m", "saleor_app.cli", "simulate-sms", "--url", url,
                   "--tenant-key", tenant.inbound_key, "--secret", printed["demo inbound secret"],
                   "--from", DEMO_SHOPPER, "--to", DEMO_NUMBER, "--text", code]
        done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True,
                                       timeout=30)
        assert done.returncode == 0 and '"outcome": "VERIFIED"' in done.stdout, done.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _get(url: str) -> str | None:
    try:
        async with httpx.AsyncClient() as http:
            answer = await http.get(url)
    except httpx.HTTPError:
        return None
    return answer.text if answer.status_code == 200 else None


async def demo_server_tenant_at(redis_url: str):
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        tenant = await TenantRepository(client, SecretBox(SECRET_KEY)).get(DEMO_TENANT_ID)
    finally:
        await client.aclose()
    assert tenant is not None
    return tenant
