"""Who may call the merchant API: tokens from the tenant's Saleor, verified over real HTTP."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from saleor_app.store.sealing import SecretBox
from saleor_app.store.tenants import Tenant, TenantRepository
from tests.admin.support import admin
from tests.standin import SaleorStandIn
from tests.standin.keys import SigningKey, pooled_key
from tests.support.app_server import SECRET_KEY
from tests.support.captured import CAPTURED_API_URL, CAPTURED_DIR, captured_jwks
from tests.support.shop import Shop

ME = "query { me { email tokenType permissions } }"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def me_calls(saleor: SaleorStandIn) -> int:
    return sum(1 for r in saleor.requests if "MePermissions" in r.document)


async def test_app_bridge_token_is_accepted(shop: Shop) -> None:
    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    answer = await admin(shop, token, ME)
    assert answer.status_code == 200, answer.text
    me = answer.json()["data"]["me"]
    assert me["email"] == "admin@example.com" and me["tokenType"] == "thirdparty"
    assert "MANAGE_ORDERS" in me["permissions"]
    assert "set-cookie" not in answer.headers
    assert me_calls(shop.saleor) == 0, "App Bridge tokens carry their permissions"


async def test_authorization_bearer_header_is_accepted(shop: Shop) -> None:
    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    answer = await admin(shop, token, ME, header="Authorization")
    assert answer.status_code == 200, answer.text


async def test_staff_access_token_asks_saleor_once_and_caches(shop: Shop) -> None:
    token = shop.saleor.issue_staff_token(user_permissions=("MANAGE_ORDERS",))
    first = await admin(shop, token, ME)
    assert first.status_code == 200, first.text
    assert first.json()["data"]["me"]["tokenType"] == "access"
    assert me_calls(shop.saleor) == 1
    second = await admin(shop, token, ME, header="Authorization")
    assert second.status_code == 200
    assert me_calls(shop.saleor) == 1, "the second call used the cached permissions"
    me_request = next(r for r in shop.saleor.requests if "MePermissions" in r.document)
    assert me_request.identity.token_type == "access", "asked with the staff token itself"


async def test_staff_permission_cache_expires_with_the_token(shop: Shop) -> None:
    token = shop.saleor.issue_staff_token(user_permissions=("MANAGE_ORDERS",), ttl=120)
    assert (await admin(shop, token, ME)).status_code == 200
    tenant = await shop.tenant()
    keys = [k async for k in shop.redis.scan_iter(match=f"*{tenant.id}*staff-perms*")]
    assert len(keys) == 1
    ttl = await shop.redis.ttl(keys[0])
    assert 100 < ttl <= 121
    assert token not in keys[0], "the key holds a digest, not the token"


@pytest.mark.parametrize("kind", ["app_bridge", "staff"])
async def test_user_without_manage_orders_is_forbidden(shop: Shop, kind: str) -> None:
    saleor = shop.saleor
    perms = ("MANAGE_PRODUCTS",)
    token = (
        saleor.issue_app_bridge_token(shop.installed.app_id, user_permissions=perms)
        if kind == "app_bridge"
        else saleor.issue_staff_token(user_permissions=perms, email="clerk@example.com")
    )
    answer = await admin(shop, token, ME)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "PERMISSION_DENIED"
    assert "MANAGE_ORDERS" in answer.json()["error"]["message"]


async def test_app_bridge_permission_is_read_from_user_permissions(shop: Shop) -> None:
    """As app-sdk: `permissions` (app ∩ user) may be empty while the user holds the right."""
    token = shop.saleor.issue_app_bridge_token(
        shop.installed.app_id, user_permissions=("MANAGE_ORDERS",), permissions=[]
    )
    assert (await admin(shop, token, ME)).status_code == 200


async def test_missing_or_malformed_tokens_are_refused(shop: Shop) -> None:
    for token in (None, "", "not-a-jwt", "a.b.c"):
        answer = await admin(shop, token, ME)
        assert answer.status_code == 401, token
        assert answer.json()["error"]["code"] in ("NO_TOKEN", "INVALID_TOKEN")


async def test_expired_token_is_refused(shop: Shop) -> None:
    saleor = shop.saleor
    old = int(time.time()) - 400
    for token in (
        saleor.issue_app_bridge_token(shop.installed.app_id, iat=old, ttl=300),
        saleor.issue_staff_token(iat=old, ttl=300),
    ):
        answer = await admin(shop, token, ME)
        assert answer.status_code == 401
        assert "expired" in answer.json()["error"]["message"]


async def test_small_clock_skew_is_tolerated(shop: Shop) -> None:
    token = shop.saleor.issue_app_bridge_token(
        shop.installed.app_id, iat=int(time.time()) - 303, ttl=300
    )
    assert (await admin(shop, token, ME)).status_code == 200


async def test_forged_tokens_are_refused(shop: Shop) -> None:
    saleor = shop.saleor
    genuine = claims_of(saleor.issue_app_bridge_token(shop.installed.app_id))
    other_key = SigningKey(pooled_key(7))
    forged_other_kid = other_key.encode_jwt(genuine)
    header = {"alg": "RS256", "kid": saleor.kid, "typ": "JWT"}
    forged_same_kid = jwt.encode(genuine, other_key.private_key, algorithm="RS256", headers=header)
    hs256 = jwt.encode(genuine, "secret" * 6, algorithm="HS256", headers={"kid": saleor.kid})
    unsigned = jwt.encode(genuine, None, algorithm="none")
    for token in (forged_other_kid, forged_same_kid, hs256, unsigned):
        answer = await admin(shop, token, ME)
        assert answer.status_code == 401, answer.text


async def test_token_of_another_saleor_is_refused(shop: Shop) -> None:
    with SaleorStandIn(key_index=3) as other:
        token = other.issue_app_bridge_token(shop.installed.app_id)
        staff = other.issue_staff_token()
        for candidate in (token, staff):
            assert (await admin(shop, candidate, ME)).status_code == 401
        unknown = await admin(shop, token, ME, api_url=other.api_url)
        assert unknown.status_code == 401
        assert unknown.json()["error"]["code"] == "UNKNOWN_SALEOR"


async def test_token_with_another_issuer_is_refused(shop: Shop) -> None:
    saleor = shop.saleor
    claims = claims_of(saleor.issue_app_bridge_token(shop.installed.app_id))
    claims["iss"] = "https://elsewhere.example.com/graphql/"
    answer = await admin(shop, saleor.key.encode_jwt(claims), ME)
    assert answer.status_code == 401


async def test_token_for_another_app_is_refused(shop: Shop) -> None:
    token = shop.saleor.issue_app_bridge_token("QXBwOjk5OQ==")
    answer = await admin(shop, token, ME)
    assert answer.status_code == 401
    assert "another app" in answer.json()["error"]["message"]


async def test_refresh_tokens_are_refused(shop: Shop) -> None:
    claims = claims_of(shop.saleor.issue_staff_token())
    claims["type"] = "refresh"
    assert (await admin(shop, shop.saleor.key.encode_jwt(claims), ME)).status_code == 401


async def test_key_rotation_refetches_the_jwks_once(shop: Shop) -> None:
    saleor = shop.saleor
    saleor.rotate_key()
    fetches = saleor.jwks_fetches
    token = saleor.issue_app_bridge_token(shop.installed.app_id)
    assert (await admin(shop, token, ME)).status_code == 200
    assert saleor.jwks_fetches == fetches + 1
    assert (await shop.tenant()).jwks == saleor.jwks()
    assert (await admin(shop, token, ME)).status_code == 200
    assert saleor.jwks_fetches == fetches + 1


async def test_captured_claim_shapes_are_accepted(shop: Shop) -> None:
    """Tokens shaped exactly like the real Saleor 3.23 ones (claims, order, header)."""
    saleor = shop.saleor
    now = int(time.time())
    bridge = json.loads((CAPTURED_DIR / "app_bridge_token.claims.json").read_text())["claims"]
    staff = json.loads((CAPTURED_DIR / "staff_token.claims.json").read_text())["claims"]
    user_id = claims_of(saleor.issue_staff_token(user_permissions=("MANAGE_ORDERS",)))["user_id"]
    token_key = saleor.users[user_id]["_jwt_token_key"]
    common = {"iat": now, "exp": now + 300, "iss": saleor.api_url, "user_id": user_id,
              "token": token_key}
    bridge_token = saleor.key.encode_jwt({**bridge, **common, "app": shop.installed.app_id})
    staff_token = saleor.key.encode_jwt({**staff, **common})
    answer = await admin(shop, bridge_token, ME)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["me"]["tokenType"] == "thirdparty"
    answer = await admin(shop, staff_token, ME)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["me"]["permissions"] == ["MANAGE_ORDERS"]


async def test_real_captured_token_verifies_and_is_refused_only_as_expired(shop: Shop) -> None:
    """The real App Bridge JWT of a Saleor 3.23 server, against that server's JWKS."""
    claims = json.loads((CAPTURED_DIR / "app_bridge_token.claims.json").read_text())["claims"]
    real = Tenant.new(CAPTURED_API_URL, claims["app"], "app-token", captured_jwks())
    await TenantRepository(shop.redis, SecretBox(SECRET_KEY)).install(real)
    token = (CAPTURED_DIR / "app_bridge_token.jwt").read_text().strip()
    answer = await admin(shop, token, ME, api_url=CAPTURED_API_URL)
    assert answer.status_code == 401
    assert "expired" in answer.json()["error"]["message"], "the signature itself verified"
    tampered = token.rsplit(".", 1)[0] + "." + "A" * 342
    answer = await admin(shop, tampered, ME, api_url=CAPTURED_API_URL)
    assert answer.status_code == 401
    assert "expired" not in answer.json()["error"]["message"]


