"""Small HTTP helpers shared by the routes: bounded bodies, JSON errors, request ids."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saleor_app.observability import Metrics, labelled, request_id_var

log = logging.getLogger("saleor_app.http")


BODY_TIMEOUT_SECONDS = 10.0


class BodyTooLarge(Exception):
    """The request body is over the limit."""


class BodyTooSlow(Exception):
    """The request body did not arrive within BODY_TIMEOUT_SECONDS."""


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body; BodyTooLarge past `limit` bytes, BodyTooSlow past the time limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge
                chunks.append(chunk)
    except TimeoutError:
        raise BodyTooSlow from None
    return b"".join(chunks)


async def body_too_slow(request: Request, exc: Exception) -> JSONResponse:
    """408 for a body that trickles in (slow-body attacks hold connections)."""
    log.warning("request body too slow", extra={"path_template": _route_name(request.scope)})
    return error_response(408, "BODY_TOO_SLOW", "request body did not arrive in time")


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """A JSON error body `{"error": {"code", "message"}}`."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


LOGGED_BY_HANDLER = "logged_by_handler"
"""Set in `request.state` by a handler that logged its own line for the request: a successful
answer then gets no second "request" line (errors always do)."""


class RequestContextMiddleware:
    """Gives every request an id, counts it, and logs one line per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        valid = incoming.isalnum() and len(incoming) <= 64
        request_id = incoming if valid else secrets.token_hex(8)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = _route_name(scope)
            elapsed = time.perf_counter() - started
            labelled(self.metrics.requests, route, str(status)).inc()
            labelled(self.metrics.request_seconds, route).observe(elapsed)
            if status >= 400 or not scope.get("state", {}).get(LOGGED_BY_HANDLER):
                log.log(
                    logging.WARNING if status >= 400 else logging.INFO,
                    "request",
                    extra={
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    },
                )
            request_id_var.reset(token)


def _route_name(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
