"""The stand-in's ASGI app (GraphQL + JWKS) and the uvicorn thread serving it."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import TYPE_CHECKING

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from .saleor import SaleorStandIn


HANG_POLL_SECONDS = 0.05


def build_app(standin: SaleorStandIn) -> Starlette:
    """Starlette app serving POST /graphql/ and GET /.well-known/jwks.json; like Saleor, a
    request whose body arrived is processed even if its client goes away."""

    async def graphql(request: Request) -> Response:
        body = await request.body()
        latency = standin.faults.latency
        if latency:
            await asyncio.sleep(latency)
        if standin.faults.hangs(body):
            await hang(standin, request)
        status = standin.take_fault()
        if status is not None:
            return PlainTextResponse("Service Unavailable", status_code=status)
        status, payload = standin.handle_graphql(dict(request.headers), body)
        return Response(json.dumps(payload), status_code=status, media_type="application/json")

    async def hang(standin: SaleorStandIn, request: Request) -> None:
        """Keep the request waiting `hang_seconds`, or until its client gives up."""
        faults = standin.faults
        faults.hanging += 1
        faults.most_hanging = max(faults.most_hanging, faults.hanging)
        try:
            for _ in range(int(faults.hang_seconds / HANG_POLL_SECONDS)):
                if await request.is_disconnected():
                    break
                await asyncio.sleep(HANG_POLL_SECONDS)
        finally:
            faults.hanging -= 1

    async def jwks(_request: Request) -> Response:
        if standin.faults.jwks_down:
            return PlainTextResponse("Service Unavailable", status_code=503)
        return Response(json.dumps(standin.jwks_fetch()), media_type="application/json")

    app = Starlette(
        routes=[
            Route("/graphql/", graphql, methods=["POST"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET"]),
        ]
    )
    app.router.redirect_slashes = False
    return app


class ServerThread:
    """uvicorn on 127.0.0.1 with a pre-bound free port, run in a daemon thread."""

    def __init__(self, app: Starlette) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Start serving and wait until the socket accepts requests."""
        if self.thread is not None:
            return
        self.thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self.sock]},
            name=f"saleor-standin-{self.port}",
            daemon=True,
        )
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("Saleor stand-in server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        if self.thread is None:
            return
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.thread = None
        self.sock.close()
