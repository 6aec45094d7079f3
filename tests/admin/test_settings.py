"""Settings through the merchant API: round trip, write-only secrets, readable field errors."""

from __future__ import annotations

from saleor_app.store.tenant_settings import TenantSettingsRepository
from tests.admin.support import admin, data
from tests.support.shop import VIRTUAL_NUMBER, Shop

SETTINGS = """
settings {
  virtualNumber senderPolicy challengeMode codeLength codeAlphabet keyword ttlSeconds
  maxAttempts expiryPolicy rejectPolicy allowedOrigins outboundSmsPrice outboundSmsCurrency
  providers { provider enabled inboundUrl twilioAuthTokenSet vonageSignatureSecretSet
              vonageSignatureMethod plivoAuthTokenSet telnyxPublicKeySet }
  inboundUrls { provider url }
  channels { channel challengeMode risk { rule value } }
}
"""
UPDATE = (
    "mutation($input: SettingsInput!) { updateSettings(input: $input) { "
    + SETTINGS
    + " errors { field message } } }"
)
TWILIO_SECRET = "twilio-auth-token-0123456789abcdef"


async def update(shop: Shop, **change: object) -> dict:
    return (await data(shop, UPDATE, {"input": change}))["updateSettings"]


async def current(shop: Shop) -> dict:
    return (await data(shop, "query {" + SETTINGS + "}"))["settings"]


def provider(settings: dict, name: str) -> dict:
    return next(p for p in settings["providers"] if p["provider"] == name)


async def test_defaults_and_inbound_urls(shop: Shop) -> None:
    settings = await current(shop)
    tenant = await shop.tenant()
    assert settings["virtualNumber"] == VIRTUAL_NUMBER
    assert settings["senderPolicy"] == "STRICT" and settings["challengeMode"] == "RISK_BASED"
    urls = {u["provider"]: u["url"] for u in settings["inboundUrls"]}
    assert set(urls) == {"smsmode", "twilio", "vonage", "plivo", "telnyx", "whatsapp", "generic"}
    assert urls["generic"] == f"{shop.app.url}/api/sms/generic/{tenant.inbound_key}"
    assert provider(settings, "generic")["enabled"] is True


async def test_round_trip_with_secret_hidden(shop: Shop) -> None:
    result = await update(
        shop,
        virtualNumber="+33 7 57 00 00 02",
        senderPolicy="SAME_COUNTRY",
        challengeMode="ALWAYS",
        codeLength=9,
        keyword="shop",
        ttlSeconds=900,
        maxAttempts=3,
        expiryPolicy="CANCEL",
        rejectPolicy="KEEP_HELD",
        allowedOrigins=["https://shop.example.com/"],
        outboundSmsPrice=0.09,
        providers=[{"provider": "twilio", "enabled": True, "twilioAuthToken": TWILIO_SECRET}],
        channels=[{"channel": "default-channel", "challengeMode": "OFF",
                   "risk": [{"rule": "high_amount", "value": 50}, {"rule": "challenge_at", "value": 40}]}],
    )
    assert result["errors"] == []
    answer = await admin(shop, shop.saleor.issue_app_bridge_token(shop.installed.app_id),
                         "query {" + SETTINGS + "}")
    assert TWILIO_SECRET not in answer.text
    settings = answer.json()["data"]["settings"]
    assert settings["virtualNumber"] == "+33757000002"
    assert settings["keyword"] == "SHOP" or settings["keyword"] == "shop"
    assert settings["allowedOrigins"] == ["https://shop.example.com"]
    assert settings["codeLength"] == 9 and settings["ttlSeconds"] == 900
    assert settings["expiryPolicy"] == "CANCEL" and settings["rejectPolicy"] == "KEEP_HELD"
    assert provider(settings, "twilio") | {"inboundUrl": None} == {
        "provider": "twilio", "enabled": True, "inboundUrl": None, "twilioAuthTokenSet": True,
        "vonageSignatureSecretSet": False, "vonageSignatureMethod": None,
        "plivoAuthTokenSet": False, "telnyxPublicKeySet": False,
    }
    assert settings["channels"] == [{"channel": "default-channel", "challengeMode": "OFF",
                                      "risk": [{"rule": "challenge_at", "value": 40.0},
                                               {"rule": "high_amount", "value": 50.0}]}]
    repo = TenantSettingsRepository(shop.redis, shop.box)
    stored = await repo.get((await shop.tenant()).id)
    assert stored.provider("twilio").twilio_auth_token == TWILIO_SECRET
    assert stored.channels["default-channel"].risk == {"high_amount": 50.0, "challenge_at": 40.0}


async def test_partial_update_keeps_the_rest_and_the_secrets(shop: Shop) -> None:
    await update(shop, providers=[{"provider": "twilio", "enabled": True,
                                   "twilioAuthToken": TWILIO_SECRET}])
    result = await update(shop, keyword="SHOP", providers=[{"provider": "twilio"}])
    assert result["errors"] == []
    settings = result["settings"]
    assert settings["keyword"] == "SHOP" and settings["virtualNumber"] == VIRTUAL_NUMBER
    assert provider(settings, "twilio")["twilioAuthTokenSet"] is True
    assert provider(settings, "twilio")["enabled"] is True
    cleared = await update(shop, providers=[{"provider": "twilio", "twilioAuthToken": ""}])
    assert provider(cleared["settings"], "twilio")["twilioAuthTokenSet"] is False


