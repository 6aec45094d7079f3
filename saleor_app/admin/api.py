"""`POST /api/admin/graphql`: authenticate the staff user, then run the merchant schema."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from saleor_app.admin.auth import AuthRefused, authenticate, bearer_token, tenant_for
from saleor_app.admin.schema import AdminContext, schema
from saleor_app.context import AppContext
from saleor_app.json_input import loads_untrusted
from saleor_app.request_body import BodyTooLarge, read_body
from saleor_app.request_context import error_response
from saleor_app.store.redis import RedisError

log = logging.getLogger(__name__)

MAX_QUERY_BYTES = 256 * 1024
NO_STORE = {"Cache-Control": "no-store"}


def _request(body: bytes) -> tuple[str, dict[str, Any] | None, str | None]:
    """Query, variables and operation name of a GraphQL POST body; ValueError if malformed."""
    document = loads_untrusted(body)
    if not isinstance(document, dict) or not isinstance(document.get("query"), str):
        raise ValueError("the body must be a JSON object with a query string")
    variables = document.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise ValueError("variables must be a JSON object")
    operation = document.get("operationName")
    return document["query"], variables, operation if isinstance(operation, str) else None


async def admin_graphql(request: Request) -> Response:
    """Run one merchant API request for a verified staff user."""
    ctx: AppContext = request.app.state.ctx
    try:
        body = await read_body(request, MAX_QUERY_BYTES)
        query, variables, operation = _request(body)
    except BodyTooLarge:
        return error_response(413, "BODY_TOO_LARGE", "the request is over 256 KiB")
    except ValueError as exc:
        log.warning("admin api: malformed request", extra={"reason": str(exc)[:200]})
        return error_response(400, "MALFORMED_REQUEST", str(exc)[:200])
    try:
        tenant = await tenant_for(ctx, request.headers.get("saleor-api-url"))
        staff = await authenticate(ctx, tenant, bearer_token(request.headers))
        result = await schema.execute(
            query,
            variable_values=variables,
            operation_name=operation,
            context_value=AdminContext(app=ctx, tenant=tenant, staff=staff),
        )
    except AuthRefused as refused:
        log.warning("admin api refused", extra={"status": refused.status, "reason": refused.code})
        response = error_response(refused.status, refused.code, refused.message)
        response.headers.update(NO_STORE)
        return response
    except RedisError:
        log.exception("store unavailable for the admin api")
        return error_response(503, "STORE_UNAVAILABLE", "try again later")
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    return JSONResponse(payload, headers=NO_STORE)
