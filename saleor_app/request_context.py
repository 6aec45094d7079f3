"""Each request's context: its id, its log line and metrics, and the JSON error body."""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import time

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saleor_app.observability import Metrics, labelled, request_id_var

log = logging.getLogger("saleor_app.http")


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """A JSON error body `{"error": {"code", "message"}}`."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


LOGGED_BY_HANDLER = "logged_by_handler"
"""Set in `request.state` by a handler that logged its own line for the request: a successful
answer then gets no second "request" line (errors always do)."""


class RequestIds:
    """Request ids: a random prefix per process, then a counter (no system call per request);
    a forked child draws a prefix of its own."""

    def __init__(self) -> None:
        self._reseed()
        os.register_at_fork(after_in_child=self._reseed)

    def _reseed(self) -> None:
        self._prefix = secrets.token_hex(4)
        self._counter = itertools.count()

    def next(self) -> str:
        """A new id: 16 lowercase hex characters."""
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFF:08x}"


REQUEST_IDS = RequestIds()


def _incoming_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-Id when it is a usable id (alphanumeric, 64 chars at most)."""
    for name, value in headers:
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
            return incoming if incoming.isalnum() and len(incoming) <= 64 else ""
    return ""


class RequestContextMiddleware:
    """Gives every request an id, counts it, and logs one line per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope["headers"]) or REQUEST_IDS.next()
        id_header = (b"x-request-id", request_id.encode())
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = route_name(scope)
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


def route_name(scope: Scope) -> str:
    """The route template a request matched (never its path), or `unmatched`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
