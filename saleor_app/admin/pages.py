"""The dashboard page Saleor opens in an iframe, and the order-details widget."""

from __future__ import annotations

import logging
import re
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from saleor_app.admin.auth import AuthRefused, authenticate, tenant_for
from saleor_app.admin.views import dashboard_url
from saleor_app.context import AppContext
from saleor_app.core.phones import mask_phone
from saleor_app.paths import DASHBOARD_DIR
from saleor_app.request_body import BodyTooLarge, read_body
from saleor_app.store.orders import OrderRepository
from saleor_app.store.redis import RedisError
from saleor_app.store.tenant_settings import PROVIDERS
from saleor_app.version import app_version

log = logging.getLogger(__name__)

TEMPLATES = Environment(
    loader=FileSystemLoader(DASHBOARD_DIR / "admin" / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
MAX_FORM_BYTES = 64 * 1024
PROVIDER_NAMES = {
    "smsmode": "smsmode",
    "twilio": "Twilio",
    "vonage": "Vonage",
    "plivo": "Plivo",
    "telnyx": "Telnyx",
    "whatsapp": "WhatsApp (Meta Cloud API)",
    "generic": "Generic (your own gateway)",
}


def _theme(value: str | None) -> str:
    return "dark" if value == "dark" else "light"


def _locale(value: str | None) -> str:
    return value if value and LOCALE.match(value) and len(value) <= 20 else "en"


def render(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A template rendered with autoescaping and the page's security headers."""
    html = TEMPLATES.get_template(name).render(version=app_version(), **values)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


async def dashboard_page(request: Request) -> Response:
    """GET /dashboard: the shell; data comes only through the API with the dashboard's token."""
    ctx: AppContext = request.app.state.ctx
    query = request.query_params
    return render(
        "dashboard.html",
        theme=_theme(query.get("theme")),
        locale=_locale(query.get("locale")),
        api_url=ctx.settings.app_url + "/api/admin/graphql",
        manifest_url=ctx.settings.app_url + "/api/manifest",
        assets=ctx.settings.app_url + "/dashboard/assets",
        providers=PROVIDERS,
        provider_names=PROVIDER_NAMES,
    )


def _form(body: bytes, content_type: str) -> dict[str, str]:
    """Fields of a urlencoded or multipart form (the dashboard posts a plain HTML form)."""
    if content_type.lower().startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = BytesParser(policy=default_policy).parsebytes(head + body)
        fields: dict[str, str] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes) and len(fields) < 50:
                fields.setdefault(name, payload.decode("utf-8", errors="replace"))
        return fields
    parsed = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=50)
    return {key: values[0] for key, values in parsed.items() if values}


async def order_widget(request: Request) -> Response:
    """POST /dashboard/order-widget: Saleor posts saleorApiUrl, appId, accessToken, orderId."""
    ctx: AppContext = request.app.state.ctx
    theme = _theme(request.query_params.get("theme"))
    assets = ctx.settings.app_url + "/dashboard/assets"
    try:
        body = await read_body(request, MAX_FORM_BYTES)
        form = _form(body, request.headers.get("content-type", ""))
    except BodyTooLarge:
        return render("widget_error.html", 413, theme=theme, assets=assets, message="Too large.")
    try:
        tenant = await tenant_for(ctx, form.get("saleorApiUrl"))
        await authenticate(ctx, tenant, form.get("accessToken"))
        order_id = form.get("orderId", "")
        record = await OrderRepository(ctx.store.client, tenant.id).get(order_id)
        challenge = None
        if record is not None and record.challenge_id:
            challenge = await ctx.challenges(tenant.id).get(record.challenge_id)
    except AuthRefused as refused:
        log.warning(
            "order widget refused", extra={"status": refused.status, "reason": refused.code}
        )
        message = "Reverse OTP could not verify your Saleor session. Reload the page."
        if refused.status == 403:
            message = "You need the Manage orders permission to see Reverse OTP's verdict."
        return render(
            "widget_error.html", refused.status, theme=theme, assets=assets, message=message
        )
    except RedisError:
        log.exception("store unavailable for the order widget")
        return render(
            "widget_error.html",
            503,
            theme=theme,
            assets=assets,
            message="Reverse OTP is unavailable; try again shortly.",
        )
    return render(
        "order_widget.html",
        theme=theme,
        assets=assets,
        record=record,
        challenge=challenge,
        phone=mask_phone(challenge.expected_phone)
        if challenge and challenge.expected_phone
        else None,
        order_url=dashboard_url(tenant.saleor_api_url, order_id),
    )
