"""No shop's Saleor can stall another shop's release: installs whose Saleor never answers and a
shop whose Saleor hangs on every orderConfirm, while an honest shop's order is released."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from saleor_app.jobs.fair_share import CONCURRENCY, SHARE
from saleor_app.jobs.periodic import reconcile_all
from saleor_app.jobs.queue import Lane
from saleor_app.store.saleor_health import SaleorHealth
from tests.orders.test_expiry_and_reconcile import side_context
from tests.orders.test_hold_and_release import CALM, RISKY, confirms, create_order, held_challenge
from tests.standin import SaleorStandIn
from tests.support.app_server import AppServer
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import send_generic

SALEOR_TIMEOUT = 20.0
HANG = 60.0
HANGING_INSTALLS = 40
STALLED_RELEASES = 30


@pytest.fixture
def app_server(start_app: Callable[..., AppServer]) -> AppServer:
    """An app whose calls to Saleor time out only after 20 s, as hanging calls do in life."""
    return start_app(saleor_timeout_seconds=SALEOR_TIMEOUT)


async def install_hanging_shops(app: AppServer, count: int) -> SaleorStandIn:
    """`count` installs, each its own Saleor API URL, whose webhook activation never answers."""
    saleor = SaleorStandIn().start()
    saleor.hang("AppWebhooks", seconds=HANG)
    base = saleor.api_url
    for n in range(count):
        saleor.api_url = f"{base}?shop={n}"
        installed = await saleor.install(f"{app.url}/api/manifest")
        assert installed.register_response is not None
        assert installed.register_response.status_code == 200
        saleor.delete_app(installed.app.id)
    return saleor


async def stalled_shop(app: AppServer, orders: int) -> SaleorStandIn:
    """An installed shop with `orders` calm orders to release, whose Saleor then hangs on each
    orderConfirm."""
    saleor = SaleorStandIn().start()
    installed = await saleor.install(f"{app.url}/api/manifest")
    await wait_for(lambda: all(hook["isActive"] for hook in installed.app.webhooks))
    saleor.hang("orderConfirm", seconds=HANG)
    for n in range(orders):
        order = saleor.add_order(email=f"buyer{n}@example.com",
                                 billing_phone=f"+336123456{n:02d}", **CALM)
        (answer,) = await saleor.send_event("ORDER_CREATED", order)
        assert answer.status_code == 200, answer.text
    return saleor


async def test_an_honest_release_does_not_wait_for_hanging_saleors(shop: Shop) -> None:
    order = await create_order(shop, **RISKY)
    _, challenge = await held_challenge(shop, order)
    stalled = await stalled_shop(shop.app, STALLED_RELEASES)
    installs = await install_hanging_shops(shop.app, HANGING_INSTALLS)
    try:
        await wait_for(lambda: stalled.faults.hanging >= SHARE[Lane.RELEASES])

        sms = await send_generic(await shop.inbound_url("generic"),
                                 (await shop.tenant()).inbound_secret, SHOPPER_PHONE,
                                 VIRTUAL_NUMBER, challenge.code)
        assert sms.status_code == 200
        await wait_for(lambda: confirms(shop.saleor, order["id"]), timeout=SALEOR_TIMEOUT / 2)
        assert shop.saleor.order(order["id"])["status"] == "UNFULFILLED"

        assert stalled.faults.hanging >= SHARE[Lane.RELEASES], "released before any timeout"
        assert installs.faults.hanging == CONCURRENCY[Lane.INSTALLS]
        assert stalled.faults.most_hanging <= SHARE[Lane.RELEASES] + SHARE[Lane.DEGRADED]
        assert installs.faults.most_hanging <= CONCURRENCY[Lane.INSTALLS]
    finally:
        installs.stop()
        stalled.stop()


async def test_a_failing_saleor_gets_the_short_timeout_and_waits_out_the_reconciliation(
    shop: Shop,
) -> None:
    tenant = await shop.tenant()
    health = SaleorHealth(shop.redis)
    shop.saleor.set_down(True)
    await create_order(shop, **CALM)
    await wait_for(lambda: health.failures(tenant.id))
    failed_before = await health.failures(tenant.id)
    shop.saleor.hang("query", seconds=HANG)
    shop.saleor.set_down(False)

    async def failed_again() -> bool:
        return await health.failures(tenant.id) > failed_before

    await wait_for(failed_again, timeout=SALEOR_TIMEOUT / 2)
    assert shop.saleor.faults.most_hanging == SHARE[Lane.DEGRADED]

    shop.saleor.reset_records()
    async with side_context(shop) as ctx:
        await reconcile_all(ctx)
    assert [r for r in shop.saleor.requests if r.operation_name == "UnconfirmedOrders"] == []
