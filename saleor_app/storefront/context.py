"""Per-request (or per-websocket) context of the public API, and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import GraphQLError
from saleor_app.context import AppContext
from saleor_app.store.keys import tenant_id_for
from saleor_app.storefront.events import EventHub
from saleor_app.storefront.limits import MAX_HEADER_CHARS, RateLimits
from saleor_app.storefront.settings_cache import SettingsCache
from saleor_app.storefront.usecases import Shop


class StorefrontError(GraphQLError):
    """An error a storefront may act on, with a stable `extensions.code`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, extensions={"code": code})
        self.code = code


def valid_api_url(value: object) -> str | None:
    """The Saleor API URL when it is a plausible http(s) URL, else None."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_HEADER_CHARS:
        return None
    return value if value.startswith(("http://", "https://")) else None


@dataclass
class StorefrontContext:
    """The app, the tenant named by the client, and who the client is."""

    app: AppContext
    hub: EventHub
    limits: RateLimits
    client_address: str
    cache: SettingsCache
    saleor_api_url: str | None = None
    origin: str | None = None
    connection_params: dict[str, object] | None = field(default=None)

    @property
    def shop(self) -> Shop:
        """The named tenant (which may not exist: then nothing is ever found)."""
        url = self.saleor_api_url
        if url is None and self.connection_params is not None:
            url = valid_api_url(self.connection_params.get("saleorApiUrl"))
        if url is None:
            raise StorefrontError("NO_TENANT", "send the Saleor-Api-Url header")
        return Shop(self.app, tenant_id_for(url), self.cache)
