"""The inbound SMS endpoint: `GET|POST /api/sms/{provider}/{tenant_key}`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from saleor_app.context import AppContext
from saleor_app.engine.inbound import receive_sms
from saleor_app.observability import labelled
from saleor_app.request_body import BodyTooLarge, read_body
from saleor_app.request_context import LOGGED_BY_HANDLER, error_response
from saleor_app.sms import (
    ADAPTERS,
    Acknowledgement,
    Handshake,
    IgnoredEvent,
    InboundRequest,
    InboundSms,
    MalformedRequest,
    SignatureError,
    SmsAdapter,
)
from saleor_app.store.redis import RedisError
from saleor_app.store.tenant_cache import STALE, TenantView

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
        labelled(metric, provider, "too_large").inc()
        return error_response(413, "BODY_TOO_LARGE", "request body is over 64 KiB")
    query = request.scope["query_string"].decode("latin-1")
    path = request.scope["path"]
    inbound = InboundRequest(
        method=request.method,
        public_url=ctx.settings.app_url + path + (f"?{query}" if query else ""),
        headers=request.headers,
        body=body,
        content_type=request.headers.get("content-type", ""),
    )
    tenant_key = request.path_params["tenant_key"]
    try:
        answer = await _handle(ctx, adapter, tenant_key, inbound, fresh=False)
        if answer.retry:
            answer = await _handle(ctx, adapter, tenant_key, inbound, fresh=True)
    except (RedisError, OSError):
        labelled(metric, provider, "store_unavailable").inc()
        log.exception("store unavailable for inbound sms", extra={"provider": provider})
        return error_response(503, "STORE_UNAVAILABLE", "try again later")
    labelled(metric, provider, answer.label).inc()
    if answer.logged:
        setattr(request.state, LOGGED_BY_HANDLER, True)
    if answer.response:
        return answer.response
    return _acknowledge(adapter.acknowledgement, answer.outcome)


@dataclass(frozen=True)
class _Answer:
    """How one attempt ended: a metric label, an error response (None: acknowledge), whether
    to try again on fresh tenant data (the cached view was stale, or refused), and whether the
    SMS got its own log line."""

    label: str
    response: Response | None = None
    retry: bool = False
    logged: bool = False
    outcome: str | None = None


async def _handle(
    ctx: AppContext, adapter: SmsAdapter, tenant_key: str, inbound: InboundRequest, fresh: bool
) -> _Answer:
    provider = adapter.name
    view = await ctx.tenant_cache.by_inbound_key(tenant_key, fresh)
    if view is None:
        if not fresh:
            return _Answer("unknown_tenant", retry=True)
        log.warning("inbound sms for an unknown inbound URL", extra={"provider": provider})
        message = "no shop has this inbound URL"
        return _Answer("unknown_tenant", error_response(404, "UNKNOWN_INBOUND_URL", message))
    if provider not in view.enabled_providers:
        if not fresh:
            return _Answer("disabled", retry=True)
        log.warning("inbound sms for a disabled provider", extra={"provider": provider})
        message = f"{provider} is not enabled for this shop"
        return _Answer("disabled", error_response(401, "PROVIDER_DISABLED", message))
    try:
        messages = _parse(adapter, inbound, view)
    except Handshake as answer:
        if answer.status != 200 and not fresh:
            return _Answer("handshake_refused", retry=True)
        log.info("provider handshake", extra={"provider": provider, "status": answer.status})
        reply = PlainTextResponse(answer.body, status_code=answer.status)
        return _Answer("handshake" if answer.status == 200 else "handshake_refused", reply)
    except SignatureError as exc:
        if not fresh:
            return _Answer("bad_signature", retry=True)
        log.warning("inbound sms refused", extra={"provider": provider, "reason": str(exc)})
        return _Answer("bad_signature", error_response(401, "BAD_SIGNATURE", str(exc)))
    except MalformedRequest as exc:
        log.warning("inbound sms malformed", extra={"provider": provider, "reason": str(exc)})
        return _Answer("malformed", error_response(400, "MALFORMED_REQUEST", str(exc)))
    except IgnoredEvent:
        return _Answer("ignored")
    outcome = None
    for sms in messages:
        outcome = await receive_sms(ctx, view, sms)
        if outcome.outcome == STALE:
            ctx.tenant_cache.forget(view.tenant.id)
            if fresh:
                raise RedisError("tenant data kept changing while an SMS was received")
            return _Answer("stale", retry=True)
    assert outcome is not None
    return _Answer(outcome.outcome.lower(), logged=True, outcome=outcome.outcome)


def _parse(adapter: SmsAdapter, inbound: InboundRequest, view: TenantView) -> list[InboundSms]:
    """Verify and read the request's messages with the shop's secrets, or with the ones a
    rotation replaced while they still work."""
    now = time.time()
    try:
        return adapter.parse_all(inbound, view.provider_secrets, now)
    except SignatureError:
        if view.replaced_secrets is None:
            raise
        return adapter.parse_all(inbound, view.replaced_secrets, now)


def _acknowledge(ack: Acknowledgement, outcome: str | None) -> Response:
    if ack.tells_outcome and outcome:
        body = b'{"ok": true, "outcome": "%s"}' % outcome.encode("ascii")
        return Response(body, status_code=ack.status, media_type=ack.content_type)
    return Response(ack.body, status_code=ack.status, media_type=ack.content_type or None)


def inbound_routes() -> list[Route]:
    """Routes of the inbound SMS webhooks."""
    return [Route("/api/sms/{provider}/{tenant_key}", inbound_sms, methods=["GET", "POST"])]
