"""Operator endpoints: liveness, readiness (store reachable) and Prometheus metrics."""

from __future__ import annotations

import hmac
import time

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from saleor_app.context import AppContext
from saleor_app.request_context import error_response
from saleor_app.store.redis import RedisError


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The process can serve: its store answers."""
    ctx: AppContext = request.app.state.ctx
    started = time.perf_counter()
    try:
        await ctx.store.client.ping()
    except (RedisError, OSError):
        return JSONResponse({"status": "unavailable", "store": "unreachable"}, status_code=503)
    ctx.metrics.store_seconds.observe(time.perf_counter() - started)
    return JSONResponse({"status": "ready", "store": "ok"})


async def metrics(request: Request) -> Response:
    """Prometheus text exposition (behind METRICS_TOKEN when the operator set one)."""
    ctx: AppContext = request.app.state.ctx
    expected = ctx.settings.metrics_token
    if expected and not hmac.compare_digest(
        request.headers.get("authorization", "").encode(), f"Bearer {expected}".encode()
    ):
        refused = error_response(401, "METRICS_TOKEN_REQUIRED", "send the metrics token")
        refused.headers["WWW-Authenticate"] = "Bearer"
        return refused
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def operation_routes() -> list[Route]:
    """Routes for operators."""
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
