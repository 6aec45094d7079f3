"""The app's order records: state changes made together are all kept; none once an uninstall
has begun (it deletes the auth record first, then the rest)."""

from __future__ import annotations

import asyncio
import time

from saleor_app.store.orders import Decision, OrderRecord, OrderRepository, OrderState
from saleor_app.store.tenants import auth_key
from tests.support.shop import Shop

ORDER_ID = "T3JkZXI6NDI="


async def held_record(shop: Shop) -> OrderRepository:
    orders = OrderRepository(shop.redis, (await shop.tenant()).id)
    record = OrderRecord(ORDER_ID, "42", "default-channel", Decision.CHALLENGE, 60.0, [],
                         OrderState.HELD, time.time())
    assert await orders.create(record)
    return orders


async def test_state_changes_made_together_are_all_kept(shop: Shop) -> None:
    orders = await held_record(shop)
    events = [f"event {i}" for i in range(8)]
    changed = await asyncio.gather(
        *(orders.set_state(ORDER_ID, OrderState.HELD, event) for event in events)
    )
    assert all(record is not None for record in changed)
    record = await orders.get(ORDER_ID)
    assert record is not None
    assert sorted(entry["event"] for entry in record.history) == sorted(events)


async def test_no_state_change_is_written_once_an_uninstall_has_begun(shop: Shop) -> None:
    orders = await held_record(shop)
    tenant = await shop.tenant()
    await shop.redis.delete(auth_key(tenant.id))
    assert await orders.set_state(ORDER_ID, OrderState.CONFIRMED, "late job") is None
    record = await orders.get(ORDER_ID)
    assert record is not None and record.state is OrderState.HELD and record.history == []
