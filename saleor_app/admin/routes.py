"""Routes of the merchant side: the API, the dashboard page, its assets and the widget."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from saleor_app.admin.api import admin_graphql
from saleor_app.admin.pages import dashboard_page, order_widget
from saleor_app.paths import DASHBOARD_DIR


def admin_routes() -> list[BaseRoute]:
    """Exact paths (no redirects): Saleor's dashboard follows none."""
    return [
        Route("/api/admin/graphql", admin_graphql, methods=["POST"]),
        Route("/dashboard", dashboard_page, methods=["GET"]),
        Route("/dashboard/order-widget", order_widget, methods=["POST"]),
        Mount(
            "/dashboard/assets",
            app=StaticFiles(directory=DASHBOARD_DIR / "admin" / "static"),
            name="dashboard-assets",
        ),
    ]
