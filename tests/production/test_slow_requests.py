"""Slow requests from one client: incomplete connections are capped and timed out, and
ordinary clients are still served while the attack runs."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator

import httpx

from saleor_app.http_limits import raise_open_file_limit
from tests.support.app_server import AppServer

ATTACKER = "127.0.0.2"
ATTACK_CONNECTIONS = 1500
HEADER_TIMEOUT = 2.0
PARTIAL_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@contextlib.contextmanager
def slow_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections from ATTACKER that send part of their headers and then nothing."""
    assert raise_open_file_limit() > 2 * count + 200
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((ATTACKER, 0))
            sock.connect(("127.0.0.1", port))
            sock.sendall(PARTIAL_REQUEST)
            sockets.append(sock)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def closed_by_server(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionError:
        return True


def open_count(sockets: list[socket.socket]) -> int:
    return sum(not closed_by_server(sock) for sock in sockets)


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def healthz_answers(app: AppServer, times: int) -> list[int]:
    with httpx.Client(base_url=app.url, timeout=5) as http:
        return [http.get("/healthz").status_code for _ in range(times)]


def test_one_client_cannot_hold_more_than_its_share(
    start_app: Callable[..., AppServer],
) -> None:
    app = start_app(header_timeout_seconds=HEADER_TIMEOUT, max_connections_per_client=200)
    with slow_clients(app.port, ATTACK_CONNECTIONS) as attack:
        assert wait_until(lambda: open_count(attack) <= 200, HEADER_TIMEOUT / 2)
        assert healthz_answers(app, 20) == [200] * 20
        started = time.monotonic()
        assert wait_until(lambda: open_count(attack) == 0, HEADER_TIMEOUT + 3)
        assert time.monotonic() - started >= HEADER_TIMEOUT / 4
        assert healthz_answers(app, 5) == [200] * 5


def test_incomplete_requests_time_out_after_the_header_deadline(
    start_app: Callable[..., AppServer],
) -> None:
    app = start_app(header_timeout_seconds=HEADER_TIMEOUT, max_connections_per_client=0)
    with slow_clients(app.port, ATTACK_CONNECTIONS) as attack:
        opened = time.monotonic()
        assert healthz_answers(app, 20) == [200] * 20
        assert open_count(attack) == ATTACK_CONNECTIONS
        assert wait_until(lambda: open_count(attack) == 0, HEADER_TIMEOUT + 5)
        assert time.monotonic() - opened >= HEADER_TIMEOUT
    assert healthz_answers(app, 5) == [200] * 5


def test_connections_over_the_process_cap_are_closed_at_once(
    start_app: Callable[..., AppServer],
) -> None:
    app = start_app(header_timeout_seconds=30, max_connections=300, max_connections_per_client=0)
    with slow_clients(app.port, 600) as attack:
        assert wait_until(lambda: open_count(attack) <= 300, 3)
        assert open_count(attack) >= 250
    assert wait_until(lambda: healthz_answers(app, 1) == [200], 5)


def test_a_body_that_never_completes_is_closed_after_the_body_deadline(
    start_app: Callable[..., AppServer],
) -> None:
    app = start_app(body_timeout_seconds=1.0)
    with socket.create_connection(("127.0.0.1", app.port), timeout=10) as raw:
        raw.sendall(b"POST /api/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        started = time.monotonic()
        with contextlib.suppress(ConnectionError):
            while raw.recv(4096):
                pass
        assert 1.0 <= time.monotonic() - started < 5
