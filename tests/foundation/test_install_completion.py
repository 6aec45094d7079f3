"""An install completes when the app has switched its webhooks on in that Saleor. One whose
Saleor never lets it do that is dropped, with everything it stored; a shop that completed its
install once is never dropped for a later failure."""

from __future__ import annotations

from collections.abc import Callable

from saq import Job

from saleor_app.jobs.webhook_activation import ACTIVATION_ATTEMPTS, activate_webhooks
from saleor_app.store.tenants import TenantRepository
from tests.orders.test_expiry_and_reconcile import side_context
from tests.standin import SaleorStandIn
from tests.support.app_server import AppServer
from tests.support.shop import Shop, wait_for

LAST_ATTEMPT = Job(function="activate_webhooks", attempts=ACTIVATION_ATTEMPTS,
                   retries=ACTIVATION_ATTEMPTS)


async def test_a_saleor_that_refuses_the_activation_leaves_no_tenant(
    start_app: Callable[..., AppServer], shop: Shop
) -> None:
    with SaleorStandIn() as saleor:
        answer = saleor.handle_graphql

        def refuse_webhooks(headers: dict[str, str], body: bytes) -> tuple[int, object]:
            if b"AppWebhooks" in body:
                return 200, {"data": None, "errors": [{"message": "PermissionDenied"}]}
            return answer(headers, body)

        saleor.handle_graphql = refuse_webhooks  # type: ignore[method-assign]
        installed = await saleor.install(f"{shop.app.url}/api/manifest")
        assert installed.register_response is not None
        assert installed.register_response.status_code == 200
        repo = TenantRepository(shop.redis, shop.box)

        async def gone() -> bool:
            return await repo.get_by_api_url(saleor.api_url) is None

        await wait_for(gone)


async def test_a_completed_install_survives_a_later_failed_activation(shop: Shop) -> None:
    tenant = await shop.tenant()
    shop.saleor.set_down(True)
    async with side_context(shop) as ctx:
        await activate_webhooks({"app": ctx, "job": LAST_ATTEMPT}, tenant_id=tenant.id)
    shop.saleor.set_down(False)
    assert await TenantRepository(shop.redis, shop.box).get(tenant.id) is not None


async def test_an_install_whose_saleor_never_answers_is_dropped_at_the_last_attempt(
    shop: Shop,
) -> None:
    with SaleorStandIn() as saleor:
        answer = saleor.handle_graphql

        def never_answers(headers: dict[str, str], body: bytes) -> tuple[int, object]:
            if b"AppWebhooks" in body:
                return 503, {"detail": "Service Unavailable"}
            return answer(headers, body)

        saleor.handle_graphql = never_answers  # type: ignore[method-assign]
        await saleor.install(f"{shop.app.url}/api/manifest")
        repo = TenantRepository(shop.redis, shop.box)
        tenant = await repo.get_by_api_url(saleor.api_url)
        assert tenant is not None
        async with side_context(shop) as ctx:
            await activate_webhooks({"app": ctx, "job": LAST_ATTEMPT}, tenant_id=tenant.id)
        assert await repo.get(tenant.id) is None
        assert await shop.redis.keys(f"rotp:{{t:{tenant.id}}}:*") == []