async def test_field_errors_a_person_understands(shop: Shop) -> None:
    result = await update(
        shop,
        virtualNumber="12",
        codeLength=2,
        ttlSeconds=5,
        maxAttempts=99,
        allowedOrigins=["shop.example.com"],
        outboundSmsPrice=-1,
        channels=[{"channel": "web", "risk": [{"rule": "moon_phase", "value": 3}]}],
    )
    errors = {e["field"]: e["message"] for e in result["errors"]}
    assert set(errors) == {"virtualNumber", "codeLength", "ttlSeconds", "maxAttempts",
                           "allowedOrigins", "outboundSmsPrice", "channels.web.risk"}
    assert errors["virtualNumber"].startswith("The virtual number must be a phone number")
    assert "+33612345678" in errors["virtualNumber"]
    assert "between 4 and 16" in errors["codeLength"]
    assert "between 120 and 1800 seconds" in errors["ttlSeconds"]
    assert "moon_phase" in errors["channels.web.risk"]
    for message in errors.values():
        assert message[0].isupper() and message.endswith("."), message
    assert result["settings"]["virtualNumber"] == VIRTUAL_NUMBER, "nothing was saved"
    assert (await current(shop))["codeLength"] == 8


async def test_guessable_code_without_strict_sender_is_refused(shop: Shop) -> None:
    result = await update(shop, senderPolicy="ANY", codeAlphabet="DIGITS", codeLength=6)
    (error,) = result["errors"]
    assert error["field"] == "codeLength"
    assert "guessable" in error["message"] and "STRICT" in error["message"]


async def test_bad_keyword_and_unknown_provider(shop: Shop) -> None:
    result = await update(shop, keyword="STOP",
                          providers=[{"provider": "carrier-pigeon", "enabled": True}])
    fields = {e["field"] for e in result["errors"]}
    assert fields == {"keyword", "providers"}


async def test_wrong_enum_is_a_graphql_error_not_a_500(shop: Shop) -> None:
    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    answer = await admin(shop, token, UPDATE, {"input": {"senderPolicy": "SOMETIMES"}})
    assert answer.status_code == 200
    assert "SOMETIMES" in answer.json()["errors"][0]["message"]


async def test_introspection_is_on(shop: Shop) -> None:
    result = await data(shop, "query { __schema { mutationType { fields { name } } } }")
    names = {f["name"] for f in result["__schema"]["mutationType"]["fields"]}
    assert {"updateSettings", "approveOrder", "rejectOrder", "disableAutoConfirm",
            "sendTestSms"} <= names


async def test_generic_signing_secret_only_on_explicit_request(shop: Shop) -> None:
    tenant = await shop.tenant()
    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    settings = await admin(shop, token, "query {" + SETTINGS + "}")
    assert tenant.inbound_secret not in settings.text
    revealed = await data(shop, "mutation { revealGenericSecret }")
    assert revealed["revealGenericSecret"] == tenant.inbound_secret


async def test_malformed_origins_and_unknown_vonage_methods_are_refused(shop: Shop) -> None:
    for origin in ["https://shop.example.com?x=1", "https://user@shop.example.com",
                   "https://shop.example.com#top", "https://shop example.com",
                   "https://shop.example.com:99999", "https://", "javascript:alert(1)"]:
        result = await update(shop, allowedOrigins=[origin])
        assert [e["field"] for e in result["errors"]] == ["allowedOrigins"], origin
    result = await update(shop, providers=[{"provider": "vonage",
                                            "vonageSignatureMethod": "rot13"}])
    (error,) = result["errors"]
    assert error["field"] == "providers.vonage.vonageSignatureMethod"
    assert "sha256" in error["message"]
    assert (await current(shop))["allowedOrigins"] == []
    kept = await update(shop, allowedOrigins=["https://shop.example.com:8443"], providers=[
        {"provider": "vonage", "vonageSignatureMethod": "sha512"}])
    assert kept["errors"] == []
    assert kept["settings"]["allowedOrigins"] == ["https://shop.example.com:8443"]


async def test_costly_merchant_queries_are_refused(shop: Shop) -> None:
    from saleor_app.admin.schema import MAX_ALIASES, MAX_QUERY_TOKENS

    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    aliased = "{ " + " ".join(f"a{i}: settings {{ codeLength }}" for i in range(300)) + " }"
    answer = await admin(shop, token, aliased)
    assert answer.status_code in (200, 400)
    assert answer.json()["errors"] and not answer.json().get("data")
    within = "{ " + " ".join(f"a{i}: settings {{ codeLength }}" for i in range(MAX_ALIASES)) + " }"
    assert (await admin(shop, token, within)).json()["data"]["a0"]["codeLength"] == 8
    long = "{ settings { " + "codeLength " * MAX_QUERY_TOKENS + "} }"
    assert "token" in (await admin(shop, token, long)).json()["errors"][0]["message"].lower()
