"""Acting on a cached tenant view, once more on a fresh one when the store says it is stale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from saleor_app.context import AppContext
from saleor_app.store.decisions import Stale
from saleor_app.store.tenant_cache import TenantView
from saleor_app.store.tenants import TenantGone

T = TypeVar("T")

__all__ = ["TenantGone", "generation", "with_view"]


def generation(view: TenantView) -> tuple[str, str]:
    """The generation key and token a store script checks the view against."""
    return view.generation_key, view.generation


async def with_view(
    ctx: AppContext,
    tenant_id: str,
    act: Callable[[TenantView], Awaitable[T]],
    view: TenantView | None = None,
) -> tuple[TenantView, T]:
    """`act` on the cached view (or `view`); on Stale, forget it and act once more on a fresh
    one. Raises TenantGone, or Stale when the tenant keeps changing."""
    current = view or await ctx.tenant_cache.by_id(tenant_id)
    if current is None:
        raise TenantGone
    try:
        return current, await act(current)
    except Stale:
        ctx.tenant_cache.forget(tenant_id)
    current = await ctx.tenant_cache.by_id(tenant_id, fresh=True)
    if current is None:
        raise TenantGone
    return current, await act(current)
