"""What the public API keeps per app process: the event hub, the limits, the origin list."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.applications import Starlette

from saleor_app.context import AppContext
from saleor_app.storefront.events import EventHub
from saleor_app.storefront.limits import RateLimits
from saleor_app.storefront.settings_cache import SettingsCache


@dataclass
class Services:
    """Per-process state of the storefront API (limits may be replaced, e.g. by benchmarks)."""

    hub: EventHub
    limits: RateLimits = field(default_factory=RateLimits)
    settings: SettingsCache = field(default_factory=SettingsCache)


def services(app: Starlette) -> Services:
    """The storefront services of a running app."""
    found: Services = app.state.storefront
    return found


@contextlib.asynccontextmanager
async def storefront_services(app: Starlette, ctx: AppContext) -> AsyncIterator[Services]:
    """Open the storefront's services for the app's lifetime (`app.state.storefront_limits`,
    when set before start-up, replaces the default rate limits)."""
    limits = getattr(app.state, "storefront_limits", None) or RateLimits()
    opened = Services(hub=EventHub(ctx.store.url), limits=limits)
    app.state.storefront = opened
    try:
        yield opened
    finally:
        await opened.hub.close()
