"""Operator endpoints and exact paths, through real HTTP."""

import os
import re
from collections.abc import Callable

from saleor_app.request_context import RequestIds
from tests.support.app_server import AppServer


def test_health_ready_and_metrics(app_server: AppServer) -> None:
    with app_server.client() as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["store"] == "ok"
        http.get("/api/manifest")
        metrics = http.get("/metrics")
    assert metrics.status_code == 200
    assert 'rotp_http_requests_total{route="/api/manifest",status="200"} 1.0' in metrics.text
    assert "rotp_store_ping_seconds_count 1.0" in metrics.text


def test_metrics_behind_the_operator_token(start_app: Callable[..., AppServer]) -> None:
    token = "metrics-token-0123456789abcdef0123456789"
    with start_app(metrics_token=token).client() as http:
        missing = http.get("/metrics")
        wrong = http.get("/metrics", headers={"Authorization": f"Bearer {token[:-1]}x"})
        right = http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["www-authenticate"] == "Bearer"
    assert token not in missing.text
    assert right.status_code == 200 and "rotp_http_requests_total" in right.text


def test_no_redirects_for_trailing_slashes(app_server: AppServer) -> None:
    with app_server.client() as http:
        answer = http.get("/api/manifest/")
    assert answer.status_code == 404


def test_every_response_carries_a_request_id(app_server: AppServer) -> None:
    with app_server.client() as http:
        given = http.get("/healthz", headers={"X-Request-Id": "abc123"})
        made = http.get("/healthz")
    assert given.headers["x-request-id"] == "abc123"
    assert len(made.headers["x-request-id"]) == 16


def test_request_ids_are_distinct_in_a_process_and_across_forks(app_server: AppServer) -> None:
    with app_server.client() as http:
        made = [http.get("/healthz", headers={"X-Request-Id": "bad id!"}) for _ in range(50)]
    ids = [answer.headers["x-request-id"] for answer in made]
    assert len(set(ids)) == 50 and all(re.fullmatch("[0-9a-f]{16}", i) for i in ids)
    parent = RequestIds()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(writer, RequestIds().next().encode() + b"," + parent.next().encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    fresh, inherited = os.read(reader, 64).decode().split(",")
    own = parent.next()
    assert inherited[:8] != own[:8], "a forked child does not reuse its parent's prefix"
    assert len({fresh, inherited, own}) == 3
