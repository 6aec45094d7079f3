"""`POST /graphql` (and its CORS preflight): bounded body, rate limits, then the schema."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from saleor_app.json_input import loads_untrusted
from saleor_app.request_body import BodyTooLarge, read_body
from saleor_app.store.keys import tenant_id_for
from saleor_app.store.redis import RedisError
from saleor_app.storefront.context import StorefrontContext, valid_api_url
from saleor_app.storefront.cors import (
    ALLOWED_HEADERS,
    ALLOWED_METHODS,
    PREFLIGHT_MAX_AGE_SECONDS,
    app_origin,
    normalize_origin,
    note_refused_origin,
    origin_allowed,
)
from saleor_app.storefront.limits import MAX_BODY_BYTES, allow_client
from saleor_app.storefront.schema import schema
from saleor_app.storefront.services import services

log = logging.getLogger(__name__)

QUERY_AND_MUTATION = frozenset({OperationType.QUERY, OperationType.MUTATION})


def _error(status: int, code: str, message: str, headers: dict[str, str]) -> JSONResponse:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers)


async def preflight(request: Request) -> Response:
    """OPTIONS: granted to any http(s) origin for POST with our two headers (the response
    itself tells whether the named shop admits the origin)."""
    origin = request.headers.get("origin", "")
    method = request.headers.get("access-control-request-method", "")
    asked = request.headers.get("access-control-request-headers", "")
    headers = {h.strip().lower() for h in asked.split(",") if h.strip()}
    known = normalize_origin(origin) is not None
    if method != "POST" or not headers <= ALLOWED_HEADERS or not known:
        log.warning("storefront preflight refused", extra={"origin": origin[:200]})
        return Response(status_code=403, headers={"Vary": "Origin"})
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": normalize_origin(origin) or "",
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ", ".join(sorted(ALLOWED_HEADERS)),
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
            "Vary": "Origin",
        },
    )


async def _cors_headers(request: Request, api_url: str | None) -> dict[str, str]:
    headers = {"Vary": "Origin"}
    origin = request.headers.get("origin")
    if not origin or api_url is None:
        return headers
    ctx = request.app.state.ctx
    tenant_id = tenant_id_for(api_url)
    settings = await services(request.app).settings.get(ctx, tenant_id)
    wanted = normalize_origin(origin)
    if origin_allowed(origin, settings.allowed_origins) or wanted == app_origin(ctx):
        headers["Access-Control-Allow-Origin"] = wanted or ""
    elif wanted is not None:
        await note_refused_origin(ctx.store.client, tenant_id, wanted)
    return headers


def _parse(body: bytes) -> tuple[str, dict[str, Any] | None, str | None] | None:
    try:
        document = loads_untrusted(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    query, variables = document.get("query"), document.get("variables")
    name = document.get("operationName")
    if not isinstance(query, str) or not isinstance(variables, dict | None):
        return None
    return query, variables, name if isinstance(name, str) else None


async def graphql_http(request: Request) -> Response:
    """Execute one query or mutation for the tenant named by `Saleor-Api-Url`."""
    if request.method == "OPTIONS":
        return await preflight(request)
    api_url = valid_api_url(request.headers.get("saleor-api-url"))
    found = services(request.app)
    ctx = request.app.state.ctx
    address = request.client.host if request.client else "unknown"
    try:
        headers = await _cors_headers(request, api_url)
        if not await allow_client(ctx.store.client, found.limits, address):
            headers["Retry-After"] = "60"
            return _error(429, "RATE_LIMITED", "too many requests; retry in a minute", headers)
        if api_url is None:
            return _error(400, "NO_TENANT", "send the Saleor-Api-Url header", headers)
        if "application/json" not in request.headers.get("content-type", ""):
            return _error(415, "BAD_CONTENT_TYPE", "send application/json", headers)
        try:
            body = await read_body(request, MAX_BODY_BYTES)
        except BodyTooLarge:
            return _error(413, "BODY_TOO_LARGE", f"body over {MAX_BODY_BYTES} bytes", headers)
        parsed = _parse(body)
        if parsed is None:
            return _error(400, "BAD_REQUEST", 'send {"query", "variables"} as JSON', headers)
        query, variables, operation = parsed
        context = StorefrontContext(
            app=ctx,
            hub=found.hub,
            limits=found.limits,
            client_address=address,
            cache=found.settings,
            saleor_api_url=api_url,
        )
        result = await schema.execute(
            query,
            variable_values=variables,
            operation_name=operation,
            context_value=context,
            allowed_operation_types=QUERY_AND_MUTATION,
        )
    except InvalidOperationTypeError:
        return _error(400, "NOT_ALLOWED", "subscriptions use the websocket", headers)
    except (RedisError, OSError):
        log.exception("store unavailable for the storefront API")
        return _error(503, "STORE_UNAVAILABLE", "try again later", {"Vary": "Origin"})
    if any(isinstance(e.original_error, RedisError | OSError) for e in result.errors or ()):
        return _error(503, "STORE_UNAVAILABLE", "try again later", headers)
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    status = 400 if result.data is None else 200
    return JSONResponse(payload, status_code=status, headers=headers)
