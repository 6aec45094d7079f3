"""Running the app as a well-behaved daemon: the socket bound before anything is announced, a
stop on SIGINT, SIGTERM or SIGHUP that ends with exit code 0, start-up failures in one line."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Iterator

import uvicorn

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StartupProblem(Exception):
    """The app cannot start; the message says why in one line."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, or StartupProblem."""
    if not 1 <= port <= 65535:
        raise StartupProblem(f"--port {port} is out of range: use 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartupProblem(f"--host {host!r} is not an address of this machine ({exc})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "already in use" if exc.errno == 98 else exc.strerror or str(exc)
        raise StartupProblem(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


class GracefulServer(uvicorn.Server):
    """uvicorn's server that stops gracefully on SIGINT, SIGTERM and SIGHUP and then returns,
    instead of raising the signal again once stopped (a second Ctrl-C forces the stop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        original = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


class QuietStartupFailure(logging.Filter):
    """Drops uvicorn's own report (a traceback) of a start-up failure the app explains itself."""

    def __init__(self) -> None:
        super().__init__()
        self.explained: str | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        return self.explained is None
