"""Calling the merchant API over real HTTP, as the dashboard page does."""

from __future__ import annotations

from typing import Any

import httpx

from saleor_app.store.orders import OrderRepository, OrderState
from tests.support.shop import Shop, wait_for

RISKY = {"total": 900.0, "currency": "EUR", "billing_country": "FR", "shipping_country": "US"}


async def admin(
    shop: Shop,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    api_url: str | None = None,
    header: str = "Authorization-Bearer",
) -> httpx.Response:
    """POST /api/admin/graphql with the token in `header` and Saleor-Api-Url."""
    headers = {"Saleor-Api-Url": api_url or shop.saleor.api_url}
    if token is not None:
        headers[header] = f"Bearer {token}" if header == "Authorization" else token
    async with httpx.AsyncClient(base_url=shop.app.url, timeout=20) as http:
        return await http.post(
            "/api/admin/graphql", json={"query": query, "variables": variables or {}},
            headers=headers,
        )


async def data(shop: Shop, query: str, variables: dict[str, Any] | None = None) -> Any:
    """The data of a call made with a valid dashboard token; fails on any error."""
    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    answer = await admin(shop, token, query, variables)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


async def held_order(shop: Shop, **fields: Any) -> dict[str, Any]:
    """A risky order the app holds (ORDER_CREATED delivered through the real webhook)."""
    order = shop.saleor.add_order(**{**RISKY, **fields})
    (answer,) = await shop.saleor.send_event("ORDER_CREATED", order)
    assert answer.status_code == 200, answer.text
    tenant_id = (await shop.tenant()).id
    repo = OrderRepository(shop.redis, tenant_id)
    record = await wait_for(lambda: repo.get(order["id"]))
    assert record.state is OrderState.HELD
    return order
