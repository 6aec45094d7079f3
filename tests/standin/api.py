"""Resolvers of the stand-in's GraphQL API (root fields and a few computed fields)."""

from __future__ import annotations

import base64
import uuid
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLResolveInfo

from . import data
from .schema_exec import DocumentError, Handler, parse_and_validate, permission_denied
from .state import EmittedEvent, Identity

if TYPE_CHECKING:
    from .saleor import SaleorStandIn

NOT_UNCONFIRMED = "Provided order id belongs to an order with status different than unconfirmed."
NO_PRODUCTS = "Provided order id belongs to an order without products."
CANNOT_CANCEL = "This order can't be canceled."
PROBLEM_DISMISS_LIMIT = 100
"""Saleor's MAX_ITEMS_LIMIT of appProblemDismiss (ids or keys per call)."""
DISMISS_BRANCHES = ("byApp", "byStaffWithIds", "byStaffWithKeys")
CANCELLABLE = {
    "UNCONFIRMED",
    "UNFULFILLED",
    "PARTIALLY_FULFILLED",
    "PARTIALLY_RETURNED",
    "RETURNED",
    "FULFILLED",
}
STATUS_FILTER = {
    "READY_TO_FULFILL": {"UNFULFILLED"},
    "READY_TO_CAPTURE": {"UNFULFILLED"},
    "UNFULFILLED": {"UNFULFILLED"},
    "UNCONFIRMED": {"UNCONFIRMED"},
    "PARTIALLY_FULFILLED": {"PARTIALLY_FULFILLED"},
    "FULFILLED": {"FULFILLED"},
    "CANCELED": {"CANCELED"},
}
META_PERMS = {
    "Order": ("MANAGE_ORDERS", "HANDLE_TAXES"),
    "Checkout": ("MANAGE_CHECKOUTS", "HANDLE_TAXES"),
    "App": ("MANAGE_APPS", "OWNER"),
    "Channel": ("MANAGE_CHANNELS",),
}


def id_error(gid: str, expected: str, found_type: str | None, field: str = "id") -> dict[str, Any]:
    """Saleor's error for an id that is malformed, of another type, or unknown."""
    if found_type is None:
        return {"field": field, "code": "GRAPHQL_ERROR", "message": f"Couldn't resolve id: {gid}."}
    if found_type != expected:
        message = f"Invalid ID: {gid}. Expected: {expected}, received: {found_type}."
        return {"field": field, "code": "GRAPHQL_ERROR", "message": message}
    return {"field": field, "code": "NOT_FOUND", "message": f"Couldn't resolve to a node: {gid}"}


def identity_of(info: GraphQLResolveInfo[Any]) -> Identity:
    """The request's identity."""
    return info.context.identity  # type: ignore[no-any-return]


