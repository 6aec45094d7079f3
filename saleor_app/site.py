"""The app's public pages: the front door, support, data privacy and the guides."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from saleor_app.context import AppContext
from saleor_app.paths import DASHBOARD_DIR, RESOURCES
from saleor_app.request_context import error_response
from saleor_app.version import app_version

GUIDES = {
    "operations": "Operations: processes, Redis, health, metrics, logs, backups, upgrades",
    "development": "Development: a local Saleor, a tunnel, each SMS provider step by step",
    "storefront": "Storefront: the GraphQL API and the drop-in widget",
    "security": "Security: what a verification proves, and the app's defences",
}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
}
TEMPLATES = Environment(
    loader=FileSystemLoader(DASHBOARD_DIR / "site"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def only_this_machine(url: str) -> bool:
    """The URL names this machine (loopback, unspecified or localhost): no Saleor elsewhere
    can reach it."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _page(request: Request, name: str) -> HTMLResponse:
    ctx: AppContext = request.app.state.ctx
    app_url = ctx.settings.app_url
    html = TEMPLATES.get_template(name).render(
        version=app_version(),
        assets=app_url + "/dashboard/assets",
        manifest_url=app_url + "/api/manifest",
        local=only_this_machine(app_url),
        demo=getattr(request.app.state, "demo", False),
        docs=GUIDES.items(),
    )
    return HTMLResponse(html, headers=HEADERS)


async def front_door(request: Request) -> Response:
    """GET /: what the app is and the manifest URL to install it from."""
    return _page(request, "front.html")


async def support(request: Request) -> Response:
    """GET /support: the manifest's default support page."""
    return _page(request, "support.html")


async def privacy(request: Request) -> Response:
    """GET /privacy: the manifest's default data-privacy page."""
    return _page(request, "privacy.html")


async def guide(request: Request) -> Response:
    """GET /docs/{name}: one of the guides, as the Markdown it is written in."""
    name = request.path_params["name"]
    if name not in GUIDES:
        return error_response(404, "NO_SUCH_GUIDE", f"guides: {', '.join(GUIDES)}")
    text = (RESOURCES / "docs" / f"{name}.md").read_text(encoding="utf-8")
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8", headers=HEADERS)


def site_routes() -> list[BaseRoute]:
    """Routes of the public pages."""
    return [
        Route("/", front_door, methods=["GET"]),
        Route("/support", support, methods=["GET"]),
        Route("/privacy", privacy, methods=["GET"]),
        Route("/docs/{name}", guide, methods=["GET"]),
    ]