async def test_malformed_requests_get_400(shop: Shop) -> None:
    import httpx

    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    headers = {"Authorization-Bearer": token, "Saleor-Api-Url": shop.saleor.api_url}
    async with httpx.AsyncClient(base_url=shop.app.url) as http:
        for body in (b"", b"[]", b"{", b'{"query": 3}', b'{"query": "{ me { email } }", "variables": 1}'):
            answer = await http.post("/api/admin/graphql", content=body, headers=headers)
            assert answer.status_code == 400, body
            assert answer.json()["error"]["code"] == "MALFORMED_REQUEST"


async def test_tokens_and_secrets_never_reach_the_logs(shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    from saleor_app.observability import JsonFormatter

    saleor = shop.saleor
    caplog.set_level("DEBUG")
    bridge = saleor.issue_app_bridge_token(shop.installed.app_id)
    staff = saleor.issue_staff_token()
    expired = saleor.issue_app_bridge_token(shop.installed.app_id, iat=int(time.time()) - 400)
    forged = SigningKey(pooled_key(7)).encode_jwt(claims_of(bridge))
    secret = "twilio-secret-that-must-not-leak"
    update = ("mutation($t: String) { updateSettings(input: {providers: [{provider: \"twilio\", "
              "twilioAuthToken: $t}], virtualNumber: \"nope\"}) { errors { field } } }")
    for token in (bridge, staff, expired, forged, "garbage"):
        await admin(shop, token, ME)
        await admin(shop, token, update, {"t": secret})
    await admin(shop, bridge, "mutation { revealGenericSecret }")
    await admin(shop, bridge, "mutation { sendTestSms { ok } }")
    tenant = await shop.tenant()
    lines = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "dashboard token refused" in lines
    for value in (bridge, staff, expired, forged, secret, tenant.inbound_secret,
                  bridge.split(".")[2], staff.split(".")[2]):
        assert value not in lines
