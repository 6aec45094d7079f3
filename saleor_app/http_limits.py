"""Connection limits for uvicorn: header and body deadlines, connection caps, file descriptors."""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import Counter
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from saleor_app.config import Settings

log = logging.getLogger("saleor_app.http")


class ConnectionLimits:
    """The limits of one server and its count of open connections per client address."""

    def __init__(self, settings: Settings) -> None:
        self.header_timeout = settings.header_timeout_seconds
        self.body_timeout = settings.body_timeout_seconds
        self.max_connections = settings.max_connections
        self.per_client = 0 if settings.forwarded_allow_ips else settings.max_connections_per_client
        self.open_by_client: Counter[str] = Counter()


class _Deadlines:
    """Closes a connection whose headers or body do not arrive in time, or one over a cap."""

    limits: ClassVar[ConnectionLimits]
    transport: asyncio.Transport
    connections: set[Any]
    loop: asyncio.AbstractEventLoop
    _deadline: asyncio.TimerHandle | None = None
    _peer: str = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        peer = transport.get_extra_info("peername")
        self._peer = str(peer[0]) if isinstance(peer, tuple) else ""
        counts = self.limits.open_by_client
        counts[self._peer] += 1
        per_client = self.limits.per_client
        if len(self.connections) > self.limits.max_connections or (
            per_client and counts[self._peer] > per_client
        ):
            log.warning("connection refused: too many open", extra={"client": self._peer})
            self.transport.abort()
            return
        self._arm(self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._release()
        super().connection_lost(exc)  # type: ignore[misc]

    def handle_websocket_upgrade(self, *args: Any) -> None:
        self._release()
        super().handle_websocket_upgrade(*args)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm(self.limits.header_timeout)

    def _headers_complete(self) -> None:
        self._arm(self.limits.body_timeout)

    def _body_complete(self) -> None:
        self._disarm()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _release(self) -> None:
        self._disarm()
        if self._peer:
            counts = self.limits.open_by_client
            counts[self._peer] -= 1
            if counts[self._peer] <= 0:
                del counts[self._peer]
            self._peer = ""

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("incomplete request timed out", extra={"client": self._peer})
            self.transport.abort()


class HttpToolsWithDeadlines(_Deadlines, HttpToolsProtocol):
    """uvicorn's httptools protocol (the one uvicorn[standard] runs) with deadlines and caps."""

    def on_headers_complete(self) -> None:
        self._headers_complete()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._body_complete()
        super().on_message_complete()


def raise_open_file_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit; the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            return soft
    return hard


def limited_server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config keyword arguments that apply the settings' connection limits."""
    raise_open_file_limit()
    limits = ConnectionLimits(settings)
    protocol = type("HttpToolsWithDeadlines", (HttpToolsWithDeadlines,), {"limits": limits})
    return {"http": protocol, "limit_concurrency": settings.max_connections}

