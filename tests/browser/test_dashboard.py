"""The dashboard page in Debian's Chromium, inside an iframe of a host page that speaks
App Bridge as Saleor's dashboard does (handshake on load and on notifyReady, tokenRefresh)."""

from __future__ import annotations

import asyncio
import html
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, Frame, Page, expect

from saleor_app.store.orders import OrderRepository, OrderState
from tests.admin.support import held_order
from tests.browser.support import chromium, content_frame
from tests.support.shop import Shop, wait_for

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
WIDTHS = (1280, 768)

HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Saleor Dashboard (host)</title>
<style>body{margin:0} iframe{border:0;width:100%;height:100vh;display:block}</style></head>
<body>
<iframe id="app" sandbox="allow-same-origin allow-forms allow-scripts allow-downloads allow-popups"
        src="__SRC__"></iframe>
<script>
  const frame = document.getElementById("app");
  const appOrigin = new URL(frame.src).origin;
  window.actions = [];
  async function token() { return (await fetch("/token")).text(); }
  // Saleor's dashboard (useTokenRefresh, useUpdateAppToken): refetch the app token 30 s before
  // its exp, at least 30 s apart, and post tokenRefresh when it changed.
  let current = null, timer = null;
  function expiresAt(jwt) {
    try { return JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).exp; }
    catch (e) { return null; }
  }
  function schedule() {
    const exp = expiresAt(current);
    if (!exp) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const fresh = await token();
      if (fresh !== current) {
        current = fresh;
        window.refreshes = (window.refreshes || 0) + 1;
        frame.contentWindow.postMessage({type: "tokenRefresh", payload: {token: fresh}}, appOrigin);
      }
      schedule();
    }, Math.max(exp * 1000 - 30000 - Date.now(), 30000));
  }
  async function handshake() {
    current = await token();
    const payload = {token: current, version: 1, saleorVersion: "3.23.28",
                     dashboardVersion: "3.23.0"};
    frame.contentWindow.postMessage({type: "handshake", payload}, appOrigin);
    schedule();
  }
  window.refreshToken = async function () {
    frame.contentWindow.postMessage({type: "tokenRefresh", payload: {token: await token()}},
                                    appOrigin);
  };
  window.setTheme = function (theme) {
    frame.contentWindow.postMessage({type: "theme", payload: {theme}}, appOrigin);
  };
  frame.addEventListener("load", handshake);
  window.addEventListener("message", (event) => {
    if (event.origin !== appOrigin || !event.data || !event.data.type) return;
    window.actions.push(event.data);
    const id = event.data.payload && event.data.payload.actionId;
    frame.contentWindow.postMessage({type: "response", payload: {actionId: id, ok: true}},
                                    appOrigin);
    if (event.data.type === "notifyReady") handshake();
  });
</script></body></html>"""


WIDGET_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Order (host)</title>
<style>body{margin:0;font:14px sans-serif;background:#f7f7f8}
.widget{width:__WIDTH__px;margin:24px;border:1px solid #e4e4e7;border-radius:8px;background:#fff}
iframe{border:0;width:100%;height:220px;display:block}</style></head>
<body><div class="widget"><iframe name="widget" id="widget"></iframe></div>
<form id="post" method="POST" target="widget" action="__ACTION__">__FIELDS__</form>
<script>document.getElementById("post").submit();</script></body></html>"""


class DashboardHost:
    """A loopback page embedding the app like Saleor's dashboard; `token` is what it hands out,
    `/widget` posts `widget_form` into an ORDER_DETAILS_WIDGETS iframe."""

    def __init__(self, src: str, widget_action: str = "") -> None:
        self.token = ""
        self.issue: Callable[[], str] | None = None
        self.token_requests = 0
        self.widget_form: dict[str, str] = {}
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/token":
                    host.token_requests += 1
                    if host.issue is not None:
                        host.token = host.issue()
                    body, kind = host.token.encode(), "text/plain"
                elif self.path.startswith("/widget"):
                    fields = "".join(
                        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                        for k, v in host.widget_form.items()
                    )
                    width = "360" if self.path.endswith("narrow") else "520"
                    page = WIDGET_PAGE.replace("__ACTION__", widget_action)
                    body = page.replace("__FIELDS__", fields).replace("__WIDTH__", width).encode()
                    kind = "text/html"
                else:
                    body, kind = HOST_PAGE.replace("__SRC__", src).encode(), "text/html"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
