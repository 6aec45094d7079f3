"""Debian's Chromium through Playwright, a storefront page on its own origin, screenshots."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from playwright.async_api import Browser, Frame, Page, async_playwright

from saleor_app.app import create_app
from tests.support.app_server import AppServer, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (Playwright never downloads a browser here)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def content_frame(page: Page, iframe: str, ready: str) -> Frame:
    """The frame of the iframe `iframe` once `ready` is found inside it."""
    await page.wait_for_selector(iframe)
    handle = await page.query_selector(iframe)
    assert handle is not None
    frame = await handle.content_frame()
    assert frame is not None
    await frame.wait_for_selector(ready)
    return frame


def screenshot_path(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")


def storefront_html(app_url: str, api_url: str, attributes: str) -> str:
    """An order confirmation page of a storefront, embedding the widget."""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Order confirmation</title>
<style>body {{ font-family: system-ui, sans-serif; margin: 16px; background: #fafafa; }}</style>
</head><body><h1>Thank you for your order</h1>
<reverse-otp-challenge {attributes} saleor-api-url="{api_url}" api-base="{app_url}">
</reverse-otp-challenge>
<script src="{app_url}/widget.js"></script></body></html>"""


@contextmanager
def storefront_site(pages: dict[str, str]) -> Iterator[str]:
    """Serve pages (path → HTML) from another origin than the app; yields that origin."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0], "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


class DemoServer(AppServer):
    """The app as `serve --demo` runs it."""

    def __init__(self, redis_url: str, data_dir: Path) -> None:
        super().__init__(redis_url, data_dir)
        import uvicorn

        self.app = create_app(self.settings, with_worker=True, demo=True)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_config=None,
                                access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)
