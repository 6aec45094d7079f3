"""The widget in Debian's Chromium: phone button, desktop QR, live success, renewal."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import zxingcpp
from PIL import Image
from playwright.async_api import Page

from saleor_app.core.sms_link import qr_payload, sms_uri
from saleor_app.core.whatsapp_link import whatsapp_uri
from tests.admin.support import data
from tests.browser.support import (
    DESKTOP,
    PHONE,
    chromium,
    screenshot_path,
    storefront_html,
    storefront_site,
)
from tests.storefront.client import open_challenge
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import send_generic

ORDER = "T3JkZXI6YnJvd3Nlcg=="


async def send_code(shop: Shop, code: str) -> None:
    secret = (await shop.tenant()).inbound_secret
    answer = await send_generic(await shop.inbound_url("generic"), secret, SHOPPER_PHONE,
                                VIRTUAL_NUMBER, code)
    assert answer.status_code == 200


async def shadow_text(page, selector: str) -> str:
    return await page.locator("reverse-otp-challenge").locator(selector).inner_text()


@contextlib.asynccontextmanager
async def widget_page(
    shop: Shop,
    device: dict[str, Any],
    attributes: str = f'order-id="{ORDER}" lang="en"',
    prepare: Callable[[Page, str], Awaitable[None]] | None = None,
) -> AsyncIterator[Page]:
    """A storefront page embedding the widget with `attributes`, served from an origin the shop
    allows, opened in Chromium on `device`; `prepare` runs before the page loads."""
    html = storefront_html(shop.app.url, shop.saleor.api_url, attributes)
    with storefront_site({"/": html}) as origin:
        await shop.configure(allowed_origins=[origin])
        async with chromium() as browser:
            page = await browser.new_page(**device)
            if prepare is not None:
                await prepare(page, origin)
            await page.goto(origin + "/")
            yield page


async def test_phone_gets_one_button_with_the_sms_link(shop: Shop) -> None:
    challenge = await open_challenge(shop, order_id=ORDER)
    async with widget_page(shop, PHONE) as page:
        button = page.locator("reverse-otp-challenge").locator("a.sms")
        await button.wait_for(timeout=5000)
        assert await button.get_attribute("href") == sms_uri(VIRTUAL_NUMBER, challenge.code)
        assert await button.inner_text() == "Send the SMS"
        assert await page.locator("reverse-otp-challenge").locator(".qr").count() == 0
        assert await shadow_text(page, ".code") == challenge.code
        assert "Valid for" in await shadow_text(page, ".countdown")
        await page.screenshot(path=screenshot_path("phone-pending"), full_page=True)
        await send_code(shop, challenge.code)
        await page.locator("reverse-otp-challenge[status=VERIFIED]").wait_for(timeout=2000)
        await page.screenshot(path=screenshot_path("phone-verified"), full_page=True)


async def test_desktop_qr_decodes_and_success_arrives_live(shop: Shop) -> None:
    challenge = await open_challenge(shop, order_id=ORDER)
    async with widget_page(shop, DESKTOP) as page:
        widget = page.locator("reverse-otp-challenge")
        qr = widget.locator(".qr img")
        await qr.wait_for(timeout=5000)
        assert await qr.is_visible()
        assert await widget.locator("a.sms").count() == 0
        image = Image.open(io.BytesIO(await widget.locator(".qr").screenshot()))
        decoded = zxingcpp.read_barcodes(image)
        assert [d.text for d in decoded] == [qr_payload(VIRTUAL_NUMBER, challenge.code)]
        manual = await shadow_text(page, ".qr-text")
        assert challenge.code in manual and VIRTUAL_NUMBER in manual
        await page.screenshot(path=screenshot_path("desktop-pending"), full_page=True)
        started = time.monotonic()
        await send_code(shop, challenge.code)
        await page.locator("reverse-otp-challenge[status=VERIFIED]").wait_for(timeout=2000)
        assert time.monotonic() - started < 2
        assert "text message has arrived" in await shadow_text(page, ".card")
        assert "arrived" in await widget.locator("[role=status]").inner_text()
        await page.screenshot(path=screenshot_path("desktop-verified"), full_page=True)


async def test_expired_code_is_renewed_and_the_new_one_works(shop: Shop) -> None:
    await shop.configure(ttl_seconds=120)
    old = await open_challenge(shop, now=time.time() - 125, order_id=ORDER)
    async with widget_page(shop, DESKTOP) as page:
        widget = page.locator("reverse-otp-challenge")
        renew = widget.locator("button.renew")
        await renew.wait_for(timeout=5000)
        assert "expired" in await shadow_text(page, ".status")
        assert await widget.locator(".code").count() == 0
        await page.screenshot(path=screenshot_path("expired"), full_page=True)
        await renew.focus()
        await page.keyboard.press("Enter")
        await widget.locator(".code").wait_for(timeout=3000)
        new_code = await shadow_text(page, ".code")
        assert new_code != old.code
        focused = await page.evaluate(
            "document.querySelector('reverse-otp-challenge').shadowRoot.activeElement.className")
        assert focused == "code"
        assert "previous code" in await widget.locator("[role=status]").inner_text()
        assert (await (await shop.challenges()).get(old.id)).code == new_code
        await page.screenshot(path=screenshot_path("renewed"), full_page=True)
        await send_code(shop, new_code)
        await page.locator("reverse-otp-challenge[status=VERIFIED]").wait_for(timeout=2000)


async def test_german_and_french(shop: Shop) -> None:
    await open_challenge(shop, order_id=ORDER)
    pages = {f"/{lang}": storefront_html(shop.app.url, shop.saleor.api_url,
                                         f'order-id="{ORDER}" lang="{lang}"')
             for lang in ("de", "fr")}
    with storefront_site(pages) as origin:
        await shop.configure(allowed_origins=[origin])
        async with chromium() as browser:
            page = await browser.new_page(**PHONE)
            expected = {"de": ("SMS senden", "Code kopieren"),
                        "fr": ("Envoyer le SMS", "Copier le code")}
            for lang, (button, copy) in expected.items():
                await page.goto(f"{origin}/{lang}")
                sms = page.locator("reverse-otp-challenge").locator("a.sms")
                await sms.wait_for(timeout=5000)
                assert await sms.inner_text() == button
                assert await shadow_text(page, "button.copy") == copy
                await page.screenshot(path=screenshot_path(f"phone-{lang}"), full_page=True)


async def test_foreign_origin_cannot_read_the_challenge(shop: Shop) -> None:
    await open_challenge(shop, order_id=ORDER)
    html = storefront_html(shop.app.url, shop.saleor.api_url, f'order-id="{ORDER}"')
    with storefront_site({"/": html}) as origin:
        await shop.configure(allowed_origins=["https://shop.example"])
        async with chromium() as browser:
            page = await browser.new_page(**DESKTOP)
            await page.goto(origin + "/")
            await asyncio.sleep(1.5)
            assert await page.locator("reverse-otp-challenge").locator(".code").count() == 0


async def test_copy_button_and_contrast(shop: Shop) -> None:
    challenge = await open_challenge(shop, order_id=ORDER)

    async def allow_clipboard(page: Page, origin: str) -> None:
        await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)

    async with widget_page(shop, PHONE, prepare=allow_clipboard) as page:
        widget = page.locator("reverse-otp-challenge")
        await widget.locator("button.copy").click()
        assert await page.evaluate("navigator.clipboard.readText()") == challenge.code
        assert await widget.locator("[role=status]").inner_text() == "Code copied"
        assert await widget.locator(".code").get_attribute("aria-label") == " ".join(
            challenge.code)
        for selector in ("a.sms", "h2", ".code", "button.copy", ".muted"):
            assert await contrast(page, selector) >= 4.5, selector


CONTRAST = """([selector]) => {
  const node = document.querySelector('reverse-otp-challenge').shadowRoot.querySelector(selector);
  const rgb = (value) => value.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let back = node; let bg = 'rgba(0, 0, 0, 0)';
  while (back && (bg = getComputedStyle(back).backgroundColor) === 'rgba(0, 0, 0, 0)')
    back = back.parentElement || (back.getRootNode().host);
  const [a, b] = [lum(rgb(getComputedStyle(node).color)), lum(rgb(bg))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


async def contrast(page, selector: str) -> float:
    return float(await page.evaluate(CONTRAST, [selector]))


async def test_polling_takes_over_when_the_websocket_is_blocked(shop: Shop) -> None:
    challenge = await open_challenge(shop, order_id=ORDER)
    blocked: list[str] = []

    async def refuse(ws) -> None:
        blocked.append(ws.url)
        await ws.close()

    async def block_websockets(page: Page, origin: str) -> None:
        await page.route_web_socket(re.compile(r".*/graphql$"), refuse)

    async with widget_page(shop, DESKTOP, prepare=block_websockets) as page:
        await page.locator("reverse-otp-challenge").locator(".code").wait_for(timeout=5000)
        await send_code(shop, challenge.code)
        await page.locator("reverse-otp-challenge[status=VERIFIED]").wait_for(timeout=6000)
        assert blocked


async def test_widget_waits_for_the_order_to_be_decided(shop: Shop) -> None:
    async with widget_page(shop, PHONE, f'order-id="{ORDER}" lang="fr"') as page:
        await asyncio.sleep(1)
        assert await page.locator("reverse-otp-challenge").is_hidden()
        challenge = await open_challenge(shop, order_id=ORDER)
        sms = page.locator("reverse-otp-challenge").locator("a.sms")
        await sms.wait_for(timeout=5000)
        assert await sms.get_attribute("href") == sms_uri(VIRTUAL_NUMBER, challenge.code)


async def test_rejected_after_wrong_codes_and_themable(shop: Shop) -> None:
    challenge = await open_challenge(shop, order_id=ORDER)
    themed = (f'order-id="{ORDER}" lang="en" '
              'style="--rotp-accent: rgb(120, 0, 60); --rotp-radius: 0px"')
    async with widget_page(shop, PHONE, themed) as page:
        widget = page.locator("reverse-otp-challenge")
        sms = widget.locator("a.sms")
        await sms.wait_for(timeout=5000)
        style = await sms.evaluate(
            "node => [getComputedStyle(node).backgroundColor, getComputedStyle(node).borderRadius]")
        assert style == ["rgb(120, 0, 60)", "0px"]
        await page.screenshot(path=screenshot_path("phone-themed"), full_page=True)
        wrong = "ZZZZ" + challenge.code[4:] if not challenge.code.startswith("ZZZZ") else "YYYYYYYY"
        for _ in range(5):
            await send_code(shop, wrong)
        await page.locator("reverse-otp-challenge[status=REJECTED]").wait_for(timeout=2000)
        assert "could not confirm" in await shadow_text(page, ".card")
        assert await widget.locator(".code").count() == 0
        await page.screenshot(path=screenshot_path("phone-rejected"), full_page=True)


async def test_widget_script_is_served(app_server) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.get(app_server.url + "/widget.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert "customElements.define" in answer.text


async def test_whatsapp_button_on_a_phone_and_first_on_a_desktop(shop: Shop) -> None:
    """With a WhatsApp number, the widget offers the wa.me link: after the SMS button on a
    phone, before the SMS QR code on a desktop (WhatsApp Web needs no phone in hand)."""
    await shop.configure(whatsapp_number="+33757000099")
    challenge = await open_challenge(shop, order_id=ORDER)
    link = whatsapp_uri("+33757000099", challenge.code)
    async with widget_page(shop, PHONE) as page:
        widget = page.locator("reverse-otp-challenge")
        button = widget.locator("a.whatsapp")
        await button.wait_for(timeout=5000)
        assert await button.get_attribute("href") == link
        assert await button.inner_text() == "Send on WhatsApp"
        assert await widget.locator("a.sms").count() == 1
        order = await page.evaluate("""() => [...document.querySelector('reverse-otp-challenge')
            .shadowRoot.querySelectorAll('a.sms, a.whatsapp, .qr')].map(e => e.className)""")
        assert order == ["sms", "whatsapp"]
        await page.screenshot(path=screenshot_path("phone-whatsapp"), full_page=True)
    async with widget_page(shop, DESKTOP) as page:
        widget = page.locator("reverse-otp-challenge")
        await widget.locator(".qr img").wait_for(timeout=5000)
        order = await page.evaluate("""() => [...document.querySelector('reverse-otp-challenge')
            .shadowRoot.querySelectorAll('a.sms, a.whatsapp, .qr')].map(e => e.className)""")
        assert order == ["whatsapp", "qr"]
        assert await widget.locator("a.whatsapp").get_attribute("href") == link
        await page.screenshot(path=screenshot_path("desktop-whatsapp"), full_page=True)
        await widget.locator("button.copy").click()

        async def reported() -> dict:
            query = "query { funnel { openedBy { key count } } }"
            found = (await data(shop, query))["funnel"]["openedBy"]
            return {o["key"]: o["count"] for o in found}

        assert await wait_for(lambda: _has(reported(), {"QR_SHOWN": 1, "CODE_COPIED": 1}))


async def _has(found: Awaitable[dict], expected: dict) -> dict | None:
    """`found` when it holds every item of `expected`."""
    value = await found
    return value if all(value.get(k) == v for k, v in expected.items()) else None
