"""Install through real HTTP, exactly as Saleor calls the app."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.standin import InstallError, SaleorStandIn
from tests.support.app_server import AppServer
from tests.support.shop import Shop, wait_for


async def test_install_stores_tenant_and_activates_webhooks(shop: Shop) -> None:
    saleor = shop.saleor
    assert shop.installed.register_response is not None
    assert shop.installed.register_response.status_code == 200
    assert shop.installed.register_response.json() == {"success": True}
    tenant = await shop.tenant()
    assert tenant.app_id == shop.installed.app_id
    assert tenant.token == shop.installed.token
    assert tenant.jwks == saleor.jwks()
    app = shop.installed.app

    def all_active() -> bool:
        return all(hook["isActive"] for hook in app.node["webhooks"])

    await wait_for(all_active)
    assert {call.name for call in saleor.calls("webhookUpdate")} == {"webhookUpdate"}


async def test_token_is_sealed_at_rest(shop: Shop) -> None:
    tenant = await shop.tenant()
    raw = await shop.redis.hgetall(f"rotp:{{t:{tenant.id}}}:auth")
    assert shop.installed.token not in str(raw)
    assert tenant.inbound_secret not in str(raw)


async def test_second_install_replaces_token_and_keeps_inbound_url(shop: Shop) -> None:
    first = await shop.tenant()
    shop.saleor.delete_app(shop.installed.app_id)
    again = await shop.saleor.install(f"{shop.app.url}/api/manifest", app_name="again")
    second = await shop.tenant()
    assert again.token != shop.installed.token
    assert second.token == again.token and second.app_id == again.app_id
    assert second.inbound_key == first.inbound_key


async def test_disallowed_saleor_is_refused(
    saleor: SaleorStandIn, start_app: Callable[..., AppServer]
) -> None:
    app = start_app(allowed_saleor_api_urls=["https://*.saleor.cloud/graphql/"])
    with pytest.raises(InstallError) as refused:
        await saleor.install(f"{app.url}/api/manifest")
    response = refused.value.response
    assert response is not None and response.status_code == 403
    assert response.json()["error"]["code"] == "SALEOR_URL_PROHIBITED"


async def test_allowed_pattern_accepts_matching_saleor(
    saleor: SaleorStandIn, start_app: Callable[..., AppServer]
) -> None:
    app = start_app(
        allowed_saleor_api_urls=["https://*.saleor.cloud/graphql/", "http://127.0.0.1:*/graphql/"]
    )
    result = await saleor.install(f"{app.url}/api/manifest")
    assert result.register_response is not None and result.register_response.status_code == 200


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, b'{"auth_token": "x"}', 400, "MISSING_SALEOR_API_URL"),
        ({"Saleor-Api-Url": "http://127.0.0.1:9/graphql/"}, b"{}", 400, "MISSING_AUTH_TOKEN"),
        ({"Saleor-Api-Url": "http://127.0.0.1:9/graphql/"}, b"not json", 400, "MISSING_AUTH_TOKEN"),
        (
            {"Saleor-Api-Url": "http://127.0.0.1:9/graphql/"},
            b'{"auth_token": "x"}',
            401,
            "UNKNOWN_APP_ID",
        ),
    ],
)
def test_bad_register_requests(
    app_server: AppServer, headers: dict, body: bytes, status: int, code: str
) -> None:
    with app_server.client() as http:
        answer = http.post("/api/register", content=body, headers=headers)
    assert answer.status_code == status
    assert answer.json() == {
        "success": False,
        "error": {"code": code, "message": answer.json()["error"]["message"]},
    }


async def test_forged_token_is_refused(saleor: SaleorStandIn, app_server: AppServer) -> None:
    answer = httpx.post(
        f"{app_server.url}/api/register",
        json={"auth_token": "not-a-token-saleor-issued"},
        headers={"Saleor-Api-Url": saleor.api_url},
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "UNKNOWN_APP_ID"


async def test_restart_keeps_tenants(
    saleor: SaleorStandIn, start_app: Callable[..., AppServer], tmp_path
) -> None:
    first = start_app(redis_url="", data_dir=tmp_path / "embedded")
    installed = await saleor.install(f"{first.url}/api/manifest")
    first.stop()
    second = start_app(redis_url="", data_dir=tmp_path / "embedded")
    tenant = await second_tenant(second, saleor.api_url)
    assert tenant is not None and tenant.app_id == installed.app_id


async def second_tenant(app: AppServer, api_url: str):
    import redis.asyncio as aioredis

    from saleor_app.store.sealing import SecretBox
    from saleor_app.store.tenants import TenantRepository
    from tests.support.app_server import SECRET_KEY

    client = aioredis.Redis.from_url(app.ctx.store.url, decode_responses=True)
    try:
        return await TenantRepository(client, SecretBox(SECRET_KEY)).get_by_api_url(api_url)
    finally:
        await client.aclose()


async def test_token_of_another_app_of_the_same_saleor_is_refused(shop: Shop) -> None:
    saleor = shop.saleor
    other = saleor.apps[shop.installed.app_id].token
    saleor.apps[shop.installed.app_id].node["identifier"] = "someone.else"
    answer = httpx.post(f"{shop.app.url}/api/register", json={"auth_token": other},
                        headers={"Saleor-Api-Url": saleor.api_url})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "WRONG_APP"
    assert (await shop.tenant()).token == shop.installed.token
