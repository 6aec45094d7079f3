"""Executing GraphQL documents against Saleor's real schema with graphql-core."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    default_field_resolver,
    execute_sync,
    parse,
    validate,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "saleor"
SCHEMA_FILES = {"3.23": FIXTURES / "schema.graphql", "next": FIXTURES / "schema-next.graphql"}
SALEOR_VERSIONS = {"3.23": "3.23.28", "next": "3.24.0-a.0"}
COST = {"cost": {"requestedQueryCost": 0, "maximumAvailable": 50000}}
_PERM_RE = re.compile(r"Requires one of the following permissions: ([A-Z_, ]+)")
# Where Saleor's resolvers are stricter or looser than the schema description says.
PERMISSION_OVERRIDES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Query", "order"): ("MANAGE_ORDERS",),
    ("Query", "checkout"): (),
    ("User", "orders"): ("MANAGE_STAFF", "MANAGE_ORDERS", "OWNER"),
    ("Mutation", "channelUpdate"): (),  # checked in the resolver (MANAGE_ORDERS for orderSettings)
}

Handler = Callable[..., Any]


class DocumentError(Exception):
    """A document that does not parse or validate against the schema."""

    def __init__(self, errors: list[GraphQLError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class ExecutionFailed(Exception):
    """Executing a webhook subscription produced errors."""


@functools.cache
def load_schema(version: str) -> GraphQLSchema:
    """Saleor's schema for "3.23" or "next" (built once per process)."""
    return build_schema(SCHEMA_FILES[version].read_text(encoding="utf-8"))


@functools.cache
def enum_values(version: str, enum_name: str) -> frozenset[str]:
    """Names of an enum of the schema (e.g. PermissionEnum)."""
    return frozenset(load_schema(version).get_type(enum_name).values)  # type: ignore[union-attr]


def parse_and_validate(schema: GraphQLSchema, source: str) -> DocumentNode:
    """Parse and validate a document, raising DocumentError like Saleor would reject it."""
    try:
        document = parse(source)
    except GraphQLError as error:
        raise DocumentError([error]) from error
    errors = validate(schema, document)
    if errors:
        raise DocumentError(list(errors))
    return document


def operation_of(document: DocumentNode, name: str | None = None) -> OperationDefinitionNode:
    """The operation to run (the named one, or the only one)."""
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for op in ops:
        if name is None or (op.name and op.name.value == name):
            return op
    raise DocumentError([GraphQLError(f"Unknown operation named '{name}'.")])


def subscription_top_fields(document: DocumentNode) -> list[str]:
    """Top-level field names of a subscription document (Saleor allows one, or only `event`)."""
    op = operation_of(document)
    if op.operation != OperationType.SUBSCRIPTION:
        raise DocumentError([GraphQLError("Subscription operation is required.")])
    return [s.name.value for s in op.selection_set.selections if isinstance(s, FieldNode)]


def permission_denied(perms: tuple[str, ...] | list[str]) -> GraphQLError:
    """Saleor's PermissionDenied GraphQL error."""
    message = "To access this path, you need one of the following permissions: " + ", ".join(perms)
    return GraphQLError(message, extensions={"exception": {"code": "PermissionDenied"}})


def required_permissions(schema: GraphQLSchema, type_name: str, field_name: str) -> tuple[str, ...]:
    """Permissions a field needs, read from the schema description (with overrides)."""
    return _required_permissions(id(schema), schema, type_name, field_name)


@functools.lru_cache(maxsize=4096)
def _required_permissions(
    _key: int, schema: GraphQLSchema, type_name: str, field_name: str
) -> tuple[str, ...]:
    """Cached body of required_permissions."""
    if (type_name, field_name) in PERMISSION_OVERRIDES:
        return PERMISSION_OVERRIDES[(type_name, field_name)]
    gql_type = schema.get_type(type_name)
    fields = getattr(gql_type, "fields", None) or {}
    description = fields[field_name].description if field_name in fields else None
    match = _PERM_RE.search(description or "")
    return tuple(p for p in re.split(r"[ ,]+", match.group(1).strip()) if p) if match else ()


