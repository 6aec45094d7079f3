"""The inbound SMS endpoint: `GET|POST /api/sms/{provider}/{tenant_key}`."""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from saleor_app.context import AppContext
from saleor_app.engine.inbound import receive_sms
from saleor_app.http_utils import BodyTooLarge, error_response, read_body
from saleor_app.sms import (
    ADAPTERS,
    Acknowledgement,
    IgnoredEvent,
    InboundRequest,
    MalformedRequest,
    SignatureError,
)
from saleor_app.store.redis import RedisError

log = logging.getLogger(__name__)

MAX_SMS_BODY_BYTES = 64 * 1024


async def inbound_sms(request: Request) -> Response:
    """Authenticate, parse, persist and judge one provider call, then acknowledge it."""
    ctx: AppContext = request.app.state.ctx
    provider = request.path_params["provider"]
    adapter = ADAPTERS.get(provider)
    if adapter is None:
        return error_response(404, "UNKNOWN_PROVIDER", "no such SMS provider")
    metric = ctx.metrics.inbound_sms
    try:
        body = await read_body(request, MAX_SMS_BODY_BYTES)
    except BodyTooLarge:
        metric.labels(provider, "too_large").inc()
        return error_response(413, "BODY_TOO_LARGE", "request body is over 64 KiB")
    try:
        tenant = await ctx.tenants.get_by_inbound_key(request.path_params["tenant_key"])
        if tenant is None:
            metric.labels(provider, "unknown_tenant").inc()
            log.warning("inbound sms for an unknown inbound URL", extra={"provider": provider})
            return error_response(404, "UNKNOWN_INBOUND_URL", "no shop has this inbound URL")
        settings = await ctx.tenant_settings.get(tenant.id)
        if not settings.provider(provider).enabled:
            metric.labels(provider, "disabled").inc()
            log.warning("inbound sms for a disabled provider", extra={"provider": provider})
            message = f"{provider} is not enabled for this shop"
            return error_response(401, "PROVIDER_DISABLED", message)
        query = request.scope["query_string"].decode("latin-1")
        inbound = InboundRequest(
            method=request.method,
            public_url=ctx.settings.app_url + request.url.path + (f"?{query}" if query else ""),
            headers=request.headers,
            query=list(request.query_params.multi_items()),
            body=body,
            content_type=request.headers.get("content-type", ""),
        )
        try:
            secrets = settings.provider_secrets(tenant.inbound_secret)
            sms = adapter.parse(inbound, secrets, time.time())
        except SignatureError as exc:
            metric.labels(provider, "bad_signature").inc()
            log.warning("inbound sms refused", extra={"provider": provider, "reason": str(exc)})
            return error_response(401, "BAD_SIGNATURE", str(exc))
        except MalformedRequest as exc:
            metric.labels(provider, "malformed").inc()
            log.warning("inbound sms malformed", extra={"provider": provider, "reason": str(exc)})
            return error_response(400, "MALFORMED_REQUEST", str(exc))
        except IgnoredEvent:
            metric.labels(provider, "ignored").inc()
            return _acknowledge(adapter.acknowledgement)
        outcome = await receive_sms(ctx, tenant.id, settings, sms)
    except (RedisError, OSError):
        metric.labels(provider, "store_unavailable").inc()
        log.exception("store unavailable for inbound sms", extra={"provider": provider})
        return error_response(503, "STORE_UNAVAILABLE", "try again later")
    metric.labels(provider, outcome.outcome.lower()).inc()
    return _acknowledge(adapter.acknowledgement)


def _acknowledge(ack: Acknowledgement) -> Response:
    return Response(ack.body, status_code=ack.status, media_type=ack.content_type or None)


def inbound_routes() -> list[Route]:
    """Routes of the inbound SMS webhooks."""
    return [Route("/api/sms/{provider}/{tenant_key}", inbound_sms, methods=["GET", "POST"])]