def host(shop: Shop) -> Iterator[DashboardHost]:
    saleor = shop.saleor
    src = (f"{shop.app.url}/dashboard?domain={quote(saleor.domain)}"
           f"&saleorApiUrl={quote(saleor.api_url, safe='')}&id={quote(shop.installed.app_id)}"
           "&theme=light&locale=en-US")
    server = DashboardHost(src, f"{shop.app.url}/dashboard/order-widget?theme=light")
    server.token = saleor.issue_app_bridge_token(shop.installed.app_id)
    yield server
    server.close()


async def app_frame(page: Page) -> Frame:
    """The iframe's frame, once the page inside it has loaded."""
    return await content_frame(page, "iframe#app", ".tabs")


async def shoot(page: Page, frame: Frame, name: str) -> None:
    """Screenshots of the whole iframe content at each width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        await asyncio.sleep(0.15)
        height = await frame.evaluate("document.documentElement.scrollHeight")
        await page.evaluate(f"document.getElementById('app').style.height = '{height}px'")
        await asyncio.sleep(0.15)
        await page.screenshot(path=str(SHOTS / f"dashboard-{name}-{width}.png"), full_page=True)
        await page.evaluate("document.getElementById('app').style.height = '100vh'")
    await page.set_viewport_size({"width": 1280, "height": 900})


async def open_section(frame: Frame, name: str, ready: str) -> None:
    await frame.click(f'.tab[data-section="{name}"]')
    await frame.wait_for_selector(ready)


async def test_dashboard_sections_in_an_iframe(shop: Shop, host: DashboardHost, browser: Browser) -> None:
    saleor = shop.saleor
    order = await held_order(shop)
    web = saleor.add_channel("web", auto_confirm=True)
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(host.url)
    frame = await app_frame(page)

    # Overview: the handshake delivered the token; the API answered.
    await frame.wait_for_selector("#tiles .tile")
    assert "Connected to Saleor 3.23.28" in await frame.inner_text("#connection")
    assert [a["type"] for a in await page.evaluate("window.actions")][:1] == ["notifyReady"]
    held_tile = await frame.inner_text("#tiles .tile:first-child")
    assert "Held now" in held_tile and "1" in held_tile
    await shoot(page, frame, "overview")

    # Orders: the held order with its reasons; approve it with a reason.
    await open_section(frame, "orders", "#order-list .order")
    card = frame.locator(f'.order[data-order-id="{order["id"]}"]')
    assert "Billing country France (FR) differs from shipping country United States (US)" in await card.inner_text()
    link = card.locator("a.number")
    assert await link.get_attribute("href") == f"{saleor.origin}/dashboard/orders/{quote(order['id'], safe='')}"
    await shoot(page, frame, "orders")
    await link.click()
    redirect = await wait_for(lambda: _action(page, "redirect"))
    assert redirect["payload"]["to"] == f"/orders/{quote(order['id'], safe='')}"
    await card.locator('input[aria-label="Reason"]').fill("Known customer, called them")
    await card.get_by_role("button", name="Approve").click()
    await frame.wait_for_selector(f'.order[data-order-id="{order["id"]}"]', state="detached")
    confirms = await wait_for(lambda: [c for c in saleor.calls("orderConfirm")
                                       if c.variables.get("id") == order["id"]])
    await asyncio.sleep(0.5)
    assert len(confirms) == 1
    repo = OrderRepository(shop.redis, (await shop.tenant()).id)
    assert (await repo.get(order["id"])).state in (OrderState.CONFIRMING, OrderState.CONFIRMED)

    # Settings: a field error a person understands, then a save that survives a reload.
    await open_section(frame, "settings", '#channel-rules .channel-rules')
    await frame.fill('input[name="virtualNumber"]', "0612")
    await frame.click('#settings-form button[type="submit"]')
    await frame.wait_for_selector('[data-error-for="virtualNumber"]:not(:empty)')
    assert "international format" in await frame.inner_text('[data-error-for="virtualNumber"]')
    await shoot(page, frame, "settings-error")
    await frame.fill('input[name="virtualNumber"]', "+33 7 57 00 00 09")
    await frame.fill('input[name="keyword"]', "SHOP")
    await frame.fill('input[name="outboundSmsPrice"]', "0.1")
    twilio = frame.locator('.provider[data-provider="twilio"]')
    await twilio.locator('input[name="enabled"]').check()
    await twilio.locator('input[name="twilioAuthToken"]').fill("twilio-secret-value-123")
    await frame.fill('textarea[data-channel-risk="web"]', "high_amount = 40\nchallenge_at = 45")
    await frame.click('.provider[data-provider="generic"] [data-role="reveal"]')
    inbound_secret = (await shop.tenant()).inbound_secret
    await frame.wait_for_function(
        "s => document.querySelector('[data-role=generic-secret]').value === s", arg=inbound_secret)
    await frame.click('#settings-form button[type="submit"]')
    await frame.wait_for_function("() => document.getElementById('settings-status').textContent === 'Saved.'")
    await page.reload()
    frame = await app_frame(page)
    await open_section(frame, "settings", '#channel-rules .channel-rules')
    await frame.wait_for_function("() => document.querySelector('input[name=virtualNumber]').value !== ''")
    assert await frame.input_value('input[name="virtualNumber"]') == "+33757000009"
    assert await frame.input_value('input[name="keyword"]') == "SHOP"
    assert await frame.input_value('input[name="outboundSmsPrice"]') == "0.1"
    secret = twilio = frame.locator('.provider[data-provider="twilio"] input[name="twilioAuthToken"]')
    assert await secret.input_value() == ""
    assert "Saved (hidden)" in (await secret.get_attribute("placeholder") or "")
    assert "twilio-secret-value-123" not in await frame.content()
    assert "challenge_at = 45" in await frame.input_value('textarea[data-channel-risk="web"]')
    await shoot(page, frame, "settings")

    # Channels: switch auto-confirm off in one click.
    await open_section(frame, "channels", '#channel-list tr[data-channel="web"]')
    await shoot(page, frame, "channels")
    await frame.click('#channel-list tr[data-channel="web"] button')
    await frame.wait_for_function(
        "() => !document.querySelector('#channel-list tr[data-channel=\"web\"] button')")
    assert saleor.channels[web["id"]]["orderSettings"]["automaticallyConfirmAllNewOrders"] is False

    # Test: a simulated SMS through the real inbound endpoint.
    await shop.configure(virtual_number="+33757000009")
    await open_section(frame, "test", "#test-form")
    await frame.click('#test-form button[type="submit"]')
    await frame.wait_for_selector("#test-result.ok")
    assert "inbound SMS work" in await frame.inner_text("#test-result")
    await shoot(page, frame, "test")

    # Problems: nothing left after the fixes above, and a failed job is listed.
    tenant = await shop.tenant()
    await shop.redis.lpush(f"rotp:{{t:{tenant.id}}}:dead-letters", json.dumps(
        {"at": time.time(), "job": "cancel_order", "error": "Saleor refused: PermissionDenied",
         "order_id": order["id"]}))
    await open_section(frame, "problems", "#problem-list li")
    assert "failed after every retry" in await frame.inner_text("#problem-list")
    assert "cancel_order" in await frame.inner_text("#dead-list")
    await shoot(page, frame, "problems")

    # The order-details widget: Saleor posts the token with the order id.
    await held_order(shop)
    widget_order = await held_order(shop, email="second@example.com")
    host.widget_form = {"saleorApiUrl": saleor.api_url, "appId": shop.installed.app_id,
                        "orderId": widget_order["id"],
                        "accessToken": saleor.issue_app_bridge_token(shop.installed.app_id)}
    widget_page = await browser.new_page(viewport={"width": 600, "height": 300})
    await widget_page.goto(host.url + "widget")
    widget = widget_page.frame_locator("#widget")
    await widget.locator(".widget-head").wait_for()
    assert "Risk score" in await widget.locator("body").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    await widget_page.screenshot(path=str(SHOTS / "order-widget-520.png"))
    await widget_page.goto(host.url + "widget-narrow")
    await widget_page.frame_locator("#widget").locator(".widget-head").wait_for()
    await widget_page.screenshot(path=str(SHOTS / "order-widget-360.png"))
    await widget_page.close()

    # Theme event from the dashboard.
    await page.evaluate("window.setTheme('dark')")
    await frame.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    await open_section(frame, "overview", "#tiles .tile")
    await shoot(page, frame, "overview-dark")
    assert errors == []
    await page.close()


async def _action(page: Page, kind: str) -> dict | None:
    actions = await page.evaluate("window.actions")
    return next((a for a in actions if a["type"] == kind), None)


async def test_token_refresh_keeps_a_long_open_page_working(
    shop: Shop, host: DashboardHost, browser: Browser
) -> None:
    saleor = shop.saleor
    now = int(time.time())
    # Expires in 3 s (the app allows 10 s of clock skew): the page must wait for tokenRefresh.
    host.token = saleor.issue_app_bridge_token(shop.installed.app_id, iat=now - 307, ttl=300)
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(host.url)
    frame = await app_frame(page)
    await frame.wait_for_selector("#tiles .tile")
    await asyncio.sleep(14)
    await frame.click('.tab[data-section="channels"]')
    await frame.wait_for_function(
        "() => document.getElementById('connection').textContent.indexOf('fresh token') >= 0")
    assert await frame.locator('#channel-list tr').count() == 0
    host.token = saleor.issue_app_bridge_token(shop.installed.app_id)
    await page.evaluate("window.refreshToken()")
    await frame.wait_for_selector('#channel-list tr[data-channel="default-channel"]')
    assert "fresh token" not in await frame.inner_text("#connection")
    assert await frame.is_hidden("#banner")
    await page.close()


async def test_a_page_left_open_for_an_hour_still_saves_settings(
    shop: Shop, host: DashboardHost, browser: Browser
) -> None:
    """One simulated hour in the browser with Saleor's 5-minute app tokens, refreshed the way
    Saleor's dashboard refreshes them; the save afterwards carries the latest token."""
    saleor, app_id = shop.saleor, shop.installed.app_id
    issued: list[str] = []

    def issue() -> str:
        issued.append(saleor.issue_app_bridge_token(app_id, ttl=300, iat=int(time.time()) - len(issued)))
        return issued[-1]

    host.issue = issue
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.clock.install()
    await page.goto(host.url)
    frame = await app_frame(page)
    await frame.wait_for_selector("#tiles .tile")
    for _ in range(120):
        await page.clock.run_for(30 * 1000)
        await asyncio.sleep(0.05)
    assert await page.evaluate("window.refreshes") >= 12, "a 5-minute token outlived its refresh"
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.headers.get("authorization-bearer", ""))
            if r.url.endswith("/api/admin/graphql") else None)
    await open_section(frame, "settings", "#channel-rules .channel-rules")
    await frame.fill('input[name="keyword"]', "HOUR")
    await frame.click('#settings-form button[type="submit"]')
    await frame.wait_for_function("() => document.getElementById('settings-status').textContent === 'Saved.'")
    assert (await shop.configure()).keyword == "HOUR"
    assert sent and set(sent) == {issued[-1]}, "the page did not use the token Saleor refreshed"
    await page.close()


