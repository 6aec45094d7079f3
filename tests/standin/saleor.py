"""SaleorStandIn: a fake Saleor 3.23 server for tests, speaking Saleor's real wire format."""

from __future__ import annotations

import contextlib
import json
import secrets
import string
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import jwt

from graphql import GraphQLObjectType

from . import data
from .api import Api
from .install import InstallError, clean_manifest
from .keys import SigningKey, decode_jwt, pooled_key, verify_detached
from .schema_exec import SALEOR_VERSIONS, ExecContext, enum_values, execute_request, load_schema
from .schema_exec import render_event as _render
from .server import ServerThread, build_app
from .state import ANONYMOUS, AppRecord, Delivery, EmittedEvent, Faults, Identity, RecordedCall

__all__ = ["InstallError", "InstallResult", "RecordedCall", "SaleorStandIn"]

TOKEN_ALPHABET = string.ascii_letters + string.digits
LIFECYCLE_EVENTS = {"APP_DELETED", "APP_STATUS_CHANGED", "APP_INSTALLED", "APP_UPDATED"}
EVENT_PERMISSION = {
    "ORDER": "MANAGE_ORDERS",
    "DRAFT": "MANAGE_ORDERS",
    "CHECKOUT": "MANAGE_CHECKOUTS",
    "CHANNEL": "MANAGE_CHANNELS",
}


@dataclass
class InstallResult:
    """Outcome of a successful install: the app, its token and the HTTP exchanges."""

    app: AppRecord
    token: str | None
    manifest: dict[str, Any]
    manifest_response: httpx.Response
    register_response: httpx.Response | None

    @property
    def app_id(self) -> str:
        """The app's global id."""
        return self.app.id


def event_typename(event_type: str) -> str:
    """ORDER_CREATED → OrderCreated."""
    return "".join(part.capitalize() for part in event_type.lower().split("_"))


