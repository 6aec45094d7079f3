"""Manifest validation the way Saleor's clean_manifest_data does it (the parts tests need)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from graphql import FieldNode, GraphQLSchema, InlineFragmentNode

from .schema_exec import (
    DocumentError,
    enum_values,
    operation_of,
    parse_and_validate,
    subscription_top_fields,
)

APP_URL_SCHEMES = ("http", "https", "ftp", "ftps")
WEBHOOK_URL_SCHEMES = ("http", "https", "awssqs", "gcpubsub")
_HOST_RE = re.compile(r"^(localhost|[a-z0-9\-._~%]+|\[[0-9a-f:.]+\])$", re.IGNORECASE)


class InstallError(Exception):
    """Saleor refused the installation (AppInstallation FAILED with this message)."""

    def __init__(
        self, code: str, message: str, field: str | None = None, response: Any = None
    ) -> None:
        super().__init__(f"{code}: {message}" + (f" ({field})" if field else ""))
        self.code, self.message, self.field, self.response = code, message, field, response


def valid_url(url: object, schemes: tuple[str, ...]) -> bool:
    """AppURLValidator: allowed scheme, a host (single-label allowed), optional 2-5 digit port."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = parts.netloc.rsplit("@", 1)[-1]
    host = host.rsplit(":", 1)[0] if port is not None else host
    port_ok = port is None or 2 <= len(str(port)) <= 5
    return parts.scheme in schemes and bool(host) and bool(_HOST_RE.match(host)) and port_ok


def camel_to_event(name: str) -> str:
    """OrderCreated / orderCreated → ORDER_CREATED."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def events_from_query(schema: GraphQLSchema, query: str) -> list[str]:
    """Events a subscription implies: `... on OrderCreated` fragments, or a named root field."""
    document = parse_and_validate(schema, query)
    op = operation_of(document)
    found: list[str] = []
    for selection in op.selection_set.selections:
        if not isinstance(selection, FieldNode):
            continue
        if selection.name.value != "event":
            found.append(camel_to_event(selection.name.value))
            continue
        for sub in selection.selection_set.selections if selection.selection_set else ():
            if isinstance(sub, InlineFragmentNode) and sub.type_condition:
                found.append(camel_to_event(sub.type_condition.name.value))
    return found


def clean_webhook(schema_version: str, schema: GraphQLSchema, hook: Any) -> dict[str, Any]:
    """Validate one manifest webhook; return it with asyncEvents/syncEvents resolved."""
    if not isinstance(hook, dict):
        raise InstallError(
            "INVALID_MANIFEST_FORMAT", "Incorrect structure of manifest.", "webhooks"
        )
    for key in ("name", "targetUrl", "query"):
        if not hook.get(key):
            raise InstallError("REQUIRED", "Field required", f"webhooks.{key}")
    if not valid_url(hook["targetUrl"], WEBHOOK_URL_SCHEMES):
        raise InstallError("INVALID_URL_FORMAT", "Invalid target url.", "webhooks")
    try:
        top = subscription_top_fields(parse_and_validate(schema, hook["query"]))
    except DocumentError as error:
        raise InstallError(
            "INVALID", f"Subscription query is not valid: {error}", "webhooks"
        ) from error
    if len(top) != 1 and set(top) != {"event"}:
        raise InstallError("INVALID", "Subscription query can use only one top field.", "webhooks")
    async_events = list(hook.get("asyncEvents") or [])
    sync_events = list(hook.get("syncEvents") or [])
    if any(e not in enum_values(schema_version, "WebhookEventTypeAsyncEnum") for e in async_events):
        raise InstallError("INVALID", "Invalid asynchronous event.", "webhooks")
    if any(e not in enum_values(schema_version, "WebhookEventTypeSyncEnum") for e in sync_events):
        raise InstallError("INVALID", "Invalid synchronous event.", "webhooks")
    if not async_events and not sync_events:
        derived = events_from_query(schema, hook["query"])
        async_values = enum_values(schema_version, "WebhookEventTypeAsyncEnum")
        async_events = [e for e in derived if e in async_values]
        sync_events = [e for e in derived if e not in async_values]
    headers = hook.get("customHeaders") or {}
    if (
        not isinstance(headers, dict)
        or len(headers) > 5
        or any(
            not (k.lower().startswith(("x-", "authorization")) or k == "BrokerProperties")
            for k in headers
        )
    ):
        raise InstallError("INVALID_CUSTOM_HEADERS", "Invalid custom headers.", "webhooks")
    return {
        **hook,
        "asyncEvents": async_events,
        "syncEvents": sync_events,
        "customHeaders": {k.lower(): v for k, v in headers.items()},
        "isActive": hook.get("isActive", True),
    }


def clean_manifest(
    schema_version: str, schema: GraphQLSchema, manifest: Any, installed_identifiers: set[str]
) -> dict[str, Any]:
    """Validate a manifest like Saleor; return it with webhooks cleaned."""
    if not isinstance(manifest, dict):
        raise InstallError("INVALID_MANIFEST_FORMAT", "Incorrect structure of manifest.")
    for key in ("id", "name", "version"):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            raise InstallError("REQUIRED", "Field required", key)
    if manifest["id"] in installed_identifiers:
        raise InstallError(
            "UNIQUE", "App with the same identifier is already installed.", "identifier"
        )
    if "tokenTargetUrl" in manifest and not valid_url(manifest["tokenTargetUrl"], APP_URL_SCHEMES):
        raise InstallError("INVALID_URL_FORMAT", "Incorrect format.", "tokenTargetUrl")
    permissions = manifest.get("permissions") or []
    if any(p not in enum_values(schema_version, "PermissionEnum") for p in permissions):
        raise InstallError("INVALID_PERMISSION", "Given permissions don't exist.", "permissions")
    webhooks = [clean_webhook(schema_version, schema, h) for h in manifest.get("webhooks") or []]
    return {**manifest, "permissions": list(permissions), "webhooks": webhooks}