class Api:
    """GraphQL handlers over a SaleorStandIn's data."""

    def __init__(self, standin: SaleorStandIn) -> None:
        self.s = standin

    def handlers(self) -> dict[tuple[str, str], Handler]:
        """The (type, field) → resolver map."""
        return {
            ("Query", "app"): self.q_app,
            ("Query", "me"): self.q_me,
            ("Query", "order"): self.q_order,
            ("Query", "orders"): self.q_orders,
            ("Query", "channels"): self.q_channels,
            ("Query", "channel"): self.q_channel,
            ("Query", "checkout"): self.q_checkout,
            ("Query", "webhook"): self.q_webhook,
            ("Mutation", "orderConfirm"): self.m_order_confirm,
            ("Mutation", "orderCancel"): self.m_order_cancel,
            ("Mutation", "orderNoteAdd"): self.m_order_note_add,
            ("Mutation", "updatePrivateMetadata"): self.m_update_private_metadata,
            ("Mutation", "updateMetadata"): self.m_update_metadata,
            ("Mutation", "deletePrivateMetadata"): self.m_delete_private_metadata,
            ("Mutation", "deleteMetadata"): self.m_delete_metadata,
            ("Mutation", "channelUpdate"): self.m_channel_update,
            ("Mutation", "webhookUpdate"): self.m_webhook_update,
            ("Mutation", "appProblemCreate"): self.m_app_problem_create,
            ("Mutation", "appProblemDismiss"): self.m_app_problem_dismiss,
            ("App", "accessToken"): self.f_app_access_token,
            ("App", "problems"): self.f_app_problems,
            ("*", "metafield"): self.f_metafield,
            ("*", "privateMetafield"): self.f_private_metafield,
            ("*", "metafields"): self.f_metafields,
            ("*", "privateMetafields"): self.f_private_metafields,
        }

    # ----- helpers -----
    def _issuer(self, identity: Identity) -> dict[str, Any] | None:
        """issuingPrincipal for events caused by this identity."""
        if identity.kind == "app" and identity.app_id in self.s.apps:
            return data.principal_app(self.s.apps[identity.app_id].node)
        if identity.kind == "staff" and identity.user_id in self.s.users:
            return data.principal_user(self.s.users[identity.user_id])
        return None

    def _emit(self, event: str, key: str, obj: dict[str, Any], identity: Identity) -> None:
        """Queue an event the real Saleor would send."""
        self.s.emitted.append(EmittedEvent(event, key, obj, self._issuer(identity)))

    def _order(self, gid: str, field: str = "id") -> tuple[dict[str, Any] | None, list[Any]]:
        """Look up an order by global id, with Saleor's errors."""
        if gid in self.s.orders:
            return self.s.orders[gid], []
        decoded = data.from_global_id(gid)
        return None, [id_error(gid, "Order", decoded[0] if decoded else None, field)]

    def _order_event(
        self, order: dict[str, Any], kind: str, identity: Identity, message: str | None = None
    ) -> dict[str, Any]:
        """Append an OrderEvent made by this identity."""
        app = self.s.apps[identity.app_id].node if identity.app_id in self.s.apps else None
        user = self.s.users.get(identity.user_id or "")
        event = data.order_event(
            self.s.next_pk("OrderEvent"), kind, message=message, app=app, user=user
        )
        order["events"].append(event)
        order["updatedAt"] = data.now_iso()
        return event

    def _node(self, gid: str) -> tuple[str | None, dict[str, Any] | None]:
        """Resolve any metadata-bearing node (Order, Checkout, App, Channel) by id or token."""
        try:
            token = str(uuid.UUID(gid))
        except ValueError:
            token = None
        if token is not None:
            return "Checkout", self.s.checkouts.get(data.global_id("Checkout", token))
        decoded = data.from_global_id(gid)
        if decoded is None:
            return None, None
        stores: dict[str, dict[str, Any]] = {
            "Order": self.s.orders,
            "Checkout": self.s.checkouts,
            "Channel": self.s.channels,
            "App": {k: v.node for k, v in self.s.apps.items() if not v.removed},
        }
        return decoded[0], stores.get(decoded[0], {}).get(gid)

    # ----- queries -----
    def q_app(self, _src: Any, info: GraphQLResolveInfo[Any], id: str | None = None) -> Any:
        """`app(id)`: the calling app, or any app with MANAGE_APPS."""
        ident = identity_of(info)
        target = id or ident.app_id
        record = self.s.apps.get(target or "")
        if record is None or record.removed:
            return None
        if target != ident.app_id and not ident.allows(("MANAGE_APPS",)):
            raise permission_denied(["MANAGE_APPS"])
        return record.node

    def q_me(self, _src: Any, info: GraphQLResolveInfo[Any]) -> Any:
        """`me`: the staff user of a JWT, null for apps and anonymous callers."""
        ident = identity_of(info)
        user = self.s.users.get(ident.user_id or "")
        if user is None:
            return None
        return {**user, "userPermissions": [data.permission(p) for p in sorted(ident.permissions)]}

    def q_order(
        self,
        _src: Any,
        _info: GraphQLResolveInfo[Any],
        id: str | None = None,
        externalReference: str | None = None,
    ) -> Any:
        """`order(id)`."""
        if id is not None:
            return self.s.orders.get(id)
        return next(
            (
                o
                for o in self.s.orders.values()
                if externalReference and o.get("externalReference") == externalReference
            ),
            None,
        )

    def q_orders(self, _src: Any, _info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
        """`orders(first, after, filter, where)` as a connection, newest first."""
        orders = sorted(self.s.orders.values(), key=lambda o: int(o["number"]), reverse=True)
        orders = [o for o in orders if self._order_matches(o, args.get("filter") or {})]
        where = args.get("where") or {}
        if where.get("status"):
            wanted = where["status"].get("oneOf") or [where["status"].get("eq")]
            orders = [o for o in orders if o["status"] in wanted]
        return connection(orders, args)

    def _order_matches(self, order: dict[str, Any], flt: dict[str, Any]) -> bool:
        """Subset of OrderFilterInput: status, channels, ids, numbers, checkoutIds, dates."""
        if flt.get("status"):
            allowed = set().union(*(STATUS_FILTER[s] for s in flt["status"]))
            if order["status"] not in allowed:
                return False
        if flt.get("channels") and order["channel"]["id"] not in flt["channels"]:
            return False
        if flt.get("ids") and order["id"] not in flt["ids"]:
            return False
        if flt.get("numbers") and order["number"] not in flt["numbers"]:
            return False
        if flt.get("checkoutIds") and order.get("checkoutId") not in flt["checkoutIds"]:
            return False
        for key, field in (("created", "created"), ("updatedAt", "updatedAt")):
            rng = flt.get(key) or {}
            if rng.get("gte") and str(order[field]) < str(rng["gte"]):
                return False
            if rng.get("lte") and str(order[field]) > str(rng["lte"]):
                return False
        return True

    def q_channels(self, _src: Any, _info: GraphQLResolveInfo[Any]) -> list[dict[str, Any]]:
        """`channels`, sorted by slug."""
        return sorted(self.s.channels.values(), key=lambda c: c["slug"])

    def q_channel(
        self,
        _src: Any,
        _info: GraphQLResolveInfo[Any],
        id: str | None = None,
        slug: str | None = None,
    ) -> Any:
        """`channel(id|slug)`."""
        return next(
            (c for c in self.s.channels.values() if c["id"] == id or c["slug"] == slug), None
        )

    def q_checkout(
        self,
        _src: Any,
        _info: GraphQLResolveInfo[Any],
        id: str | None = None,
        token: str | None = None,
    ) -> Any:
        """`checkout(id|token)`."""
        key = id or (data.global_id("Checkout", token) if token else "")
        return self.s.checkouts.get(key)

    def q_webhook(self, _src: Any, info: GraphQLResolveInfo[Any], id: str) -> Any:
        """`webhook(id)`."""
        hook = self.s.webhook(id)
        if hook is not None and not identity_of(info).allows(("MANAGE_APPS", "OWNER"), hook):
            raise permission_denied(["MANAGE_APPS", "OWNER"])
        return hook

    # ----- order mutations -----
    def m_order_confirm(self, _src: Any, info: GraphQLResolveInfo[Any], id: str) -> dict[str, Any]:
        """`orderConfirm(id)`: UNCONFIRMED → UNFULFILLED, emits ORDER_CONFIRMED."""
        order, errors = self._order(id)
        if order is not None and order["status"] != "UNCONFIRMED":
            errors = [{"field": "id", "code": "INVALID", "message": NOT_UNCONFIRMED}]
        elif order is not None and not order["lines"]:
            errors = [{"field": "id", "code": "INVALID", "message": NO_PRODUCTS}]
        if errors or order is None:
            return {"order": None, "errors": errors, "orderErrors": errors}
        order["status"] = "UNFULFILLED"
        order["statusDisplay"] = "Unfulfilled"
        self._order_event(order, "CONFIRMED", identity_of(info))
        self._emit("ORDER_CONFIRMED", "order", order, identity_of(info))
        return {"order": order, "errors": [], "orderErrors": []}

    def m_order_cancel(self, _src: Any, info: GraphQLResolveInfo[Any], id: str) -> dict[str, Any]:
        """`orderCancel(id)`: → CANCELED, emits ORDER_CANCELLED and ORDER_UPDATED."""
        order, errors = self._order(id)
        if order is not None and order["status"] not in CANCELLABLE:
            errors = [{"field": "order", "code": "CANNOT_CANCEL_ORDER", "message": CANNOT_CANCEL}]
        if errors or order is None:
            return {"order": None, "errors": errors, "orderErrors": errors}
        order["status"] = "CANCELED"
        order["statusDisplay"] = "Canceled"
        self._order_event(order, "CANCELED", identity_of(info))
        self._emit("ORDER_CANCELLED", "order", order, identity_of(info))
        self._emit("ORDER_UPDATED", "order", order, identity_of(info))
        return {"order": order, "errors": [], "orderErrors": []}

    def m_order_note_add(
        self, _src: Any, info: GraphQLResolveInfo[Any], order: str, input: dict[str, Any]
    ) -> dict[str, Any]:
        """`orderNoteAdd(order, input:{message})`."""
        found, errors = self._order(order, field="id")
        message = str(input.get("message", ""))
        if found is not None and not message.strip():
            errors = [
                {"field": "message", "code": "REQUIRED", "message": "Message can't be empty."}
            ]
        if errors or found is None:
            return {"order": None, "event": None, "errors": errors}
        event = self._order_event(found, "NOTE_ADDED", identity_of(info), message)
        self._emit("ORDER_UPDATED", "order", found, identity_of(info))
        return {"order": found, "event": event, "errors": []}

    # ----- metadata -----
    def _meta(
        self, info: GraphQLResolveInfo[Any], gid: str, private: bool, change: Any
    ) -> dict[str, Any]:
        """Shared body of the four metadata mutations."""
        type_name, node = self._node(gid)
        if node is None:
            err = id_error(gid, str(type_name), type_name)
            return {"item": None, "errors": [err], "metadataErrors": [err]}
        perms = META_PERMS.get(str(type_name), ())
        if type_name == "Checkout" and not private:
            perms = ()
        if perms and not identity_of(info).allows(perms, node):
            raise permission_denied([p for p in perms if p != "OWNER"] or list(perms))
        key = "privateMetadata" if private else "metadata"
        node[key] = change(node[key])
        if "updatedAt" in node:
            node["updatedAt"] = data.now_iso()
        if type_name in ("Order", "Checkout"):
            self._emit(
                f"{str(type_name).upper()}_METADATA_UPDATED",
                str(type_name).lower(),
                node,
                identity_of(info),
            )
        return {"item": node, "errors": [], "metadataErrors": []}

    def _upsert(
        self, info: GraphQLResolveInfo[Any], gid: str, items: list[dict[str, str]], private: bool
    ) -> dict[str, Any]:
        """Update (upsert) metadata items."""
        if any(not str(i["key"]).strip() for i in items):
            err = {"field": "input", "code": "REQUIRED", "message": "Metadata key cannot be empty."}
            return {"item": None, "errors": [err], "metadataErrors": [err]}

        def change(current: list[dict[str, str]]) -> list[dict[str, str]]:
            merged = {i["key"]: i["value"] for i in current}
            merged.update({i["key"]: i["value"] for i in items})
            return data.metadata_items(merged)

        return self._meta(info, gid, private, change)

    def _delete(
        self, info: GraphQLResolveInfo[Any], gid: str, keys: list[str], private: bool
    ) -> dict[str, Any]:
        """Delete metadata keys."""
        return self._meta(
            info, gid, private, lambda cur: [i for i in cur if i["key"] not in set(keys)]
        )

    def m_update_private_metadata(
        self, _s: Any, info: GraphQLResolveInfo[Any], id: str, input: list[dict[str, str]]
    ) -> dict[str, Any]:
        """`updatePrivateMetadata(id, input)`."""
        return self._upsert(info, id, input, private=True)

    def m_update_metadata(
        self, _s: Any, info: GraphQLResolveInfo[Any], id: str, input: list[dict[str, str]]
    ) -> dict[str, Any]:
        """`updateMetadata(id, input)`."""
        return self._upsert(info, id, input, private=False)

    def m_delete_private_metadata(
        self, _s: Any, info: GraphQLResolveInfo[Any], id: str, keys: list[str]
    ) -> dict[str, Any]:
        """`deletePrivateMetadata(id, keys)`."""
        return self._delete(info, id, keys, private=True)

    def m_delete_metadata(
        self, _s: Any, info: GraphQLResolveInfo[Any], id: str, keys: list[str]
    ) -> dict[str, Any]:
        """`deleteMetadata(id, keys)`."""
        return self._delete(info, id, keys, private=False)

    # ----- channel, webhook, app -----
    def m_channel_update(
        self, _s: Any, info: GraphQLResolveInfo[Any], id: str, input: dict[str, Any]
    ) -> dict[str, Any]:
        """`channelUpdate(id, input)`: MANAGE_CHANNELS, or MANAGE_ORDERS for orderSettings only."""
        ident = identity_of(info)
        only_order_settings = set(input) <= {"orderSettings"}
        if not (
            ident.allows(("MANAGE_CHANNELS",))
            or (only_order_settings and ident.allows(("MANAGE_ORDERS",)))
        ):
            raise permission_denied(["MANAGE_CHANNELS"])
        found = self.s.channels.get(id)
        if found is None:
            decoded = data.from_global_id(id)
            err = id_error(id, "Channel", decoded[0] if decoded else None)
            return {"channel": None, "errors": [err], "channelErrors": [err]}
        for key, value in input.items():
            if key == "orderSettings":
                found["orderSettings"].update(value)
            elif key in ("name", "slug", "isActive"):
                found[key] = value
        self._emit("CHANNEL_UPDATED", "channel", found, ident)
        return {"channel": found, "errors": [], "channelErrors": []}

    def m_webhook_update(
        self, _s: Any, info: GraphQLResolveInfo[Any], id: str, input: dict[str, Any]
    ) -> dict[str, Any]:
        """`webhookUpdate(id, input)`: an app may update its own webhooks."""
        hook = self.s.webhook(id)
        if hook is None or not identity_of(info).allows(("MANAGE_APPS", "OWNER"), hook):
            err = {
                "field": "id",
                "code": "NOT_FOUND",
                "message": f"Couldn't resolve to a node: {id}",
            }
            return {"webhook": None, "errors": [err], "webhookErrors": [err]}
        if input.get("query") is not None:
            try:
                parse_and_validate(self.s.schema, input["query"])
            except DocumentError as error:
                err = {"field": "query", "code": "SYNTAX", "message": str(error)}
                return {"webhook": None, "errors": [err], "webhookErrors": [err]}
            hook["subscriptionQuery"] = input["query"]
        for key in ("name", "targetUrl", "isActive", "identifier", "customHeaders"):
            if input.get(key) is not None:
                hook[key] = input[key]
        if input.get("asyncEvents") is not None:
            hook["asyncEvents"] = [
                {"eventType": e, "name": e.replace("_", " ").capitalize()}
                for e in input["asyncEvents"]
            ]
        return {"webhook": hook, "errors": [], "webhookErrors": []}

    def m_app_problem_create(
        self, _s: Any, info: GraphQLResolveInfo[Any], input: dict[str, Any]
    ) -> dict[str, Any]:
        """`appProblemCreate(input)` (Saleor 3.22+): aggregates by key within the period."""
        record = self.s.apps[str(identity_of(info).app_id)]
        message, key = str(input["message"]), str(input["key"])
        if len(message) < 3:
            err = {
                "field": "message",
                "code": "INVALID",
                "message": "Message must be at least 3 characters.",
            }
            return {"appProblem": None, "errors": [err]}
        if not 3 <= len(key) <= 128:
            err = {
                "field": "key",
                "code": "INVALID",
                "message": "Key must be between 3 and 128 characters.",
            }
            return {"appProblem": None, "errors": [err]}
        if len(message) > 2048:
            message = message[:2045] + "..."
        problems = record.node.setdefault("problems", [])
        existing = next(
            (
                p
                for p in problems
                if p["key"] == key
                and p["dismissed"] is None
                and input.get("aggregationPeriod", 60) != 0
            ),
            None,
        )
        if existing is None:
            existing = {
                "id": data.global_id("AppProblem", self.s.next_pk("AppProblem")),
                "createdAt": data.now_iso(),
                "count": 0,
                "isCritical": False,
                "dismissed": None,
                "key": key,
            }
            problems.append(existing)
        existing.update(message=message, updatedAt=data.now_iso(), count=existing["count"] + 1)
        threshold = input.get("criticalThreshold")
        existing["isCritical"] = bool(threshold and existing["count"] >= threshold)
        return {"appProblem": existing, "errors": []}

    def m_app_problem_dismiss(
        self, _s: Any, info: GraphQLResolveInfo[Any], input: dict[str, Any]
    ) -> dict[str, Any]:
        """`appProblemDismiss(input)` (3.22+): an app dismisses its own problems by ids or
        keys (`byApp`); staff with MANAGE_APPS dismiss any app's (`byStaffWith*`)."""
        ident = identity_of(info)
        given = [name for name in DISMISS_BRANCHES if input.get(name) is not None]
        if len(given) != 1:
            names = ", ".join(f"'{name}'" for name in DISMISS_BRANCHES)
            message = (
                f"Argument '{given[0]}' cannot be combined with '{given[1]}'"
                if given
                else f"At least one of arguments is required: {names}."
            )
            return {"errors": [{"field": None, "code": "GRAPHQL_ERROR", "message": message}]}
        branch = given[0]
        body = input[branch]
        if (branch == "byApp") != (ident.kind == "app"):
            message = (
                "Only app callers can use 'byApp'."
                if branch == "byApp"
                else "App callers cannot use this input. Use 'byApp' instead."
            )
            return {"errors": [{"field": branch, "code": "INVALID", "message": message}]}
        ids, keys = body.get("ids") or [], body.get("keys") or []
        if branch == "byApp" and ids and keys:
            message = "Cannot specify both 'ids' and 'keys'."
            return {"errors": [{"field": "byApp", "code": "INVALID", "message": message}]}
        if branch == "byApp" and not ids and not keys:
            message = "Must provide either 'ids' or 'keys'."
            return {"errors": [{"field": "byApp", "code": "REQUIRED", "message": message}]}
        for name, items in (("ids", ids), ("keys", keys)):
            if len(items) > PROBLEM_DISMISS_LIMIT:
                message = f"Cannot specify more than {PROBLEM_DISMISS_LIMIT} items."
                return {"errors": [{"field": name, "code": "INVALID", "message": message}]}
        if branch == "byApp":
            owner = self.s.apps.get(str(ident.app_id))
            problems = owner.node.get("problems", []) if owner else []
            if any(p["id"] in ids for a in self.s.apps.values() if a is not owner
                   for p in a.node.get("problems", [])):
                message = "Cannot dismiss problems belonging to other apps."
                return {"errors": [{"field": "ids", "code": "INVALID", "message": message}]}
        elif branch == "byStaffWithKeys":
            target = self.s.apps.get(str(body["app"]))
            if target is None:
                return {"errors": [id_error(str(body["app"]), "App", None, "app")]}
            problems = target.node.get("problems", [])
        else:
            problems = [p for a in self.s.apps.values() for p in a.node.get("problems", [])]
        by_user = ident.kind == "staff"
        dismissed = {
            "by": "USER" if by_user else "APP",
            "user": self.s.users.get(ident.user_id or "") if by_user else None,
            "userEmail": ident.email if by_user else None,
        }
        for problem in problems:
            if problem["dismissed"] is None and (problem["id"] in ids or problem["key"] in keys):
                problem["dismissed"] = dismissed
        return {"errors": []}

    # ----- computed fields -----
    def f_app_access_token(
        self, source: dict[str, Any], info: GraphQLResolveInfo[Any]
    ) -> str | None:
        """`App.accessToken`: an app-bridge JWT for the calling staff user."""
        ident = identity_of(info)
        if ident.kind != "staff" or ident.user_id not in self.s.users:
            return None
        return self.s.issue_app_bridge_token(
            source["id"],
            user_permissions=sorted(ident.permissions),
            email=ident.email or "",
            user_id=ident.user_id,
        )

    def f_app_problems(
        self, source: dict[str, Any], _info: GraphQLResolveInfo[Any], limit: int | None = None
    ) -> list[dict[str, Any]]:
        """`App.problems(limit)`."""
        problems = list(source.get("problems", []))
        return problems[:limit] if limit else problems

    @staticmethod
    def f_metafield(source: dict[str, Any], _i: GraphQLResolveInfo[Any], key: str) -> str | None:
        """`metafield(key)`."""
        return {i["key"]: i["value"] for i in source.get("metadata", [])}.get(key)

    @staticmethod
    def f_private_metafield(
        source: dict[str, Any], _i: GraphQLResolveInfo[Any], key: str
    ) -> str | None:
        """`privateMetafield(key)`."""
        return {i["key"]: i["value"] for i in source.get("privateMetadata", [])}.get(key)

    @staticmethod
    def f_metafields(
        source: dict[str, Any], _i: GraphQLResolveInfo[Any], keys: list[str] | None = None
    ) -> dict[str, str]:
        """`metafields(keys)`."""
        values = {i["key"]: i["value"] for i in source.get("metadata", [])}
        return {k: v for k, v in values.items() if keys is None or k in keys}

    @staticmethod
    def f_private_metafields(
        source: dict[str, Any], _i: GraphQLResolveInfo[Any], keys: list[str] | None = None
    ) -> dict[str, str]:
        """`privateMetafields(keys)`."""
        values = {i["key"]: i["value"] for i in source.get("privateMetadata", [])}
        return {k: v for k, v in values.items() if keys is None or k in keys}


def cursor(index: int) -> str:
    """Opaque connection cursor."""
    return base64.b64encode(f"arrayconnection:{index}".encode()).decode("ascii")


def connection(items: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
    """A Relay connection over items with first/after/last/before."""
    indexed = list(enumerate(items))
    if args.get("after"):
        after = int(base64.b64decode(args["after"]).decode().rsplit(":", 1)[1])
        indexed = [(i, o) for i, o in indexed if i > after]
    if args.get("before"):
        before = int(base64.b64decode(args["before"]).decode().rsplit(":", 1)[1])
        indexed = [(i, o) for i, o in indexed if i < before]
    total = len(indexed)
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError(
            "You must provide a `first` or `last` value to properly paginate the "
            "`orders` connection."
        )
    if first is not None:
        indexed = indexed[:first]
    if last is not None:
        indexed = indexed[-last:] if last else []
    edges = [{"node": o, "cursor": cursor(i)} for i, o in indexed]
    return {
        "edges": edges,
        "totalCount": len(items),
        "pageInfo": {
            "hasNextPage": first is not None and total > len(edges),
            "hasPreviousPage": last is not None and total > len(edges),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }
