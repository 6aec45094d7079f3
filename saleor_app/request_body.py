"""Request bodies read within a size and a time limit."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from saleor_app.request_context import error_response, route_name

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
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientDisconnect
                chunk: bytes = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise BodyTooSlow from None
    return b"".join(chunks)


async def body_too_slow(request: Request, exc: Exception) -> JSONResponse:
    """408 for a body that trickles in (slow-body attacks hold connections)."""
    log.warning("request body too slow", extra={"path_template": route_name(request.scope)})
    return error_response(408, "BODY_TOO_SLOW", "request body did not arrive in time")
