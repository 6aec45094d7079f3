"""Orders, channels, problems, overview and the test SMS through the merchant API."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from saleor_app.store.orders import OrderRepository, OrderState
from tests.admin.support import admin, data, held_order
from tests.support.shop import SHOPPER_PHONE, VIRTUAL_NUMBER, Shop, wait_for
from tests.support.sms import send_generic

ORDER = "id number channel decision score state challengeStatus dashboardPath dashboardUrl reasons { rule weight explanation }"
APPROVE = "mutation($id: ID!, $reason: String!) { approveOrder(orderId: $id, reason: $reason) { order { state } errors { field message } } }"
REJECT = "mutation($id: ID!, $reason: String!) { rejectOrder(orderId: $id, reason: $reason) { order { state } errors { field message } } }"


def calls_for(shop: Shop, mutation: str, order_id: str) -> list:
    return [c for c in shop.saleor.calls(mutation) if c.variables.get("id") == order_id]


async def state_of(shop: Shop, order_id: str) -> OrderState:
    record = await OrderRepository(shop.redis, (await shop.tenant()).id).get(order_id)
    assert record is not None
    return record.state


async def test_held_orders_are_listed_with_score_reasons_and_link(shop: Shop) -> None:
    order = await held_order(shop)
    result = await data(shop, "query { orders(state: \"HELD\") { " + ORDER + " } }")
    (listed,) = result["orders"]
    assert listed["id"] == order["id"] and listed["state"] == "HELD"
    assert listed["challengeStatus"] == "PENDING" and listed["score"] >= 50
    rules = {r["rule"] for r in listed["reasons"]}
    assert "country_mismatch" in rules and "high_amount" in rules
    assert all(r["explanation"] for r in listed["reasons"])
    assert listed["dashboardUrl"].startswith(shop.saleor.origin + "/dashboard/orders/")
    assert listed["dashboardPath"].startswith("/orders/")
    one = await data(shop, "query($id: ID!) { order(id: $id) { number } }", {"id": order["id"]})
    assert one["order"]["number"] == order["number"]


async def test_approve_sends_exactly_one_order_confirm(shop: Shop) -> None:
    order = await held_order(shop)
    first = await data(shop, APPROVE, {"id": order["id"], "reason": "Known customer"})
    assert first["approveOrder"]["errors"] == []
    await wait_for(lambda: calls_for(shop, "orderConfirm", order["id"]))
    await wait_for(lambda: _confirmed(shop, order["id"]))
    again = await data(shop, APPROVE, {"id": order["id"], "reason": ""})
    assert "already" in again["approveOrder"]["errors"][0]["message"]
    await asyncio.sleep(0.5)
    assert len(calls_for(shop, "orderConfirm", order["id"])) == 1
    assert shop.saleor.order(order["id"])["status"] == "UNFULFILLED"
    overview = (await data(shop, "query { overview { held expired } }"))["overview"]
    assert overview == {"held": 0, "expired": 0}, "an approved order's challenge did not expire"
    notes = [c.variables.get("message", "") for c in shop.saleor.calls("orderNoteAdd")
             if c.variables.get("id") == order["id"]]
    assert any("approved by admin@example.com: Known customer" in n for n in notes)


async def storefront_status(shop: Shop, order_id: str) -> str:
    query = "query($id: ID!) { orderChallenge(orderId: $id) { status } }"
    async with httpx.AsyncClient(base_url=shop.app.url) as http:
        answer = await http.post("/graphql", json={"query": query, "variables": {"id": order_id}},
                                 headers={"Saleor-Api-Url": shop.saleor.api_url})
    return str(answer.json()["data"]["orderChallenge"]["status"])


async def widget_text(shop: Shop, order_id: str) -> str:
    saleor = shop.saleor
    form = {"saleorApiUrl": saleor.api_url, "appId": shop.installed.app_id, "orderId": order_id,
            "accessToken": saleor.issue_app_bridge_token(shop.installed.app_id)}
    async with httpx.AsyncClient(base_url=shop.app.url) as http:
        shown = await http.post("/dashboard/order-widget", data=form)
    assert shown.status_code == 200
    return shown.text


async def test_staff_decisions_read_as_such_everywhere(shop: Shop) -> None:
    await shop.configure(reject_policy="KEEP_HELD")
    approved, rejected = await held_order(shop), await held_order(shop, email="b@example.com")
    await data(shop, APPROVE, {"id": approved["id"], "reason": "Known customer"})
    await data(shop, REJECT, {"id": rejected["id"], "reason": "Stolen card"})
    fields = "query($id: ID!) { order(id: $id) { challengeStatus staffDecision { action by reason } } }"
    seen = (await data(shop, fields, {"id": approved["id"]}))["order"]
    assert seen == {"challengeStatus": "APPROVED", "staffDecision": {
        "action": "APPROVED", "by": "admin@example.com", "reason": "Known customer"}}
    seen = (await data(shop, fields, {"id": rejected["id"]}))["order"]
    assert seen == {"challengeStatus": "REJECTED_BY_STAFF", "staffDecision": {
        "action": "REJECTED", "by": "admin@example.com", "reason": "Stolen card"}}
    assert await storefront_status(shop, approved["id"]) == "NOT_REQUIRED"
    assert await storefront_status(shop, rejected["id"]) == "REJECTED"
    page = await widget_text(shop, approved["id"])
    assert "Approved by admin@example.com" in page and "Known customer" in page
    assert "approved by staff" in page and "Expired" not in page
    page = await widget_text(shop, rejected["id"])
    assert "Rejected by admin@example.com" in page and "rejected by staff" in page
    figures = "query { overview { expired rejected rejectedByStaff approvedByStaff } }"
    assert (await data(shop, figures))["overview"] == {
        "expired": 0, "rejected": 1, "rejectedByStaff": 1, "approvedByStaff": 1}


async def _confirmed(shop: Shop, order_id: str) -> bool:
    return await state_of(shop, order_id) is OrderState.CONFIRMED


@pytest.mark.parametrize("policy", ["CANCEL", "KEEP_HELD"])
async def test_reject_cancels_or_holds_as_configured(shop: Shop, policy: str) -> None:
    await shop.configure(reject_policy=policy)
    order = await held_order(shop)
    missing = await data(shop, REJECT, {"id": order["id"], "reason": " "})
    assert missing["rejectOrder"]["errors"][0]["field"] == "reason"
    result = await data(shop, REJECT, {"id": order["id"], "reason": "Stolen card"})
    assert result["rejectOrder"]["errors"] == []
    if policy == "CANCEL":
        await wait_for(lambda: calls_for(shop, "orderCancel", order["id"]))
        await asyncio.sleep(0.5)
        assert len(calls_for(shop, "orderCancel", order["id"])) == 1
        assert shop.saleor.order(order["id"])["status"] == "CANCELED"
    else:
        await asyncio.sleep(1.0)
        assert calls_for(shop, "orderCancel", order["id"]) == []
        assert await state_of(shop, order["id"]) is OrderState.HELD
        assert shop.saleor.order(order["id"])["status"] == "UNCONFIRMED"
    assert calls_for(shop, "orderConfirm", order["id"]) == []
    challenges = await data(shop, "query($id: String) { challenges(filter: {orderId: $id}) { status } }",
                            {"id": order["id"]})
    assert challenges["challenges"] == [{"status": "REJECTED_BY_STAFF"}]


async def test_unknown_order_is_a_field_error(shop: Shop) -> None:
    result = await data(shop, APPROVE, {"id": "T3JkZXI6bm9uZQ==", "reason": ""})
    assert result["approveOrder"] == {
        "order": None,
        "errors": [{"field": "orderId", "message": "The app has no record of this order."}],
    }


async def test_channels_and_disabling_auto_confirm(shop: Shop) -> None:
    web = shop.saleor.add_channel("web", auto_confirm=True)
    result = await data(shop, "query { channels { id slug autoConfirm canHold challengeMode } }")
    by_slug = {c["slug"]: c for c in result["channels"]}
    assert by_slug["default-channel"]["canHold"] is True
    assert by_slug["web"] == {"id": web["id"], "slug": "web", "autoConfirm": True,
                              "canHold": False, "challengeMode": "RISK_BASED"}
    problems = await data(shop, "query { problems { code message } }")
    assert [p["code"] for p in problems["problems"]] == ["CHANNEL_CANNOT_HOLD"]
    assert "web" in problems["problems"][0]["message"]
    switched = await data(
        shop, "mutation($id: ID!) { disableAutoConfirm(channelId: $id) { channel { slug autoConfirm canHold } errors { message } } }",
        {"id": web["id"]},
    )
    assert switched["disableAutoConfirm"] == {
        "channel": {"slug": "web", "autoConfirm": False, "canHold": True}, "errors": []}
    assert len(shop.saleor.calls("channelUpdate")) == 1
    assert (await data(shop, "query { problems { code } }"))["problems"] == []


async def test_misconfiguration_is_reported(shop: Shop) -> None:
    await shop.configure(virtual_number="", providers={})
    codes = [p["code"] for p in (await data(shop, "query { problems { code section } }"))["problems"]]
    assert codes == ["NO_VIRTUAL_NUMBER", "NO_PROVIDER"]


async def test_dead_letters_are_listed(shop: Shop) -> None:
    tenant = await shop.tenant()
    key = f"rotp:{{t:{tenant.id}}}:dead-letters"
    await shop.redis.lpush(key, '{"at": 1795500000.0, "job": "confirm_order", "error": "PermissionDenied", "order_id": "T3JkZXI6MQ=="}')
    result = await data(shop, "query { deadLetters { at job error orderId } problems { code } }")
    assert result["deadLetters"] == [{"at": "2026-11-24T06:00:00+00:00", "job": "confirm_order",
                                      "error": "PermissionDenied", "orderId": "T3JkZXI6MQ=="}]
    assert "FAILED_JOBS" in [p["code"] for p in result["problems"]]


async def test_overview_counts_a_verified_order(shop: Shop) -> None:
    await shop.configure(outbound_sms_price=0.08)
    order = await held_order(shop)
    await held_order(shop)
    store = await shop.challenges()
    challenge = await store.get(await store.id_for("by-order", order["id"]))
    tenant = await shop.tenant()
    answer = await send_generic(await shop.inbound_url("generic"), tenant.inbound_secret,
                                SHOPPER_PHONE, VIRTUAL_NUMBER, challenge.code)
    assert answer.status_code == 200
    await wait_for(lambda: _confirmed(shop, order["id"]))
    result = (await data(shop, "query { overview { held verified expired rejected pendingChallenges medianSecondsToVerify smsReceived saved currency days { smsReceived verified saved } } }"))["overview"]
    assert result["held"] == 1 and result["verified"] == 1 and result["pendingChallenges"] == 1
    assert result["smsReceived"] == 1 and result["saved"] == 0.08
    assert result["medianSecondsToVerify"] is not None and result["medianSecondsToVerify"] < 30
    assert result["days"] == [{"smsReceived": 1, "verified": 1, "saved": 0.08}]


async def test_savings_are_in_the_shops_currency_unless_the_merchant_picks_one(
    shop: Shop,
) -> None:
    await held_order(shop, currency="USD", total=900.0)
    figures = "query { overview { currency } }"
    assert (await data(shop, figures))["overview"] == {"currency": "USD"}
    update = ("mutation($c: String) { updateSettings(input: {outboundSmsCurrency: $c}) "
              "{ settings { outboundSmsCurrency } errors { field message } } }")
    picked = (await data(shop, update, {"c": " chf "}))["updateSettings"]
    assert picked == {"settings": {"outboundSmsCurrency": "CHF"}, "errors": []}
    assert (await data(shop, figures))["overview"] == {"currency": "CHF"}
    wrong = (await data(shop, update, {"c": "EURO"}))["updateSettings"]
    assert [e["field"] for e in wrong["errors"]] == ["outboundSmsCurrency"]
    cleared = (await data(shop, update, {"c": None}))["updateSettings"]
    assert cleared["settings"] == {"outboundSmsCurrency": ""}
    assert (await data(shop, figures))["overview"] == {"currency": "USD"}


async def test_send_test_sms_goes_through_the_inbound_endpoint(shop: Shop) -> None:
    mutation = "mutation($p: String) { sendTestSms(phone: $p) { ok message challengeId challengeStatus httpStatus smsFrom smsTo smsText } }"
    result = (await data(shop, mutation, {"p": "+44 7700 900123"}))["sendTestSms"]
    assert result["ok"] is True, result
    assert result["httpStatus"] == 200 and result["challengeStatus"] == "VERIFIED"
    assert result["smsFrom"] == "+447700900123" and result["smsTo"] == VIRTUAL_NUMBER
    store = await shop.challenges()
    assert (await store.get(result["challengeId"])).verified_sender == "+447700900123"
    overview = (await data(shop, "query { overview { smsReceived verified } }"))["overview"]
    assert overview == {"smsReceived": 0, "verified": 0}, "test SMS stay out of the figures"
    await shop.configure(providers={"twilio": {"enabled": True}})
    refused = (await data(shop, mutation, {"p": None}))["sendTestSms"]
    assert refused["ok"] is False and "generic" in refused["message"]
    assert refused["challengeId"] is None


async def test_order_widget_verifies_the_posted_token(shop: Shop) -> None:
    order = await held_order(shop)
    saleor = shop.saleor
    form = {"saleorApiUrl": saleor.api_url, "appId": shop.installed.app_id, "orderId": order["id"],
            "accessToken": saleor.issue_app_bridge_token(shop.installed.app_id)}
    async with httpx.AsyncClient(base_url=shop.app.url) as http:
        shown = await http.post("/dashboard/order-widget", data=form)
        assert shown.status_code == 200
        assert "Risk score" in shown.text and "Billing country France (FR) differs" in shown.text
        assert "Waiting for the shopper" in shown.text
        multipart = await http.post("/dashboard/order-widget",
                                    files={k: (None, v.encode()) for k, v in form.items()})
        assert multipart.status_code == 200 and "Risk score" in multipart.text
        assert multipart.request.headers["content-type"].startswith("multipart/form-data")
        forged = await http.post("/dashboard/order-widget", data={**form, "accessToken": "x.y.z"})
        assert forged.status_code == 401 and "Risk score" not in forged.text
        clerk = saleor.issue_app_bridge_token(shop.installed.app_id, user_permissions=["MANAGE_PRODUCTS"])
        denied = await http.post("/dashboard/order-widget", data={**form, "accessToken": clerk})
        assert denied.status_code == 403 and "Risk score" not in denied.text
        assert form["accessToken"] not in shown.text


async def test_dashboard_page_is_served_without_auth_and_escapes(shop: Shop) -> None:
    async with httpx.AsyncClient(base_url=shop.app.url) as http:
        page = await http.get("/dashboard", params={"theme": "dark", "locale": "<script>",
                                                   "saleorApiUrl": shop.saleor.api_url})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'data-theme="dark"' in page.text and "<script>" not in page.text.split("<body")[0]
        assert 'lang="en"' in page.text
        assert "frame-ancestors" not in page.headers["content-security-policy"]
        assert (await http.get("/dashboard/")).status_code == 404
        script = await http.get("/dashboard/assets/admin.js")
        assert script.status_code == 200 and "innerHTML =" not in script.text


async def test_saleor_down_gives_a_readable_error_not_a_500(shop: Shop) -> None:
    token = shop.saleor.issue_app_bridge_token(shop.installed.app_id)
    shop.saleor.set_down(True)
    try:
        answer = await admin(shop, token, "query { channels { slug } }")
        settings = await admin(shop, token, "query { settings { virtualNumber } }")
    finally:
        shop.saleor.set_down(False)
    assert answer.status_code == 200
    assert answer.json()["errors"][0]["message"] == "Saleor did not give the channel list; try again."
    assert settings.json()["data"]["settings"]["virtualNumber"] == VIRTUAL_NUMBER
