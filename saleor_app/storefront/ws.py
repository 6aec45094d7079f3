"""graphql-transport-ws on `/graphql`: the tenant comes in `connection_init`'s `saleorApiUrl`."""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from saleor_app.store.keys import tenant_id_for
from saleor_app.storefront.context import StorefrontContext, valid_api_url
from saleor_app.storefront.cors import (
    app_origin,
    normalize_origin,
    note_refused_origin,
    origin_allowed,
)
from saleor_app.storefront.limits import (
    CONNECTION_INIT_SECONDS,
    SUBSCRIPTIONS_PER_CONNECTION,
    allow_client,
)
from saleor_app.storefront.schema import schema
from saleor_app.storefront.services import services

log = logging.getLogger(__name__)


class StorefrontSocket(GraphQL[StorefrontContext, None]):
    """Strawberry's websocket handling with our tenant, origin and rate checks."""

    def __init__(self) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=CONNECTION_INIT_SECONDS),
            max_subscriptions_per_connection=SUBSCRIPTIONS_PER_CONNECTION,
        )

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """Defer the origin check to `connection_init`, which names the tenant."""
        return True

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> StorefrontContext:
        found = services(request.app)
        return StorefrontContext(
            app=request.app.state.ctx,
            hub=found.hub,
            limits=found.limits,
            client_address=request.client.host if request.client else "unknown",
            cache=found.settings,
            origin=request.headers.get("origin"),
        )

    async def on_ws_connect(
        self, context: StorefrontContext
    ) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        api_url = valid_api_url(params.get("saleorApiUrl"))
        if api_url is None:
            log.warning("storefront websocket without saleorApiUrl")
            raise ConnectionRejectionError
        if not await allow_client(context.app.store.client, context.limits, context.client_address):
            log.warning("storefront websocket rate limited")
            raise ConnectionRejectionError
        origin = context.origin
        if origin is not None:
            tenant_id = tenant_id_for(api_url)
            settings = await context.cache.get(context.app, tenant_id)
            wanted = normalize_origin(origin)
            if wanted != app_origin(context.app) and not origin_allowed(
                origin, settings.allowed_origins
            ):
                log.warning("storefront websocket from a foreign origin")
                if wanted is not None:
                    await note_refused_origin(context.app.store.client, tenant_id, wanted)
                raise ConnectionRejectionError
        return await super().on_ws_connect(context)