async def test_messages_from_other_origins_are_ignored(
    shop: Shop, host: DashboardHost, browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(f"{shop.app.url}/dashboard?saleorApiUrl={quote(shop.saleor.api_url, safe='')}")
    await page.evaluate(
        "token => window.postMessage({type: 'handshake', payload: {token, version: 1}}, '*')",
        host.token,
    )
    await asyncio.sleep(0.5)
    assert "open Reverse OTP from your Saleor Dashboard" in await page.inner_text("#connection")
    assert await page.locator("#tiles .tile").count() == 0
    await page.close()


async def test_order_popup_for_older_saleor_shows_that_order(shop: Shop, browser: Browser) -> None:
    """Saleor < 3.22 opens /dashboard from the order's menu with `orderId`."""
    saleor = shop.saleor
    order = await held_order(shop)
    await held_order(shop, email="other@example.com")
    src = (f"{shop.app.url}/dashboard?domain={quote(saleor.domain)}"
           f"&saleorApiUrl={quote(saleor.api_url, safe='')}&id={quote(shop.installed.app_id)}"
           f"&theme=light&orderId={quote(order['id'], safe='')}")
    popup = DashboardHost(src)
    popup.token = saleor.issue_app_bridge_token(shop.installed.app_id)
    try:
        page = await browser.new_page(viewport={"width": 768, "height": 700})
        await page.goto(popup.url)
        frame = await app_frame(page)
        await frame.wait_for_selector("#order-list .order")
        cards = frame.locator("#order-list .order")
        assert await cards.count() == 1
        assert await cards.first.get_attribute("data-order-id") == order["id"]
        await page.screenshot(path=str(SHOTS / "order-popup-768.png"))
        await page.close()
    finally:
        popup.close()


async def test_orders_say_whose_move_it_is(shop: Shop, host: DashboardHost, browser: Browser) -> None:
    """Held orders waiting for the shopper's SMS and those waiting for the merchant read
    differently, and "Needs your decision" lists only the latter; providers show their names."""
    waiting = await held_order(shop)
    review = await held_order(shop, email="buyer@mailinator.com", total=5000.0,
                              billing_phone="+442079460000")
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(host.url)
    frame = await app_frame(page)
    await open_section(frame, "orders", "#order-list .order")
    badges = {await card.get_attribute("data-order-id"): await card.locator(".badge").first.inner_text()
              for card in await frame.locator("#order-list .order").all()}
    assert badges == {waiting["id"]: "Waiting for the shopper's SMS", review["id"]: "Needs your decision"}
    await frame.click('.seg[data-orders="DECIDE"]')
    await expect(frame.locator("#order-list .order")).to_have_count(1)
    assert await frame.locator("#order-list .order").get_attribute("data-order-id") == review["id"]
    await shoot(page, frame, "orders-needs-decision")
    card = frame.locator(f'.order[data-order-id="{review["id"]}"]')
    await card.locator(".order-actions input").fill("Called the shopper")
    await card.locator("button", has_text="Approve").click()
    await expect(frame.locator("#order-list .order")).to_have_count(0)
    await frame.click('.seg[data-orders=""]')
    decided = frame.locator(f'.order[data-order-id="{review["id"]}"] .staff-decision')
    await expect(decided).to_contain_text("Approved by admin@example.com: Called the shopper")
    await shoot(page, frame, "orders-after-approve")
    await open_section(frame, "settings", '.provider[data-provider="twilio"]')
    assert await frame.inner_text('.provider[data-provider="twilio"] legend') == "Twilio"
    await page.close()


async def test_new_inbound_urls_and_a_replaced_token_from_settings(
    shop: Shop, host: DashboardHost, browser: Browser
) -> None:
    """The merchant gives the shop new inbound URLs (the old ones work six more hours) and
    replaces the Twilio token keeping the old one three hours, from the Settings section."""
    await shop.configure(providers={"generic": {"enabled": True},
                                    "twilio": {"enabled": True, "twilio_auth_token": "old-token-" + "0" * 24}})
    before = await shop.tenant()
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(host.url)
    frame = await app_frame(page)
    await open_section(frame, "settings", "#channel-rules .channel-rules")
    generic_url = '.provider[data-provider="generic"] [data-role="inbound-url"]'
    assert (await frame.input_value(generic_url)).endswith(before.inbound_key)

    await frame.fill("#rotate-hours", "6")
    await frame.click("#rotate-inbound")
    await frame.wait_for_function(
        "() => document.getElementById('rotate-status').textContent.indexOf('work until') >= 0")
    after = await shop.tenant()
    assert after.inbound_key != before.inbound_key
    assert (await frame.input_value(generic_url)).endswith(after.inbound_key)
    assert 5.9 * 3600 < after.previous_until - time.time() <= 6 * 3600

    await frame.fill('.provider[data-provider="twilio"] input[name="twilioAuthToken"]',
                     "new-token-" + "1" * 24)
    await frame.fill('input[name="keepReplacedSecretHours"]', "3")
    await frame.click('#settings-form button[type="submit"]')
    await frame.wait_for_function("() => document.getElementById('settings-status').textContent === 'Saved.'")
    twilio = (await shop.configure()).provider("twilio")
    assert twilio.twilio_auth_token == "new-token-" + "1" * 24
    assert twilio.replaced_secret == "old-token-" + "0" * 24
    assert 2.9 * 3600 < twilio.replaced_until - time.time() <= 3 * 3600
    placeholder = await frame.get_attribute(
        '.provider[data-provider="twilio"] input[name="twilioAuthToken"]', "placeholder")
    assert placeholder is not None and "replaced one works until" in placeholder
    await frame.locator(".rotation").screenshot(path=str(SHOTS / "dashboard-inbound-rotation.png"))
    await page.close()


async def test_numbers_for_other_countries_from_settings(
    shop: Shop, host: DashboardHost, browser: Browser
) -> None:
    """The merchant adds a German number for German and Austrian shoppers beside the default."""
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(host.url)
    frame = await app_frame(page)
    await open_section(frame, "settings", "#channel-rules .channel-rules")
    await frame.fill('textarea[name="countryNumbers"]', "+49 151 12345678 de, AT\n")
    await frame.click('#settings-form button[type="submit"]')
    await frame.wait_for_function("() => document.getElementById('settings-status').textContent === 'Saved.'")
    settings = await shop.configure()
    assert [(n.number, n.countries) for n in settings.country_numbers] == [
        ("+4915112345678", ["DE", "AT"])]
    assert await frame.input_value('textarea[name="countryNumbers"]') == "+4915112345678 DE AT"

    await frame.fill('textarea[name="countryNumbers"]', "+4915112345678 XX")
    await frame.click('#settings-form button[type="submit"]')
    await frame.wait_for_function("() => document.getElementById('settings-status').textContent === 'Not saved.'")
    error = await frame.inner_text('[data-error-for="numbers"]')
    assert "XX" in error and "country code" in error
    await page.close()


async def test_the_overview_shows_the_funnel_as_numbers_and_a_chart(
    shop: Shop, host: DashboardHost, browser: Browser
) -> None:
    """Ten shoppers: eight see the code, six open the SMS link, four send it; the Overview
    shows the steps, their share and a bar chart."""
    from tests.admin.support import data
    from tests.storefront.client import BY_ID, ask, open_challenge
    from tests.support.shop import VIRTUAL_NUMBER
    from tests.support.sms import send_generic

    phones = [f"+336123456{n:02d}" for n in range(10)]
    challenges = [await open_challenge(shop, order_id=f"T3JkZXI6{n}", expected_phone=phones[n])
                  for n in range(10)]
    opened = "mutation($id: ID!) { challengeOpened(id: $id, action: SMS_LINK) }"
    for n, challenge in enumerate(challenges[:8]):
        await ask(shop, BY_ID, id=challenge.id)
        if n < 6:
            await ask(shop, opened, id=challenge.id)
    secret = (await shop.tenant()).inbound_secret
    for n, challenge in enumerate(challenges[:4]):
        await send_generic(await shop.inbound_url("generic"), secret, phones[n], VIRTUAL_NUMBER,
                           challenge.code)

    async def counted() -> bool:
        steps = (await data(shop, "query { funnel { steps { step count } } }"))["funnel"]["steps"]
        return {"step": "verified", "count": 4} in steps

    await wait_for(counted)
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(host.url)
    frame = await app_frame(page)
    await frame.wait_for_selector("#funnel-chart svg rect")
    await frame.wait_for_function(
        "() => document.querySelector('#funnel-steps tr[data-step=verified] td:nth-child(2)')"
        ".textContent === '4'")
    cells = {step: await frame.inner_text(f"#funnel-steps tr[data-step={step}] td:nth-child(2)")
             for step in ("shown", "opened", "received", "verified")}
    assert cells == {"shown": "8", "opened": "6", "received": "4", "verified": "4"}
    assert await frame.inner_text("#funnel-steps tr[data-step=verified] td:nth-child(3)") == "50 %"
    assert await frame.locator("#funnel-chart svg rect").count() == 6
    card = frame.locator(".card", has=frame.locator("#funnel-chart"))
    await card.screenshot(path=str(SHOTS / "dashboard-funnel.png"))
    await page.close()
