"""Thin HTTP adapters for the Saleor app protocol: manifest, register, webhooks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from saleor_app.context import AppContext
from saleor_app.engine.limits import within_limit
from saleor_app.observability import labelled
from saleor_app.request_body import BodyTooLarge, read_body
from saleor_app.request_context import LOGGED_BY_HANDLER, error_response
from saleor_app.saleor.manifest import build_manifest
from saleor_app.saleor.register import register
from saleor_app.saleor.webhook_verifier import WebhookRefused
from saleor_app.saleor.webhooks import WEBHOOKS, SaleorWebhook
from saleor_app.store.decisions import Stale
from saleor_app.store.keys import global_key
from saleor_app.store.redis import RedisError

log = logging.getLogger(__name__)

INSTALL_WINDOW_SECONDS = 3600


async def manifest_endpoint(request: Request) -> Response:
    """GET /api/manifest."""
    ctx: AppContext = request.app.state.ctx
    version = request.headers.get("saleor-schema-version")
    links = ctx.settings.manifest_links()
    return JSONResponse(build_manifest(ctx.settings.app_url, WEBHOOKS, version, links))


async def register_endpoint(request: Request) -> Response:
    """POST /api/register: Saleor hands over the app token."""
    ctx: AppContext = request.app.state.ctx
    limit = ctx.settings.installs_per_client_per_hour
    address = request.client.host if request.client else "unknown"
    key = global_key("install-rate", address)
    if limit and not await within_limit(ctx.store.client, key, limit, INSTALL_WINDOW_SECONDS):
        log.warning("install refused: rate limit", extra={"client": address})
        return JSONResponse(
            {"success": False, "error": {"code": "RATE_LIMITED",
                                         "message": "Too many installs from this address."}},
            status_code=429,
            headers={"Retry-After": str(INSTALL_WINDOW_SECONDS)},
        )
    try:
        body = await read_body(request, 64 * 1024)
    except BodyTooLarge:
        return JSONResponse(
            {"success": False, "error": {"code": "BODY_TOO_LARGE", "message": "Body too large."}},
            status_code=413,
        )
    answer = await register(ctx, request.headers, body)
    return JSONResponse(answer.body, status_code=answer.status)


def webhook_endpoint(webhook: SaleorWebhook) -> Callable[[Request], Awaitable[Response]]:
    """The verified endpoint of one webhook definition."""

    async def endpoint(request: Request) -> Response:
        ctx: AppContext = request.app.state.ctx
        event = webhook.event.lower()
        try:
            body = await read_body(request, ctx.settings.max_body_bytes)
        except BodyTooLarge:
            labelled(ctx.metrics.webhooks, event, "too_large").inc()
            return error_response(413, "BODY_TOO_LARGE", "webhook body is over the limit")
        try:
            verified = await ctx.verifier.verify(request.headers, body, webhook.event)
            logged = await webhook.handler(verified, ctx)
        except WebhookRefused as refused:
            labelled(ctx.metrics.webhooks, event, refused.code.lower()).inc()
            log.warning("webhook refused", extra={"event": event, "reason": refused.code})
            return error_response(refused.status, refused.code, refused.message)
        except (KeyError, TypeError, ValueError, AttributeError):
            labelled(ctx.metrics.webhooks, event, "malformed_payload").inc()
            log.exception("signed webhook payload has an unexpected shape", extra={"event": event})
            return error_response(400, "MALFORMED_PAYLOAD", "payload has an unexpected shape")
        except (RedisError, Stale):
            labelled(ctx.metrics.webhooks, event, "store_unavailable").inc()
            log.exception("store unavailable while handling webhook", extra={"event": event})
            return error_response(503, "STORE_UNAVAILABLE", "try again later")
        labelled(ctx.metrics.webhooks, event, "accepted").inc()
        if logged:
            setattr(request.state, LOGGED_BY_HANDLER, True)
        return JSONResponse({"ok": True})

    return endpoint


def saleor_routes() -> list[Route]:
    """Routes of the Saleor app protocol (exact paths: Saleor follows no redirect)."""
    routes = [
        Route("/api/manifest", manifest_endpoint, methods=["GET"]),
        Route("/api/register", register_endpoint, methods=["POST"]),
    ]
    routes += [Route(hook.path, webhook_endpoint(hook), methods=["POST"]) for hook in WEBHOOKS]
    return routes
