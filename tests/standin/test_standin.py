"""Tests of the Saleor stand-in against Saleor's captured wire traffic."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .keys import thumbprint, verify_detached
from .saleor import InstallError, SaleorStandIn
from .schema_exec import DocumentError

CAPTURED = Path(__file__).resolve().parents[1] / "fixtures" / "saleor" / "captured"
CONFIRM = (
    "mutation($id: ID!) { orderConfirm(id:$id) { order { id number status } "
    "errors { field code message } } }"
)
APP_QUERY = "{ app { id webhooks { id name isActive } } }"


def captured(name: str) -> Any:
    """A captured JSON file."""
    return json.loads((CAPTURED / name).read_text())


def manifest_query(event: str) -> str:
    """The captured manifest's subscription for an event."""
    hooks = captured("manifest.json")["webhooks"]
    return str(next(h["query"] for h in hooks if event in h["asyncEvents"]))


def shape(value: Any) -> Any:
    """Key structure of a JSON value (dict keys in order, list items, scalars → type)."""
    if isinstance(value, dict):
        return [(k, shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    return "scalar"


def strip_stacktrace(response: dict[str, Any]) -> dict[str, Any]:
    """A captured response without the debug stack trace and cost numbers."""
    for error in response.get("errors", []):
        error["extensions"]["exception"].pop("stacktrace", None)
    response.pop("extensions", None)
    return response


@pytest.fixture
def standin() -> Iterator[SaleorStandIn]:
    """A started stand-in."""
    with SaleorStandIn() as saleor:
        yield saleor


def gql(
    saleor: SaleorStandIn,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> httpx.Response:
    """POST a GraphQL request to the stand-in."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        saleor.api_url, json={"query": query, "variables": variables or {}}, headers=headers
    )


class FakeApp:
    """A minimal Saleor app (manifest, register, webhooks) served through ASGITransport."""

    def __init__(self, register_status: int = 200, base: str = "http://app.test") -> None:
        self.base, self.register_status = base, register_status
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        manifest = captured("manifest.json")
        for hook in manifest["webhooks"]:
            hook["targetUrl"] = hook["targetUrl"].replace("http://127.0.0.1:9998", base)
        manifest["tokenTargetUrl"] = f"{base}/api/register"
        self.manifest = manifest
        self.app = Starlette(
            routes=[
                Route("/api/manifest", self.get_manifest, methods=["GET"]),
                Route("/api/register", self.register, methods=["POST"]),
                Route("/api/webhooks/{name}", self.webhook, methods=["POST"]),
            ]
        )
        self.transport = httpx.ASGITransport(app=self.app)

    async def _record(self, request: Request) -> None:
        """Remember a request."""
        self.requests.append((request.url.path, dict(request.headers), await request.body()))

    async def get_manifest(self, request: Request) -> Response:
        """Serve the manifest."""
        await self._record(request)
        return JSONResponse(self.manifest)

    async def register(self, request: Request) -> Response:
        """Accept (or refuse) the token."""
        await self._record(request)
        if self.register_status >= 400:
            return JSONResponse({"error": {"message": "nope"}}, status_code=self.register_status)
        return Response(status_code=self.register_status)

    async def webhook(self, request: Request) -> Response:
        """Accept a webhook."""
        await self._record(request)
        return JSONResponse({})


class HostRouter(httpx.AsyncBaseTransport):
    """Routes outgoing requests to fake apps by host name."""

    def __init__(self, apps: dict[str, FakeApp]) -> None:
        self.apps = apps

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Dispatch to the fake app owning the host."""
        return await self.apps[request.url.host].transport.handle_async_request(request)


def test_thumbprint_matches_captured_kid() -> None:
    """RFC 7638 thumbprint of the captured JWKS n/e equals its kid."""
    key = captured("jwks.json")["keys"][0]
    assert thumbprint(key["n"], key["e"]) == key["kid"]


def test_jwks_endpoint_has_saleor_format(standin: SaleorStandIn) -> None:
    """GET /.well-known/jwks.json has the captured key fields and counts fetches."""
    served = httpx.get(standin.jwks_url).json()
    reference = captured("jwks.json")
    assert list(served) == ["keys"] and len(served["keys"]) == 1
    assert list(served["keys"][0]) == list(reference["keys"][0])
    key = served["keys"][0]
    assert key["kid"] == thumbprint(key["n"], key["e"]) == standin.kid
    assert standin.jwks_fetches == 1
    old = standin.kid
    assert standin.rotate_key() != old
    assert [k["kid"] for k in httpx.get(standin.jwks_url).json()["keys"]] == [standin.kid]
    assert standin.jwks_fetches == 2


def test_sign_verify_round_trip(standin: SaleorStandIn) -> None:
    """sign() produces Saleor's detached JWS header and verifies; a changed byte fails."""
    body = b'{"__typename": "OrderCreated"}'
    signature = standin.sign(body)
    header_b64, middle, _ = signature.split(".")
    assert middle == ""
    header = base64.urlsafe_b64decode(header_b64 + "==")
    expected = {"alg": "RS256", "b64": False, "crit": ["b64"], "kid": standin.kid, "typ": "JWT"}
    assert header == json.dumps(expected, separators=(",", ":")).encode()
    assert verify_detached(signature, body, httpx.get(standin.jwks_url).json())["payload"] == body
    with pytest.raises(jwt.InvalidSignatureError):
        standin.verify(signature, body.replace(b"Order", b"Ordex"))


def test_captured_bodies_verify_with_captured_jwks() -> None:
    """Every captured signed delivery verifies with the captured JWKS via the same code path."""
    jwks = captured("jwks.json")
    checked = 0
    for path in CAPTURED.glob("*.headers.json"):
        headers = dict(json.loads(path.read_text())["headers"])
        if "Saleor-Signature" not in headers:
            continue
        body = (CAPTURED / path.name.replace(".headers.json", ".body.raw")).read_bytes()
        verify_detached(headers["Saleor-Signature"], body, jwks)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    ("event", "capture"),
    [
        ("ORDER_CREATED", "order_created.body.raw"),
        ("ORDER_CONFIRMED", "order_confirmed.body.raw"),
        ("ORDER_CANCELLED", "order_cancelled.body.raw"),
        ("CHECKOUT_UPDATED", "checkout_updated_billing_address_1.body.raw"),
    ],
)
def test_rendered_event_has_captured_structure(
    standin: SaleorStandIn, event: str, capture: str
) -> None:
    """The manifest's subscription over fake data gives the captured body's key structure."""
    if event.startswith("CHECKOUT"):
        obj = standin.add_checkout()
    else:
        status = {"ORDER_CREATED": "UNCONFIRMED", "ORDER_CONFIRMED": "UNFULFILLED"}.get(
            event, "CANCELED"
        )
        obj = standin.add_order(status=status, checkout=standin.add_checkout())
    body = standin.render_event(manifest_query(event), event, obj)
    reference = (CAPTURED / capture).read_bytes()
    assert shape(json.loads(body)) == shape(json.loads(reference))
    assert body.startswith(b'{"__typename": "' + event.title().replace("_", "").encode())
    assert b'", "' in body  # json.dumps default separators, like Saleor


async def test_rendered_app_deleted_event_has_captured_structure(standin: SaleorStandIn) -> None:
    """APP_DELETED for a deleted app renders like the capture and reaches only that app."""
    fake = FakeApp()
    standin.outbound_transport = fake.transport
    result = await standin.install(f"{fake.base}/api/manifest")
    root = standin.delete_app(result.app_id)
    body = standin.render_event(manifest_query("APP_DELETED"), "APP_DELETED", root)
    reference = (CAPTURED / "app_deleted.body.raw").read_bytes()
    assert shape(json.loads(body)) == shape(json.loads(reference))
    assert json.loads(body)["app"]["isActive"] is False
    assert [r.status_code for r in await standin.deliver_emitted()] == [200]
    assert fake.requests[-1][0] == "/api/webhooks/app-deleted"
    assert gql(standin, APP_QUERY, token=result.token).json()["data"]["app"] is None


def test_render_invalid_subscription_raises(standin: SaleorStandIn) -> None:
    """A subscription that does not validate raises."""
    order = standin.add_order()
    with pytest.raises(DocumentError):
        standin.render_event(
            "subscription { event { ... on OrderCreated { order { nope } } } }",
            "ORDER_CREATED",
            order,
        )
    with pytest.raises(DocumentError):
        standin.render_event(
            "subscription { event { issuedAt } orderCreated { order { id } } }",
            "ORDER_CREATED",
            order,
        )


def test_invalid_document_gets_errors(standin: SaleorStandIn) -> None:
    """A document invalid against the schema gets a Saleor-style error list."""
    response = gql(standin, "{ channels { slugg } }", token=standin.issue_staff_token())
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body and "Cannot query field 'slugg'" in body["errors"][0]["message"]


def test_order_confirm_twice_matches_capture(standin: SaleorStandIn) -> None:
    """First orderConfirm releases the order; the second gives the captured INVALID error."""
    order = standin.add_order()
    token = standin.issue_staff_token(["MANAGE_ORDERS"])
    first = gql(standin, CONFIRM, {"id": order["id"]}, token).json()
    assert first["data"]["orderConfirm"] == {
        "order": {"id": order["id"], "number": order["number"], "status": "UNFULFILLED"},
        "errors": [],
    }
    second = gql(standin, CONFIRM, {"id": order["id"]}, token).json()
    reference = captured("o1_gql_order_confirm_again_error.response.json")
    assert second["data"] == reference["data"]
    assert [c.name for c in standin.mutations] == ["orderConfirm", "orderConfirm"]
    assert standin.calls("orderConfirm")[0].args == {"id": order["id"]}
    assert [e.event for e in standin.emitted] == ["ORDER_CONFIRMED"]


def test_errors_match_captured_shapes(standin: SaleorStandIn) -> None:
    """No auth → top-level PermissionDenied; unknown id → NOT_FOUND, as captured."""
    for name, token in (
        ("err_gql_order_confirm_no_auth", None),
        ("err_gql_order_confirm_not_found", standin.issue_staff_token()),
    ):
        request = captured(f"{name}.request.json")
        got = gql(standin, request["query"], request["variables"], token).json()
        assert strip_stacktrace(got) == strip_stacktrace(captured(f"{name}.response.json"))


async def test_deactivated_app_and_staff_access_token(standin: SaleorStandIn) -> None:
    """A deactivated app's token is refused as captured; staff get an app-bridge accessToken."""
    standin.outbound_transport = FakeApp().transport
    result = await standin.install("http://app.test/api/manifest")
    standin.set_app_active(result.app_id, False)
    name = "err_gql_channels_as_deactivated_app"
    got = gql(standin, captured(f"{name}.request.json")["query"], token=result.token).json()
    assert strip_stacktrace(got) == strip_stacktrace(captured(f"{name}.response.json"))
    staff = standin.issue_staff_token(["MANAGE_APPS", "MANAGE_ORDERS"])
    request = captured("gql_app_access_token_as_staff.request.json")
    app = gql(standin, request["query"], {"id": result.app_id}, staff).json()["data"]["app"]
    claims = jwt.decode(app["accessToken"], options={"verify_signature": False})
    assert (claims["app"], claims["type"], claims["permissions"]) == (
        result.app_id,
        "thirdparty",
        ["MANAGE_ORDERS"],
    )


def test_fail_next_down_and_latency(standin: SaleorStandIn) -> None:
    """Faults: next n requests fail, down until cleared, latency hits client timeouts."""
    standin.fail_next(2, status=502)
    assert [gql(standin, "{ me { id } }").status_code for _ in range(3)] == [502, 502, 200]
    standin.set_down(True)
    assert gql(standin, "{ me { id } }").status_code == 503
    assert httpx.get(standin.jwks_url).status_code == 200
    standin.set_down(False)
    standin.latency(0.3)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(standin.api_url, json={"query": "{ me { id } }"}, timeout=0.1)
    standin.latency(0)
    standin.set_jwks_down(True)
    assert httpx.get(standin.jwks_url).status_code == 503


def test_tokens_verify_and_have_captured_claims(standin: SaleorStandIn) -> None:
    """App-bridge and staff tokens verify with the JWKS and carry the captured claim names."""
    jwks = httpx.get(standin.jwks_url).json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    bridge = standin.issue_app_bridge_token(
        "QXBwOjE=",
        user_permissions=["MANAGE_ORDERS", "MANAGE_STAFF"],
        permissions=["MANAGE_ORDERS"],
    )
    staff = standin.issue_staff_token(["MANAGE_ORDERS"])
    for token, name in (
        (bridge, "app_bridge_token.claims.json"),
        (staff, "staff_token.claims.json"),
    ):
        reference = captured(name)
        claims = jwt.decode(token, key, algorithms=["RS256"], issuer=standin.api_url)
        assert list(claims) == list(reference["claims"])
        assert jwt.get_unverified_header(token) == {**reference["header"], "kid": standin.kid}
        assert claims["exp"] - claims["iat"] == 300
    assert jwt.decode(bridge, key, algorithms=["RS256"])["type"] == "thirdparty"
    me = gql(standin, "{ me { email userPermissions { code } } }", token=staff).json()
    assert me["data"]["me"] == {
        "email": "admin@example.com",
        "userPermissions": [{"code": "MANAGE_ORDERS"}],
    }
    expired = standin.issue_staff_token(iat=int(time.time()) - 1000)
    errors = gql(standin, "{ me { id } }", token=expired).json()["errors"]
    assert errors[0]["extensions"]["exception"]["code"] == "ExpiredSignatureError"


async def test_install_like_saleor_then_app_token_works(standin: SaleorStandIn) -> None:
    """install(): manifest GET and register POST as captured; the app token authenticates."""
    fake = FakeApp()
    standin.outbound_transport = fake.transport
    result = await standin.install(f"{fake.base}/api/manifest")
    assert result.app_id == "QXBwOjE="
    assert re.fullmatch(r"[A-Za-z0-9]{30}", result.token or "")
    (m_path, m_headers, _), (r_path, r_headers, r_body) = fake.requests
    assert (m_path, m_headers["saleor-schema-version"]) == ("/api/manifest", "3.23")
    assert r_path == "/api/register" and r_body == f'{{"auth_token": "{result.token}"}}'.encode()
    captured_names = {k.lower() for k, _ in captured("app_register.headers.json")["headers"]}
    assert {"saleor-api-url", "saleor-domain", "x-saleor-domain", "saleor-schema-version"} <= (
        set(r_headers) & captured_names
    )
    assert r_headers["saleor-api-url"] == standin.api_url
    app = (
        await httpx.AsyncClient().post(
            standin.api_url,
            json={"query": APP_QUERY},
            headers={"Authorization": f"Bearer {result.token}"},
        )
    ).json()["data"]["app"]
    assert app["id"] == "QXBwOjE=" and app["webhooks"][0] == {
        "id": "V2ViaG9vazox",
        "name": "order-created",
        "isActive": True,
    }


async def test_install_failures(standin: SaleorStandIn) -> None:
    """A failing register call deletes the app with Saleor's message; 3xx counts as success."""
    standin.outbound_transport = FakeApp(register_status=500).transport
    with pytest.raises(InstallError, match="nope"):
        await standin.install("http://app.test/api/manifest")
    assert standin.apps == {}
    standin.outbound_transport = FakeApp(register_status=307).transport
    result = await standin.install("http://app.test/api/manifest")
    assert result.register_response is not None and result.register_response.status_code == 307
    bad = FakeApp()
    bad.manifest["webhooks"][0]["query"] = "subscription { event { nope } }"
    standin.outbound_transport = bad.transport
    with pytest.raises(InstallError):
        await standin.install("http://app.test/api/manifest")


async def test_send_event_delivers_signed_like_saleor(standin: SaleorStandIn) -> None:
    """send_event delivers to each subscribed app with Saleor's headers and its own recipient."""
    fake, other = FakeApp(), FakeApp(base="http://other.test")
    other.manifest["id"] = "another.app"
    standin.outbound_transport = HostRouter({"app.test": fake, "other.test": other})
    first = await standin.install(f"{fake.base}/api/manifest")
    second = await standin.install(f"{other.base}/api/manifest", app_name="Another")
    assert second.app_id == "QXBwOjI="
    order = standin.add_order()
    responses = await standin.send_event("ORDER_CREATED", order)
    assert [r.status_code for r in responses] == [200, 200]
    path, headers, body = fake.requests[-1]
    assert path == "/api/webhooks/order-created"
    reference = {k.lower() for k, _ in captured("order_created.headers.json")["headers"]}
    assert reference - {"host", "content-length"} <= set(headers)
    assert headers["saleor-event"] == "order_created" and headers["user-agent"] == "Saleor/3.23"
    assert verify_detached(headers["saleor-signature"], body, standin.jwks())
    assert json.loads(body)["recipient"]["id"] == first.app_id
    assert json.loads(other.requests[-1][2])["recipient"]["id"] == second.app_id
    response = gql(standin, CONFIRM, {"id": order["id"]}, first.token)
    assert response.json()["data"]["orderConfirm"]["errors"] == []
    assert standin.calls("orderConfirm")[0].identity.label == f"app:{first.app_id}"
    issuer = standin.emitted[0].issuer
    assert [r.status_code for r in await standin.deliver_emitted()] == [200, 200]
    assert fake.requests[-1][0] == "/api/webhooks/order-confirmed"
    issuer_body = standin.render_event(
        "subscription { event { issuingPrincipal { __typename ... on App { id } } } }",
        "ORDER_CONFIRMED",
        order,
        issuer=issuer,
    )
    assert json.loads(issuer_body) == {
        "issuingPrincipal": {"__typename": "App", "id": first.app_id}
    }


def test_mutations_metadata_notes_channels(standin: SaleorStandIn) -> None:
    """Metadata, notes, channel settings, webhook updates and app problems follow the schema."""
    order = standin.add_order()
    token = standin.issue_staff_token(["MANAGE_ORDERS"])
    request = captured("o1_gql_update_private_metadata.request.json")
    got = gql(standin, request["query"], {**request["variables"], "id": order["id"]}, token).json()
    item = got["data"]["updatePrivateMetadata"]["item"]
    reference = captured("o1_gql_update_private_metadata.response.json")
    assert (
        item["privateMetadata"]
        == reference["data"]["updatePrivateMetadata"]["item"]["privateMetadata"]
    )
    assert item["__typename"] == "Order"
    note = captured("o1_gql_order_note_add.request.json")
    got = gql(standin, note["query"], {**note["variables"], "id": order["id"]}, token).json()
    assert got["data"]["orderNoteAdd"]["event"]["type"] == "NOTE_ADDED"
    channel = standin.default_channel
    update = captured("gql_channel_update_autoconfirm_true_restore.request.json")
    got = gql(standin, update["query"], {"id": channel["id"]}, token).json()
    assert (
        got["data"]["channelUpdate"]["channel"]["orderSettings"]["automaticallyConfirmAllNewOrders"]
        is True
    )
    channels = gql(
        standin,
        "{ channels { slug orderSettings { automaticallyConfirmAllNewOrders } } }",
        token=token,
    ).json()
    assert channels["data"]["channels"][0]["orderSettings"]["automaticallyConfirmAllNewOrders"]
    orders = gql(
        standin,
        "{ orders(first: 5, filter: {status: [UNCONFIRMED]}) { totalCount "
        "edges { node { id } } pageInfo { hasNextPage } } }",
        token=token,
    ).json()
    assert orders["data"]["orders"]["edges"] == [{"node": {"id": order["id"]}}]
    cancel = gql(
        standin,
        "mutation($id: ID!) { orderCancel(id: $id) { errors { field code } } }",
        {"id": order["id"]},
        token,
    ).json()
    assert cancel["data"]["orderCancel"]["errors"] == []
    again = gql(
        standin,
        "mutation($id: ID!) { orderCancel(id: $id) { errors { field code } } }",
        {"id": order["id"]},
        token,
    ).json()
    assert again["data"]["orderCancel"]["errors"][0]["code"] == "CANNOT_CANCEL_ORDER"


async def test_app_self_service_mutations(standin: SaleorStandIn) -> None:
    """An app enables its own webhook and reports a problem; another app's payload differs."""
    fake = FakeApp()
    fake.manifest["webhooks"][0]["isActive"] = False
    standin.outbound_transport = fake.transport
    result = await standin.install(f"{fake.base}/api/manifest")
    hook = result.app.webhooks[0]
    assert hook["isActive"] is False
    got = gql(
        standin,
        "mutation($id: ID!) { webhookUpdate(id: $id, input: {isActive: true}) "
        "{ webhook { id isActive } errors { code } } }",
        {"id": hook["id"]},
        result.token,
    )
    assert got.json()["data"]["webhookUpdate"] == {
        "webhook": {"id": hook["id"], "isActive": True},
        "errors": [],
    }
    problem = gql(
        standin,
        'mutation { appProblemCreate(input: {message: "SMS down", key: "sms"})'
        " { appProblem { count key } errors { code } } }",
        token=result.token,
    ).json()
    assert problem["data"]["appProblemCreate"] == {
        "appProblem": {"count": 1, "key": "sms"},
        "errors": [],
    }
    body = standin.render_event(
        manifest_query("ORDER_CREATED"), "ORDER_CREATED", standin.add_order(), app_id="QXBwOjk5"
    )
    assert json.loads(body)["recipient"] == {"id": "QXBwOjk5"}


DISMISS = "mutation($input: AppProblemDismissInput!) { appProblemDismiss(input: $input) { errors { field code } } }"
PROBLEMS = "query($id: ID!) { app(id: $id) { problems { key dismissed { by userEmail } } } }"


async def test_app_problem_dismiss(standin: SaleorStandIn) -> None:
    """An app dismisses its own problems by key (byApp only, at most 100 keys); staff with
    MANAGE_APPS dismiss an app's problems by keys; anonymous callers are refused."""
    fake = FakeApp()
    standin.outbound_transport = fake.transport
    result = await standin.install(f"{fake.base}/api/manifest")
    app_id = result.app.node["id"]
    for key in ("sms", "other"):
        create = f'mutation {{ appProblemCreate(input: {{message: "down", key: "{key}"}}) {{ errors {{ code }} }} }}'
        assert gql(standin, create, token=result.token).json()["data"]["appProblemCreate"]["errors"] == []

    def dismiss(variables: dict[str, Any], token: str | None) -> Any:
        return gql(standin, DISMISS, {"input": variables}, token).json()

    staff_branch = {"byStaffWithKeys": {"keys": ["sms"], "app": app_id}}
    assert dismiss(staff_branch, result.token)["data"]["appProblemDismiss"]["errors"] == [
        {"field": "byStaffWithKeys", "code": "INVALID"}
    ]
    too_many = {"byApp": {"keys": [f"k{i}" for i in range(101)]}}
    assert dismiss(too_many, result.token)["data"]["appProblemDismiss"]["errors"] == [
        {"field": "keys", "code": "INVALID"}
    ]
    assert "errors" in dismiss({"byApp": {"keys": ["sms"]}}, None)
    assert dismiss({"byApp": {"keys": ["sms"]}}, result.token)["data"] == {
        "appProblemDismiss": {"errors": []}
    }
    admin = standin.issue_staff_token(["MANAGE_APPS"], email="owner@example.com")
    problems = gql(standin, PROBLEMS, {"id": app_id}, admin).json()["data"]["app"]["problems"]
    assert problems == [
        {"key": "sms", "dismissed": {"by": "APP", "userEmail": None}},
        {"key": "other", "dismissed": None},
    ]
    other = {"byStaffWithKeys": {"keys": ["other"], "app": app_id}}
    assert dismiss(other, admin)["data"] == {"appProblemDismiss": {"errors": []}}
    problems = gql(standin, PROBLEMS, {"id": app_id}, admin).json()["data"]["app"]["problems"]
    assert problems[1]["dismissed"] == {"by": "USER", "userEmail": "owner@example.com"}


def test_next_schema_and_sync_delivery() -> None:
    """The "next" schema rejects orderAddNote; deliver_sync posts over real HTTP."""
    with SaleorStandIn("next") as saleor:
        token = saleor.issue_staff_token(["MANAGE_ORDERS"])
        order = saleor.add_order()
        response = gql(
            saleor,
            'mutation($id: ID!) { orderAddNote(order: $id, input: {message: "x"})'
            " { errors { code } } }",
            {"id": order["id"]},
            token,
        )
        assert response.status_code == 400
        reply = saleor.deliver_sync(saleor.api_url, "ORDER_CREATED", b"{}")
        assert reply.status_code == 400
        assert saleor.deliveries[-1].headers["Saleor-Event"] == "order_created"
        assert saleor.user_agent == "Saleor/3.24"
