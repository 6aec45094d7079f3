"""Build InboundRequests the way the HTTP layer will: public URL, raw body, headers."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.datastructures import Headers

from saleor_app.sms import InboundRequest

APP_URL = "https://otp.example.com"
TENANT_KEY = "tk_4f0c9d2a7e1b4c8f9a3d5e6b7c8d9e0f"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def url_for(provider: str, query: str = "") -> str:
    """The public webhook URL of `provider` for the test tenant."""
    url = f"{APP_URL}/api/sms/{provider}/{TENANT_KEY}"
    return f"{url}?{query}" if query else url


def inbound(
    url: str,
    *,
    method: str = "POST",
    body: bytes = b"",
    content_type: str = "",
    headers: Mapping[str, str] | None = None,
) -> InboundRequest:
    """An InboundRequest with case-insensitive headers, as Starlette gives them."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if content_type:
        raw_headers.append((b"content-type", content_type.encode()))
    return InboundRequest(
        method=method,
        public_url=url,
        headers=Headers(raw=raw_headers),
        body=body,
        content_type=content_type,
    )


def form(params: Mapping[str, str]) -> bytes:
    """`params` as an `application/x-www-form-urlencoded` body."""
    return urlencode(params).encode("ascii")
