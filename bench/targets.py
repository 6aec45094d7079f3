"""ASGI factories served by `uvicorn --factory` in the server subprocesses.

Every target runs under the same uvicorn command line (see bench.servers); only the factory
differs. Settings come from the environment, as in production.
"""

from __future__ import annotations

import os

import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BASELINE_KEY = "bench:baseline"


def app() -> Starlette:
    """The real app, logging like `saleor-reverse-otp serve`; BENCH_WITH_WORKER=1 adds the
    background worker to the process (as `serve` does)."""
    from saleor_app.app import create_app
    from saleor_app.config import load_settings
    from saleor_app.observability import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    return create_app(settings, with_worker=os.environ.get("BENCH_WITH_WORKER") == "1")


def baseline_ok() -> Starlette:
    """A bare Starlette endpoint: read the body, answer 200 (any POST path)."""

    async def ok(request: Request) -> Response:
        await request.body()
        return Response(b"ok", media_type="text/plain")

    return Starlette(routes=[Route("/{path:path}", ok, methods=["GET", "POST"])])


def baseline_redis_get() -> Starlette:
    """A bare Starlette endpoint: read the body, one Redis GET, answer 200 (any path)."""
    client = aioredis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)

    async def get(request: Request) -> Response:
        await request.body()
        value = await client.get(BASELINE_KEY)
        return Response(value or "", media_type="text/plain")

    return Starlette(routes=[Route("/{path:path}", get, methods=["GET", "POST"])])
