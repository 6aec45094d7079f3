"""The dashboard page opened outside Saleor explains itself, and without a token from Saleor
every button answers with a message instead of spinning."""

from __future__ import annotations

from urllib.parse import quote

from playwright.async_api import expect

from tests.browser.support import chromium, content_frame, screenshot_path
from tests.browser.test_dashboard import DashboardHost
from tests.support.shop import Shop

ANSWER_WITHIN_MS = 8000
"""Bound on waiting for a refused button's message (the page waits 5 s for a handshake)."""


async def test_opened_directly_it_says_what_it_is_and_where_to_open_it(shop: Shop) -> None:
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1024, "height": 768})
        await page.goto(f"{shop.app.url}/dashboard")
        await page.wait_for_selector("#outside", state="visible")
        text = await page.inner_text("#outside")
        assert "Saleor app" in text and "Install from manifest" in text
        assert await page.inner_text("#manifest-url") == f"{shop.app.url}/api/manifest"
        assert not await page.locator(".shell").is_visible()
        await page.screenshot(path=screenshot_path("dashboard-outside-saleor"))


async def test_without_a_token_every_button_answers_at_once(shop: Shop) -> None:
    saleor = shop.saleor
    src = (f"{shop.app.url}/dashboard?saleorApiUrl={quote(saleor.api_url, safe='')}"
           f"&id={quote(shop.installed.app_id)}&theme=light")
    host = DashboardHost(src)
    host.token = "no token"
    try:
        async with chromium() as browser:
            page = await browser.new_page(viewport={"width": 1024, "height": 768})
            await page.goto(host.url)
            frame = await content_frame(page, "iframe#app", ".tabs")
            await frame.click('.tab[data-section="test"]')
            await frame.click("#test-form button")
            await frame.wait_for_selector("#banner:not([hidden])", timeout=ANSWER_WITHIN_MS)
            assert "Not connected to Saleor" in await frame.inner_text("#banner")
            assert await frame.locator("#test-form button").is_enabled()
            assert await frame.locator("#test-result").is_hidden()

            await frame.click('.tab[data-section="settings"]')
            await frame.click("#settings-form button[type=submit]")
            await expect(frame.locator("#settings-status")).to_have_text(
                "Not saved.", timeout=ANSWER_WITHIN_MS
            )
            assert "Not connected to Saleor" in await frame.inner_text("#banner")
            assert await frame.locator("#settings-errors").is_hidden()
    finally:
        host.close()
