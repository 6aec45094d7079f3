"""The order-details widget inside a host page that sizes widget iframes as Saleor's dashboard
does: a 200 px default, then the height the widget reports with the `widgetResize` action."""

from __future__ import annotations

import html
from typing import Any

from playwright.async_api import Frame, Page

from tests.admin.support import data, held_order
from tests.browser.support import chromium, content_frame, screenshot_path, storefront_site
from tests.support.shop import Shop

DEFAULT_HEIGHT = 200
"""Saleor dashboard's WIDGET_DEFAULT_HEIGHT (src/extensions/hooks/widgetIframeResize.ts)."""

SEVEN_RULES = {
    "total": 5000.0,
    "currency": "EUR",
    "email": "buyer@mailinator.com",
    "billing_country": "FR",
    "billing_phone": "+442079460000",
    "shipping_country": "US",
}

HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Order (dashboard host)</title>
<style>body{margin:0;font:14px sans-serif;background:#f7f7f8}
#box{width:360px;margin:24px;border:1px solid #e4e4e7;border-radius:8px;background:#fff}
iframe{border:0;width:100%;display:block}</style></head>
<body><div id="box"><iframe name="widget" id="widget"
  sandbox="allow-same-origin allow-forms allow-scripts allow-downloads allow-popups"></iframe></div>
<form id="post" method="POST" target="widget" action="__ACTION__">__FIELDS__</form>
<script>
  const frame = document.getElementById("widget");
  const appOrigin = new URL("__ACTION__").origin;
  frame.style.height = "200px";
  window.actions = [];
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (event.source !== frame.contentWindow || !data || data.type !== "widgetResize") return;
    const payload = data.payload || {};
    if (typeof payload.actionId !== "string" || typeof payload.height !== "number") return;
    if (!Number.isFinite(payload.height) || payload.height <= 0) return;
    window.actions.push(data);
    frame.style.height = Math.min(Math.ceil(payload.height), 5000) + "px";
    frame.contentWindow.postMessage(
      {type: "response", payload: {actionId: payload.actionId, ok: true}}, appOrigin);
  });
  document.getElementById("post").submit();
</script></body></html>"""


def host_page(shop: Shop, order_id: str) -> str:
    """The order page of a dashboard, posting the widget form as Saleor does."""
    saleor = shop.saleor
    form = {
        "saleorApiUrl": saleor.api_url,
        "appId": shop.installed.app_id,
        "orderId": order_id,
        "accessToken": saleor.issue_app_bridge_token(shop.installed.app_id),
    }
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in form.items()
    )
    action = f"{shop.app.url}/dashboard/order-widget?theme=light"
    return HOST_PAGE.replace("__ACTION__", action).replace("__FIELDS__", fields)


async def widget_frame(page: Page) -> Frame:
    """The widget's frame once its content is there and its height was reported."""
    await page.wait_for_function("window.actions.length > 0")
    return await content_frame(page, "#widget", "#widget-root")


async def fits(page: Page, frame: Frame) -> dict[str, Any]:
    """The last reported height, the iframe's height and whether every line is inside it."""
    await page.wait_for_function(
        "() => { const a = window.actions; const f = document.getElementById('widget');"
        " return a.length && f.getBoundingClientRect().height === a[a.length - 1].payload.height; }"
    )
    last = (await page.evaluate("window.actions"))[-1]
    inner = await frame.evaluate(
        "() => ({ view: window.innerHeight,"
        " content: Math.ceil(document.getElementById('widget-root').getBoundingClientRect().bottom),"
        " hidden: [...document.querySelectorAll('#widget-root li, #widget-root p')]"
        "   .filter(n => n.getBoundingClientRect().bottom > window.innerHeight).length })"
    )
    return {"action": last, **inner}


async def reason_count(shop: Shop, order: dict[str, Any]) -> int:
    query = "query($id: ID!) { order(id: $id) { reasons { rule } } }"
    return len((await data(shop, query, {"id": order["id"]}))["order"]["reasons"])


async def test_the_widget_reports_its_height_and_grows_to_seven_reasons(shop: Shop) -> None:
    order = await held_order(shop, **SEVEN_RULES)
    found = (await data(shop, "query($id: ID!) { order(id: $id) { decision reasons { rule } } }",
                        {"id": order["id"]}))["order"]
    assert found["decision"] == "REVIEW" and len(found["reasons"]) == 7
    with storefront_site({"/order": host_page(shop, order["id"])}) as site:
        async with chromium() as browser:
            page = await browser.new_page(viewport={"width": 800, "height": 900})
            await page.goto(site + "/order")
            frame = await widget_frame(page)
            assert await frame.locator("ul.reasons li").count() == 7
            size = await fits(page, frame)
            action = size["action"]
            assert action["type"] == "widgetResize"
            assert isinstance(action["payload"]["actionId"], str) and action["payload"]["actionId"]
            height = action["payload"]["height"]
            assert height > DEFAULT_HEIGHT
            assert size["view"] == height and size["content"] <= height and size["hidden"] == 0
            await page.screenshot(path=screenshot_path("order-widget-7-reasons"))

            # A narrower sidebar wraps the lines: the widget reports the new height by itself.
            await page.evaluate("document.getElementById('box').style.width = '260px'")
            await page.wait_for_function(
                f"window.actions[window.actions.length - 1].payload.height > {height}"
            )
            narrow = await fits(page, frame)
            assert narrow["view"] > height and narrow["hidden"] == 0


async def test_the_widget_grows_for_three_and_four_reasons_and_after_a_decision(shop: Shop) -> None:
    await shop.configure(reject_policy="KEEP_HELD")
    three = await held_order(shop)
    four = await held_order(shop, email="buyer@mailinator.com")
    assert (await reason_count(shop, three), await reason_count(shop, four)) == (3, 4)
    approve = "mutation($id: ID!) { approveOrder(orderId: $id, reason: \"Called the shopper\") { errors { message } } }"
    reject = "mutation($id: ID!) { rejectOrder(orderId: $id, reason: \"Card reported stolen\") { errors { message } } }"
    approved = await held_order(shop, email="c@example.com")
    rejected = await held_order(shop, email="d@example.com")
    await data(shop, approve, {"id": approved["id"]})
    await data(shop, reject, {"id": rejected["id"]})
    pages = {f"/{name}": host_page(shop, order["id"])
             for name, order in (("three", three), ("four", four), ("approved", approved),
                                 ("rejected", rejected))}
    with storefront_site(pages) as site:
        async with chromium() as browser:
            page = await browser.new_page(viewport={"width": 800, "height": 900})
            for name, order in (("three", three), ("four", four), ("approved", approved),
                                ("rejected", rejected)):
                await page.goto(f"{site}/{name}")
                frame = await widget_frame(page)
                assert await frame.locator("ul.reasons li").count() == await reason_count(shop, order)
                size = await fits(page, frame)
                assert size["content"] <= size["view"] and size["hidden"] == 0, name
                await page.screenshot(path=screenshot_path(f"order-widget-{name}"))
            assert "Rejected by admin@example.com" in await frame.inner_text("#widget-root")
