"""Routes of the public storefront API and the widget script."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from saleor_app.paths import DASHBOARD_DIR
from saleor_app.storefront.http import graphql_http
from saleor_app.storefront.ws import StorefrontSocket

WIDGET_FILE = DASHBOARD_DIR / "widget" / "widget.js"


async def widget_js(request: Request) -> Response:
    """GET /widget.js: the `<reverse-otp-challenge>` custom element."""
    return FileResponse(
        WIDGET_FILE,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


def storefront_routes() -> list[BaseRoute]:
    """`/graphql` over HTTP and websocket, and `/widget.js`."""
    return [
        Route("/graphql", graphql_http, methods=["POST", "OPTIONS"]),
        WebSocketRoute("/graphql", StorefrontSocket()),
        Route("/widget.js", widget_js, methods=["GET"]),
    ]
