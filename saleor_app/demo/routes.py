"""`/demo`: a fake order with the widget, and a simulated phone (only with `serve --demo`)."""

from __future__ import annotations

import json
import logging

import httpx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from saleor_app.context import AppContext
from saleor_app.demo.merchant import merchant_view
from saleor_app.demo.simulator import send_sms
from saleor_app.demo.tenant import (
    DEMO_API_URL,
    DEMO_NUMBER,
    DEMO_SHOPPER,
    DEMO_TENANT_ID,
    demo_order,
)
from saleor_app.paths import DASHBOARD_DIR
from saleor_app.request_body import BodyTooLarge, read_body
from saleor_app.request_context import error_response
from saleor_app.storefront.limits import allow_client
from saleor_app.storefront.services import services
from saleor_app.version import app_version

log = logging.getLogger(__name__)

MAX_PHONE_BODY = 2048
MAX_TEXT_CHARS = 320
PHONE_WORDS = {
    "VERIFIED": "Code accepted: the order is released.",
    "WRONG_CODE": "Not accepted: this is not the code the shop is waiting for from this phone.",
    "WRONG_SENDER": "Not accepted: the code is right, but it must come from the phone number "
    "given at checkout.",
    "NO_MATCH": "Not accepted: no order is waiting for this code at this number.",
    "RATE_LIMITED": "Ignored: too many messages from this phone in a short time. Open a new "
    "demo order to start again.",
    "LATE": "Not accepted: the code has expired. Ask the shop for a new code.",
    "ALREADY_FINAL": "Nothing to do: this order was already decided.",
    "DUPLICATE": "Already received: the same message arrived twice.",
    "UNREADABLE_SENDER": "Not accepted: the sender's number could not be read.",
}
"""What the app did with the simulated SMS, in a tester's words."""

templates = Environment(
    loader=FileSystemLoader(DASHBOARD_DIR / "widget"),
    autoescape=select_autoescape(["html"]),
)


async def demo_page(request: Request) -> Response:
    """GET /demo: a new fake order, held until the simulated phone sends its code."""
    ctx: AppContext = request.app.state.ctx
    challenge = await demo_order(ctx)
    page = templates.get_template("demo.html").render(
        app_url=ctx.settings.app_url,
        api_url=DEMO_API_URL,
        order_id=challenge.order_id,
        challenge_id=challenge.id,
        virtual_number=DEMO_NUMBER,
        shopper_phone=DEMO_SHOPPER,
        lang=request.query_params.get("lang", "en")[:5],
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


async def phone_send(request: Request) -> Response:
    """POST /demo/phone/send {from, text}: sign on the server, deliver over real HTTP."""
    ctx: AppContext = request.app.state.ctx
    address = request.client.host if request.client else "unknown"
    if not await allow_client(ctx.store.client, services(request.app).limits, address):
        return error_response(429, "RATE_LIMITED", "too many messages; retry in a minute")
    try:
        document = json.loads(await read_body(request, MAX_PHONE_BODY))
    except BodyTooLarge:
        return error_response(413, "BODY_TOO_LARGE", "message too long")
    except ValueError:
        return error_response(400, "BAD_REQUEST", 'send {"from", "text"} as JSON')
    sender, text = (
        (document.get("from"), document.get("text")) if isinstance(document, dict) else (None, None)
    )
    if (
        not isinstance(sender, str)
        or not isinstance(text, str)
        or not sender
        or len(text) > MAX_TEXT_CHARS
    ):
        log.warning("demo phone: bad message")
        return error_response(400, "BAD_REQUEST", "from and text (up to 320 characters) needed")
    tenant = await ctx.tenants.get(DEMO_TENANT_ID)
    if tenant is None:
        return error_response(503, "NO_DEMO_TENANT", "the demo tenant is missing")
    try:
        answer = await send_sms(
            ctx.own_http,
            ctx.settings.app_url,
            tenant.inbound_key,
            tenant.inbound_secret,
            sender=sender[:32],
            to=DEMO_NUMBER,
            text=text,
        )
    except httpx.HTTPError as exc:
        log.warning("demo phone: app unreachable", extra={"error": str(exc)})
        return error_response(502, "APP_UNREACHABLE", "the app's inbound endpoint did not answer")
    outcome = _outcome(answer)
    words = PHONE_WORDS.get(outcome or "", f"The app answered HTTP {answer.status_code}.")
    return JSONResponse(
        {"delivered": answer.is_success, "status": answer.status_code, "outcome": outcome,
         "message": words}
    )


def _outcome(answer: httpx.Response) -> str | None:
    """The outcome the generic endpoint reports, if it reported one."""
    try:
        body = answer.json()
    except ValueError:
        return None
    outcome = body.get("outcome") if isinstance(body, dict) else None
    return outcome if isinstance(outcome, str) else None


async def merchant_page(request: Request) -> Response:
    """GET /demo/merchant: the demo tenant's Overview and Orders, read-only."""
    ctx: AppContext = request.app.state.ctx
    view = await merchant_view(ctx)
    if view is None:
        return error_response(503, "NO_DEMO_TENANT", "the demo tenant is missing")
    o = view.figures
    tiles = [
        ("Waiting for an SMS", o.pending_challenges, "demo orders held right now"),
        ("Verified", o.verified, "last 30 days"),
        ("Expired", o.expired, "last 30 days"),
        ("Rejected", o.rejected, "last 30 days, too many wrong codes"),
        ("SMS sent by shoppers", o.sms_received, "last 30 days"),
        ("Not spent on outbound SMS", f"{o.saved:.2f} {o.currency}",
         f"at {o.outbound_sms_price:.2f} {o.currency} per SMS"),
    ]
    page = templates.get_template("demo_merchant.html").render(
        app_url=ctx.settings.app_url,
        assets=ctx.settings.app_url + "/dashboard/assets",
        version=app_version(),
        tiles=tiles,
        orders=view.orders,
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def demo_routes() -> list[BaseRoute]:
    """Routes that exist only in demo mode."""
    return [
        Route("/demo", demo_page, methods=["GET"]),
        Route("/demo/merchant", merchant_page, methods=["GET"]),
        Route("/demo/phone/send", phone_send, methods=["POST"]),
    ]