@dataclass
class ExecContext:
    """Per-execution context: who is asking and which resolvers answer root fields."""

    identity: Any = None  # None = no permission checks (webhook payload rendering)
    handlers: dict[tuple[str, str], Handler] = field(default_factory=dict)
    on_mutation: Callable[[str, dict[str, Any]], None] | None = None


def field_resolver(source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
    """Resolve a field: permission check, custom handler, else dict lookup."""
    ctx: ExecContext = info.context
    parent, name = info.parent_type.name, info.field_name
    if parent == "Mutation" and ctx.on_mutation is not None:
        ctx.on_mutation(name, args)
    if ctx.identity is not None:
        error = getattr(ctx.identity, "error", None)
        if error and parent in ("Query", "Mutation"):
            raise GraphQLError(error[0], extensions={"exception": {"code": error[1]}})
        perms = required_permissions(info.schema, parent, name)
        if perms and not ctx.identity.allows(perms, source):
            raise permission_denied(perms)
    handler = ctx.handlers.get((parent, name)) or ctx.handlers.get(("*", name))
    if handler is not None:
        return handler(source, info, **args)
    if parent in ("Query", "Mutation", "Subscription") and not isinstance(source, dict):
        raise GraphQLError(f"Saleor stand-in does not implement {parent}.{name}.")
    return default_field_resolver(source, info, **args)


def format_error(error: GraphQLError) -> dict[str, Any]:
    """A GraphQL error in Saleor's response shape."""
    out = error.formatted
    if "extensions" not in out or "exception" not in out["extensions"]:
        code = type(error.original_error).__name__ if error.original_error else "GraphQLError"
        out["extensions"] = {"exception": {"code": code}}
    return dict(out)


def execute_request(
    schema: GraphQLSchema,
    query: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    context: ExecContext,
) -> tuple[int, dict[str, Any]]:
    """Run one API request; return (HTTP status, Saleor-shaped JSON response)."""
    try:
        document = parse_and_validate(schema, query)
    except DocumentError as error:
        return 400, {"errors": [format_error(e) for e in error.errors], "extensions": COST}
    result = execute_sync(
        schema,
        document,
        variable_values=variables or {},
        operation_name=operation_name,
        context_value=context,
        field_resolver=field_resolver,
    )
    response: dict[str, Any] = {}
    if result.errors:
        response["errors"] = [format_error(e) for e in result.errors]
    if result.data is None and result.errors and not _ran(result.errors):
        return 400, {**response, "extensions": COST}
    response["data"] = result.data
    response["extensions"] = COST
    return 200, response


def _ran(errors: list[GraphQLError]) -> bool:
    """Whether errors came from resolving fields (have a path) rather than from variables."""
    return any(e.path for e in errors)


def render_event(
    schema: GraphQLSchema, subscription_query: str, root: dict[str, Any], *, strict: bool = True
) -> bytes:
    """Execute a webhook subscription over an event root and serialise it like Saleor."""
    document = parse_and_validate(schema, subscription_query)
    top = subscription_top_fields(document)
    if len(top) != 1 and set(top) != {"event"}:
        raise DocumentError([GraphQLError("Subscription must select only one top field.")])
    result = execute_sync(
        schema,
        document,
        root_value={name: root for name in top},
        context_value=ExecContext(),
        field_resolver=field_resolver,
    )
    if result.errors and strict:
        raise ExecutionFailed("; ".join(f"{e.message} at {e.path}" for e in result.errors))
    data = result.data or {}
    payload: dict[str, Any] = dict(data["event"] or {}) if set(top) == {"event"} else {"data": data}
    if result.errors:
        payload["errors"] = [format_error(e) for e in result.errors]
    return json.dumps(payload).encode("utf-8")