class SaleorStandIn:
    """A Saleor stand-in: GraphQL API, JWKS, webhook delivery, app install, tokens."""

    def __init__(
        self,
        schema_version: str = "3.23",
        *,
        key_index: int = 0,
        auto_confirm: bool = False,
        outbound_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.schema_version = schema_version
        self.schema = load_schema(schema_version)
        self.version = SALEOR_VERSIONS[schema_version]
        self.user_agent = "Saleor/" + ".".join(self.version.split(".")[:2])
        self._lock = threading.RLock()
        self._key_index = key_index
        self.key = SigningKey(pooled_key(key_index))
        self.jwks_fetches = 0
        self.faults = Faults()
        self.outbound_transport = outbound_transport
        self.orders: dict[str, dict[str, Any]] = {}
        self.checkouts: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.apps: dict[str, AppRecord] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.staff_permissions: dict[str, list[str]] = {}
        self.mutations: list[RecordedCall] = []
        self.requests: list[RecordedCall] = []
        self.emitted: list[EmittedEvent] = []
        self.deliveries: list[Delivery] = []
        self.register_calls: list[httpx.Response] = []
        self._pks: dict[str, int] = {}
        self._handlers = Api(self).handlers()
        self._server = ServerThread(build_app(self))
        self.port = self._server.port
        self.domain = f"127.0.0.1:{self.port}"
        self.origin = f"http://{self.domain}"
        self.api_url = f"{self.origin}/graphql/"
        self.jwks_url = f"{self.origin}/.well-known/jwks.json"
        self.default_channel = self.add_channel("default-channel", auto_confirm=auto_confirm)

    # ----- lifecycle -----
    def start(self) -> SaleorStandIn:
        """Start the HTTP server (idempotent)."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop the HTTP server."""
        self._server.stop()

    def __enter__(self) -> SaleorStandIn:
        """Start on entering a with block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop on leaving a with block."""
        self.stop()

    async def __aenter__(self) -> SaleorStandIn:
        """Start on entering an async with block."""
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop on leaving an async with block."""
        self.stop()

    def next_pk(self, kind: str) -> int:
        """Next integer primary key for a model."""
        with self._lock:
            self._pks[kind] = self._pks.get(kind, 0) + 1
            return self._pks[kind]

    # ----- keys -----
    @property
    def kid(self) -> str:
        """Current key id (RFC 7638 thumbprint)."""
        return self.key.kid

    def jwks(self) -> dict[str, Any]:
        """The JWKS document (without counting a fetch)."""
        return self.key.jwks()

    def jwks_fetch(self) -> dict[str, Any]:
        """Serve the JWKS and count the fetch."""
        with self._lock:
            self.jwks_fetches += 1
        return self.key.jwks()

    def rotate_key(self) -> str:
        """Replace the signing key (Saleor serves one key: no overlap); return the new kid."""
        with self._lock:
            self._key_index += 1
            self.key = SigningKey(pooled_key(self._key_index))
        return self.kid

    def sign(self, body: bytes) -> str:
        """Saleor-Signature for raw body bytes (detached JWS, RS256, b64=false)."""
        return self.key.sign_detached(body)

    def verify(self, signature: str, body: bytes) -> dict[str, Any]:
        """Verify a signature with the current JWKS (PyJWT decode_complete, detached)."""
        return verify_detached(signature, body, self.jwks())

    # ----- faults -----
    def fail_next(self, n: int, status: int = 503) -> None:
        """The next n GraphQL requests answer this HTTP status."""
        with self._lock:
            self.faults.fail_next, self.faults.fail_status = n, status

    def set_down(self, down: bool = True) -> None:
        """All GraphQL requests answer 503 until cleared."""
        self.faults.down = down

    def latency(self, seconds: float) -> None:
        """Sleep this long before answering each GraphQL request."""
        self.faults.latency = seconds

    def hang(self, *operations: str, seconds: float) -> None:
        """GraphQL requests whose document names one of `operations` answer after `seconds`
        (a Saleor that accepts the connection and never answers); `faults.hanging` counts those
        whose client still waits."""
        self.faults.hang_on = tuple(operation.encode() for operation in operations)
        self.faults.hang_seconds = seconds

    def set_jwks_down(self, down: bool = True) -> None:
        """The JWKS endpoint answers 503 until cleared."""
        self.faults.jwks_down = down

    def take_fault(self) -> int | None:
        """Consume a fault for one GraphQL request (server side)."""
        with self._lock:
            return self.faults.take()

    # ----- data helpers -----
    def add_channel(
        self, slug: str, auto_confirm: bool = True, currency: str = "USD"
    ) -> dict[str, Any]:
        """Add a channel with orderSettings.automaticallyConfirmAllNewOrders = auto_confirm."""
        with self._lock:
            node = data.channel(
                self.next_pk("Channel"), slug, auto_confirm=auto_confirm, currency=currency
            )
            self.channels[node["id"]] = node
            return node

    def channel(self, slug: str) -> dict[str, Any]:
        """A channel by slug."""
        return next(c for c in self.channels.values() if c["slug"] == slug)

    def add_checkout(
        self,
        *,
        email: str = "guest@example.com",
        channel: str = "default-channel",
        billing_phone: str | None = "+33612345678",
        billing_country: str = "FR",
        shipping_country: str | None = "US",
        total: float = 40.0,
        currency: str = "USD",
        customer_orders: int | None = None,
        metadata: dict[str, str] | None = None,
        private_metadata: dict[str, str] | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """Add a checkout; billing_phone None means no billing address at all."""
        with self._lock:
            token = token or str(uuid.uuid4())
            billing = (
                data.address(
                    phone=billing_phone, country=billing_country, city="Paris", postal_code="75001"
                )
                if billing_phone is not None
                else None
            )
            shipping = data.address(country=shipping_country) if shipping_country else None
            user = (
                data.customer(self.next_pk("User"), email, orders_count=customer_orders)
                if customer_orders is not None
                else None
            )
            node = {
                "__typename": "Checkout",
                "id": data.global_id("Checkout", token),
                "token": token,
                "email": email,
                "channel": self.channel(channel),
                "user": user,
                "billingAddress": billing,
                "shippingAddress": shipping,
                "totalPrice": data.taxed(total, currency),
                "subtotalPrice": data.taxed(total, currency),
                "shippingPrice": data.taxed(0.0, currency),
                "totalBalance": data.money(-total, currency),
                "created": data.now_iso(),
                "updatedAt": data.now_iso(),
                "lastChange": data.now_iso(),
                "customerNote": "",
                "note": "",
                "isShippingRequired": True,
                "quantity": 1,
                "lines": [],
                "giftCards": [],
                "languageCode": "EN_US",
                "displayGrossPrices": True,
                "authorizeStatus": "NONE",
                "chargeStatus": "NONE",
                "transactions": [],
                "metadata": data.metadata_items(metadata),
                "privateMetadata": data.metadata_items(private_metadata),
            }
            self.checkouts[str(node["id"])] = node
            return node

    def add_order(
        self,
        *,
        status: str = "UNCONFIRMED",
        channel: str = "default-channel",
        email: str = "guest@example.com",
        billing_phone: str | None = "+33612345678",
        billing_country: str = "FR",
        shipping_phone: str = "",
        shipping_country: str | None = "US",
        total: float = 40.0,
        currency: str = "USD",
        customer_orders: int | None = None,
        checkout: dict[str, Any] | None = None,
        lines: list[dict[str, Any]] | None = None,
        metadata: dict[str, str] | None = None,
        private_metadata: dict[str, str] | None = None,
        number: int | None = None,
        is_paid: bool = True,
    ) -> dict[str, Any]:
        """Add an order (a guest unless customer_orders is given: the user's order count)."""
        with self._lock:
            token = str(uuid.uuid4())
            billing = (
                data.address(
                    phone=billing_phone, country=billing_country, city="Paris", postal_code="75001"
                )
                if billing_phone is not None
                else None
            )
            shipping = (
                data.address(phone=shipping_phone, country=shipping_country)
                if shipping_country
                else None
            )
            user = (
                data.customer(self.next_pk("User"), email, orders_count=customer_orders)
                if customer_orders is not None
                else None
            )
            if checkout is not None:
                email, user = checkout["email"], checkout["user"]
                billing, shipping = checkout["billingAddress"], checkout["shippingAddress"]
                metadata = metadata or {i["key"]: i["value"] for i in checkout["metadata"]}
                private_metadata = private_metadata or {
                    i["key"]: i["value"] for i in checkout["privateMetadata"]
                }
                total = checkout["totalPrice"]["gross"]["amount"]
                channel = checkout["channel"]["slug"]
            lines = (
                lines
                if lines is not None
                else [data.order_line(quantity=2, unit_price=total / 2, currency=currency)]
            )
            created = data.now_iso()
            node = {
                "__typename": "Order",
                "id": data.global_id("Order", token),
                "token": token,
                "number": str(number or self.next_pk("OrderNumber")),
                "checkoutId": checkout["id"] if checkout else None,
                "status": status,
                "statusDisplay": status.replace("_", " ").capitalize(),
                "origin": "CHECKOUT",
                "created": created,
                "updatedAt": created,
                "channel": self.channel(channel),
                "userEmail": email,
                "user": user,
                "isShippingRequired": True,
                "isPaid": is_paid,
                "paymentStatus": "FULLY_CHARGED" if is_paid else "NOT_CHARGED",
                "paymentStatusDisplay": "Fully charged" if is_paid else "Not charged",
                "chargeStatus": "FULL" if is_paid else "NONE",
                "authorizeStatus": "FULL" if is_paid else "NONE",
                "total": data.taxed(total, currency),
                "subtotal": data.taxed(total, currency),
                "undiscountedTotal": data.taxed(total, currency),
                "shippingPrice": data.taxed(0.0, currency),
                "totalCharged": data.money(total if is_paid else 0.0, currency),
                "totalCaptured": data.money(total if is_paid else 0.0, currency),
                "totalAuthorized": data.money(0.0, currency),
                "totalBalance": data.money(0.0 if is_paid else -total, currency),
                "billingAddress": billing,
                "shippingAddress": shipping,
                "lines": lines,
                "events": [data.order_event(self.next_pk("OrderEvent"), "PLACED")],
                "customerNote": "",
                "languageCode": "EN_US",
                "languageCodeEnum": "EN_US",
                "transactions": [],
                "payments": [],
                "fulfillments": [],
                "invoices": [],
                "giftCards": [],
                "discounts": [],
                "errors": [],
                "actions": [],
                "metadata": data.metadata_items(metadata),
                "privateMetadata": data.metadata_items(private_metadata),
            }
            self.orders[str(node["id"])] = node
            return node

    def order(self, order_id: str) -> dict[str, Any]:
        """An order by global id."""
        return self.orders[order_id]

    def webhook(self, webhook_id: str) -> dict[str, Any] | None:
        """A webhook node by global id (any app that is not removed)."""
        for record in self.apps.values():
            for hook in record.webhooks:
                if hook["id"] == webhook_id and not record.removed:
                    return hook
        return None

    # ----- events -----
    def event_root(
        self,
        event_type: str,
        obj: dict[str, Any],
        app_id: str | None = None,
        issuer: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Root of an event: __typename, issuedAt, version, recipient, issuingPrincipal, obj."""
        typename = event_typename(event_type)
        event_type_def = self.schema.get_type(typename)
        if not isinstance(event_type_def, GraphQLObjectType):
            raise ValueError(f"Unknown event type {event_type}")
        extra = [
            f
            for f in event_type_def.fields
            if f not in ("issuedAt", "version", "issuingPrincipal", "recipient")
        ]
        obj_type = str(obj.get("__typename", ""))
        key = next((f for f in extra if f.lower() == obj_type.lower()), extra[0] if extra else "")
        recipient = self._recipient(app_id)
        return data.event_root(typename, recipient, self.version, issuer, **{key: obj})

    def _recipient(self, app_id: str | None) -> dict[str, Any]:
        """The recipient App node (or a bare {"id"} for an unknown app id)."""
        if app_id is None:
            app_id = next(iter(self.apps), data.global_id("App", 1))
        record = self.apps.get(app_id)
        return record.node if record else {"__typename": "App", "id": app_id}

    def order_created_event(
        self, order: dict[str, Any], app_id: str | None = None, issuer: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Root of an ORDER_CREATED event."""
        return self.event_root("ORDER_CREATED", order, app_id, issuer)

    def order_confirmed_event(
        self, order: dict[str, Any], app_id: str | None = None, issuer: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Root of an ORDER_CONFIRMED event."""
        return self.event_root("ORDER_CONFIRMED", order, app_id, issuer)

    def order_cancelled_event(
        self, order: dict[str, Any], app_id: str | None = None, issuer: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Root of an ORDER_CANCELLED event."""
        return self.event_root("ORDER_CANCELLED", order, app_id, issuer)

    def order_expired_event(
        self, order: dict[str, Any], app_id: str | None = None, issuer: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Root of an ORDER_EXPIRED event."""
        return self.event_root("ORDER_EXPIRED", order, app_id, issuer)

    def checkout_created_event(
        self,
        checkout: dict[str, Any],
        app_id: str | None = None,
        issuer: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Root of a CHECKOUT_CREATED event."""
        return self.event_root("CHECKOUT_CREATED", checkout, app_id, issuer)

    def checkout_updated_event(
        self,
        checkout: dict[str, Any],
        app_id: str | None = None,
        issuer: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Root of a CHECKOUT_UPDATED event."""
        return self.event_root("CHECKOUT_UPDATED", checkout, app_id, issuer)

    def app_deleted_event(self, app_id: str) -> dict[str, Any]:
        """Root of APP_DELETED for an app's own deletion."""
        return self.event_root(
            "APP_DELETED", {"__typename": "App", **self.apps[app_id].node}, app_id
        )

    def issuer_app(self, app_id: str) -> dict[str, Any]:
        """issuingPrincipal naming an app."""
        return data.principal_app(self._recipient(app_id))

    def issuer_user(self, email: str = "admin@example.com") -> dict[str, Any]:
        """issuingPrincipal naming a staff user."""
        return data.principal_user(self._staff_user(email))

    def render_event(
        self,
        subscription_query: str,
        event_type: str,
        obj: dict[str, Any],
        *,
        app_id: str | None = None,
        issuer: dict[str, Any] | None = None,
        strict: bool = True,
    ) -> bytes:
        """Run a subscription over an event root (or its order/checkout/app) → body bytes."""
        is_root = obj.get("__typename") == event_typename(event_type)
        root = obj if is_root else self.event_root(event_type, obj, app_id, issuer)
        return _render(self.schema, subscription_query, root, strict=strict)

    # ----- webhook delivery -----
    def webhook_headers(self, event: str, signature: str) -> dict[str, str]:
        """Headers of a webhook POST, in Saleor's order."""
        name = event.lower()
        return {
            "User-Agent": self.user_agent,
            "Accept-Encoding": "gzip, deflate",
            "Accept": "*/*",
            "Connection": "keep-alive",
            "Content-Type": "application/json",
            "X-Saleor-Event": name,
            "X-Saleor-Domain": self.domain,
            "X-Saleor-Signature": signature,
            "Saleor-Event": name,
            "Saleor-Domain": self.domain,
            "Saleor-Signature": signature,
            "Saleor-Api-Url": self.api_url,
        }

    def _client_kwargs(self) -> dict[str, Any]:
        """httpx options matching Saleor's requests_hardened client."""
        return {"follow_redirects": False, "timeout": httpx.Timeout(18.0, connect=2.0)}

    def _record(
        self,
        url: str,
        event: str,
        body: bytes,
        headers: dict[str, str],
        response: httpx.Response | None,
        error: str | None = None,
    ) -> None:
        """Record one delivery."""
        with self._lock:
            self.deliveries.append(
                Delivery(
                    url, event, body, headers, response.status_code if response else None, error
                )
            )

    async def deliver(
        self,
        target_url: str,
        event: str,
        body: bytes,
        *,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a webhook like Saleor (signed with the current key unless signature is given)."""
        headers = {
            **self.webhook_headers(event, signature or self.sign(body)),
            **(extra_headers or {}),
        }
        async with httpx.AsyncClient(
            transport=self.outbound_transport, **self._client_kwargs()
        ) as client:
            try:
                response = await client.post(target_url, content=body, headers=headers)
            except httpx.HTTPError as error:
                self._record(target_url, event, body, headers, None, repr(error))
                raise
        self._record(target_url, event, body, headers, response)
        return response

    def deliver_sync(
        self,
        target_url: str,
        event: str,
        body: bytes,
        *,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Blocking twin of deliver (real HTTP only)."""
        headers = {
            **self.webhook_headers(event, signature or self.sign(body)),
            **(extra_headers or {}),
        }
        with httpx.Client(**self._client_kwargs()) as client:
            try:
                response = client.post(target_url, content=body, headers=headers)
            except httpx.HTTPError as error:
                self._record(target_url, event, body, headers, None, repr(error))
                raise
        self._record(target_url, event, body, headers, response)
        return response

    def subscribers(
        self, event_type: str, obj: dict[str, Any], app_id: str | None = None
    ) -> list[tuple[AppRecord, dict[str, Any]]]:
        """(app, webhook) pairs Saleor would deliver this event to."""
        found = []
        for record in self.apps.values():
            if app_id is not None and record.id != app_id:
                continue
            lifecycle = event_type in LIFECYCLE_EVENTS
            if lifecycle and obj.get("id") != record.id:
                continue
            if not lifecycle and not record.is_active:
                continue
            needed = EVENT_PERMISSION.get(event_type.split("_", 1)[0])
            if needed and needed not in record.permissions:
                continue
            for hook in record.webhooks:
                events = [e["eventType"] for e in hook["asyncEvents"]]
                if hook["isActive"] and event_type in events:
                    found.append((record, hook))
        return found

    async def send_event(
        self,
        event_type: str,
        obj: dict[str, Any],
        *,
        app_id: str | None = None,
        issuer: dict[str, Any] | None = None,
    ) -> list[httpx.Response]:
        """Render and deliver an event to every subscribed webhook, as Saleor would."""
        responses = []
        for record, hook in self.subscribers(event_type, obj, app_id):
            root = self.event_root(event_type, obj, record.id, issuer)
            body = _render(self.schema, hook["subscriptionQuery"], root)
            custom = json.loads(hook["customHeaders"] or "{}")
            responses.append(
                await self.deliver(hook["targetUrl"], event_type, body, extra_headers=custom)
            )
        return responses

    async def deliver_emitted(self) -> list[httpx.Response]:
        """Deliver (and clear) the events queued by mutations, in order."""
        with self._lock:
            pending, self.emitted = self.emitted, []
        responses = []
        for item in pending:
            responses += await self.send_event(item.event, item.obj, issuer=item.issuer)
        return responses

    # ----- install -----
    async def install(
        self,
        manifest_url: str,
        app_name: str | None = None,
        *,
        permissions: list[str] | None = None,
        activate: bool = True,
    ) -> InstallResult:
        """Install like Saleor: fetch + validate manifest, create app and webhooks, send token."""
        headers = {
            "User-Agent": self.user_agent,
            "Saleor-Schema-Version": ".".join(self.version.split(".")[:2]),
        }
        async with httpx.AsyncClient(
            transport=self.outbound_transport, **self._client_kwargs()
        ) as client:
            try:
                manifest_response = await client.get(manifest_url, headers=headers)
            except httpx.HTTPError as error:
                raise InstallError(
                    "MANIFEST_URL_CANT_CONNECT", "Can't connect to the manifest URL."
                ) from error
            if manifest_response.status_code >= 400:
                raise InstallError(
                    "MANIFEST_URL_CANT_CONNECT",
                    "Unable to fetch manifest data.",
                    response=manifest_response,
                )
            try:
                raw_manifest = manifest_response.json()
            except ValueError as error:
                raise InstallError(
                    "INVALID_MANIFEST_FORMAT",
                    "Incorrect structure of manifest.",
                    response=manifest_response,
                ) from error
            installed = {r.node["identifier"] for r in self.apps.values() if not r.removed}
            manifest = clean_manifest(self.schema_version, self.schema, raw_manifest, installed)
            record = self._create_app(manifest, app_name, permissions, activate, manifest_url)
            if not manifest.get("tokenTargetUrl"):
                return InstallResult(record, None, manifest, manifest_response, None)
            register = await self._send_token(client, record, manifest["tokenTargetUrl"])
        return InstallResult(record, record.token, manifest, manifest_response, register)

    async def _send_token(
        self, client: httpx.AsyncClient, record: AppRecord, url: str
    ) -> httpx.Response:
        """POST {"auth_token"} to tokenTargetUrl; on failure delete the app like Saleor."""
        headers = {
            "User-Agent": self.user_agent,
            "Content-Type": "application/json",
            "X-Saleor-Domain": self.domain,
            "Saleor-Domain": self.domain,
            "Saleor-Api-Url": self.api_url,
            "Saleor-Schema-Version": ".".join(self.version.split(".")[:2]),
        }
        body = json.dumps({"auth_token": record.token}).encode()
        try:
            response = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            self._drop_app(record)
            raise InstallError(
                "INVALID", "Failed to connect to app. Try later or contact with app support."
            ) from error
        self.register_calls.append(response)
        if response.status_code >= 400:
            self._drop_app(record)
            message = (
                f"App internal error ({response.status_code}). Try later or contact with "
                "app support."
            )
            with contextlib.suppress(ValueError, KeyError, TypeError):
                message = str(response.json()["error"]["message"])
            raise InstallError("INVALID", message, response=response)
        return response

    def _create_app(
        self,
        manifest: dict[str, Any],
        app_name: str | None,
        permissions: list[str] | None,
        activate: bool,
        manifest_url: str,
    ) -> AppRecord:
        """Create the App node, its webhooks and its token."""
        with self._lock:
            app_id = data.global_id("App", self.next_pk("App"))
            perms = list(manifest["permissions"] if permissions is None else permissions)
            node: dict[str, Any] = {
                "__typename": "App",
                "id": app_id,
                "name": app_name or manifest["name"],
                "identifier": manifest["id"],
                "isActive": activate,
                "type": "THIRDPARTY",
                "version": manifest.get("version"),
                "about": manifest.get("about"),
                "appUrl": manifest.get("appUrl"),
                "manifestUrl": manifest_url,
                "tokenTargetUrl": manifest.get("tokenTargetUrl"),
                "author": manifest.get("author"),
                "permissions": [data.permission(p) for p in perms],
                "extensions": [],
                "created": data.now_iso(),
                "metadata": [],
                "privateMetadata": [],
                "problems": [],
                "breakerState": "CLOSED",
                "webhooks": [],
            }
            for hook in manifest["webhooks"]:
                node["webhooks"].append(
                    {
                        "__typename": "Webhook",
                        "id": data.global_id("Webhook", self.next_pk("Webhook")),
                        "name": hook["name"],
                        "isActive": bool(hook["isActive"]),
                        "targetUrl": hook["targetUrl"],
                        "subscriptionQuery": hook["query"],
                        "asyncEvents": [
                            {"eventType": e, "name": e.replace("_", " ").capitalize()}
                            for e in hook["asyncEvents"]
                        ],
                        "syncEvents": [
                            {"eventType": e, "name": e.replace("_", " ").capitalize()}
                            for e in hook["syncEvents"]
                        ],
                        "events": [],
                        "customHeaders": json.dumps(hook["customHeaders"]),
                        "secretKey": None,
                        "identifier": hook.get("identifier"),
                        "app": node,
                    }
                )
            token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(30))
            record = AppRecord(node=node, token=token, permissions=perms, manifest=manifest)
            self.apps[app_id] = record
            return record

    def _drop_app(self, record: AppRecord) -> None:
        """Remove an app whose installation failed."""
        with self._lock:
            self.apps.pop(record.id, None)

    def delete_app(self, app_id: str) -> dict[str, Any]:
        """appDelete: mark removed and inactive, queue APP_DELETED; return the event root."""
        with self._lock:
            record = self.apps[app_id]
            record.removed = True
            record.node["isActive"] = False
            self.emitted.append(EmittedEvent("APP_DELETED", "app", record.node))
            return self.app_deleted_event(app_id)

    def set_app_active(self, app_id: str, active: bool) -> None:
        """appActivate / appDeactivate (a deactivated app's token stops authenticating)."""
        self.apps[app_id].node["isActive"] = active

    def app_token(self, app_id: str) -> str:
        """The raw app token handed to the app at install."""
        return self.apps[app_id].token

    # ----- tokens -----
    def _staff_user(self, email: str) -> dict[str, Any]:
        """The staff user with this email (created on first use)."""
        with self._lock:
            for user in self.users.values():
                if user["email"] == email:
                    return user
            user = data.customer(self.next_pk("User"), email, is_staff=True)
            user["_jwt_token_key"] = secrets.token_urlsafe(9)[:12]
            self.users[user["id"]] = user
            return user

    def _claims(
        self, user: dict[str, Any], token_type: str, ttl: int, iat: int | None
    ) -> dict[str, Any]:
        """Claims shared by Saleor's access and thirdparty JWTs, in Saleor's order."""
        issued = int(time.time()) if iat is None else iat
        return {
            "iat": issued,
            "owner": "saleor",
            "iss": self.api_url,
            "exp": issued + ttl,
            "token": user["_jwt_token_key"],
            "email": user["email"],
            "type": token_type,
            "user_id": user["id"],
            "is_staff": True,
        }

    def issue_staff_token(
        self,
        user_permissions: Iterable[str] = ("MANAGE_ORDERS",),
        ttl: int = 300,
        email: str = "admin@example.com",
        iat: int | None = None,
    ) -> str:
        """A staff access JWT (type access, no permission claims); permissions are remembered."""
        user = self._staff_user(email)
        self.staff_permissions[user["id"]] = list(user_permissions)
        return self.key.encode_jwt(self._claims(user, "access", ttl, iat))

    def issue_app_bridge_token(
        self,
        app_id: str,
        user_permissions: Iterable[str] | None = None,
        permissions: Iterable[str] | None = None,
        ttl: int = 300,
        email: str = "admin@example.com",
        iat: int | None = None,
        user_id: str | None = None,
        audience: str | None = None,
    ) -> str:
        """The dashboard's app JWT (type thirdparty); permissions default to app ∩ user."""
        user = self.users[user_id] if user_id in self.users else self._staff_user(email)
        user_perms = list(
            sorted(enum_values(self.schema_version, "PermissionEnum"))
            if user_permissions is None
            else user_permissions
        )
        if user["id"] not in self.staff_permissions:
            self.staff_permissions[user["id"]] = user_perms
        record = self.apps.get(app_id)
        app_perms = record.permissions if record else []
        granted = (
            [p for p in app_perms if p in user_perms] if permissions is None else list(permissions)
        )
        claims = {
            **self._claims(user, "thirdparty", ttl, iat),
            "app": app_id,
            "permissions": granted,
            "user_permissions": user_perms,
        }
        if audience is not None:
            claims["aud"] = audience
        return self.key.encode_jwt(claims)

    # ----- GraphQL API -----
    def authenticate(self, headers: dict[str, str]) -> Identity:
        """Identity from Authorization: Bearer|JWT <token> or Authorization-Bearer."""
        lowered = {k.lower(): v for k, v in headers.items()}
        raw = lowered.get("authorization-bearer", "").strip()
        scheme, _, value = lowered.get("authorization", "").partition(" ")
        if scheme.lower() in ("bearer", "jwt"):
            raw = value.strip()
        if not raw:
            return ANONYMOUS
        if raw.count(".") == 2:
            return self._jwt_identity(raw)
        for record in self.apps.values():
            if record.token == raw and record.is_active:
                return Identity(
                    "app", frozenset(record.permissions), app_id=record.id, token_type="app"
                )
        return ANONYMOUS

    def _jwt_identity(self, token: str) -> Identity:
        """Identity for a staff access token or an app-bridge (thirdparty) token."""
        try:
            claims = decode_jwt(token, self.jwks())
        except (jwt.PyJWTError, StopIteration) as error:
            code = (
                type(error).__name__ if isinstance(error, jwt.PyJWTError) else "InvalidTokenError"
            )
            return Identity("invalid", error=(str(error) or "Invalid token", code))
        user = self.users.get(str(claims.get("user_id")))
        if user is None or claims.get("type") not in ("access", "thirdparty"):
            return Identity("invalid", error=("Invalid token", "InvalidTokenError"))
        perms = (
            claims.get("permissions", [])
            if claims["type"] == "thirdparty"
            else self.staff_permissions.get(user["id"], [])
        )
        return Identity(
            "staff",
            frozenset(perms),
            user_id=user["id"],
            email=user["email"],
            token_type=str(claims["type"]),
        )

    def handle_graphql(self, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        """Answer one POST /graphql/ body (single or batched) → (status, JSON payload)."""
        try:
            request = json.loads(body or b"null")
        except ValueError:
            return 400, {"errors": [{"message": "Unable to parse query."}]}
        identity = self.authenticate(headers)
        if isinstance(request, list):
            results = [self._run_one(identity, item) for item in request]
            return max(s for s, _ in results) if results else 400, [p for _, p in results]
        return self._run_one(identity, request)

    def _run_one(self, identity: Identity, request: Any) -> tuple[int, dict[str, Any]]:
        """Execute one GraphQL request dict."""
        if not isinstance(request, dict) or not request.get("query"):
            return 400, {"errors": [{"message": "Must provide a query string."}]}
        query, variables = str(request["query"]), request.get("variables") or {}
        operation_name = request.get("operationName")

        def on_mutation(name: str, args: dict[str, Any]) -> None:
            self.mutations.append(
                RecordedCall(name, args, variables, query, identity, operation_name)
            )

        context = ExecContext(identity, self._handlers, on_mutation)
        with self._lock:
            self.requests.append(
                RecordedCall(operation_name or "", {}, variables, query, identity, operation_name)
            )
            return execute_request(self.schema, query, variables, operation_name, context)

    def calls(self, name: str) -> list[RecordedCall]:
        """Recorded mutations with this root field name (e.g. "orderConfirm")."""
        with self._lock:
            return [c for c in self.mutations if c.name == name]

    def reset_records(self) -> None:
        """Forget recorded mutations, requests, deliveries and emitted events."""
        with self._lock:
            self.mutations.clear()
            self.requests.clear()
            self.deliveries.clear()
            self.emitted.clear()
            self.register_calls.clear()
            self.jwks_fetches = 0
