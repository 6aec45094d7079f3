"""Send a signed `generic` inbound SMS to a running app, as a gateway would."""

from __future__ import annotations

import json
import secrets
import time

import httpx

from saleor_app.sms.generic import sign_generic


def signed_request(
    secret: str, sender: str, to: str, text: str, message_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The JSON body and headers of one generic inbound SMS."""
    body = json.dumps(
        {"from": sender, "to": to, "text": text, "id": message_id or secrets.token_hex(8)}
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Signature": sign_generic(secret, body, int(time.time())),
    }
    return body, headers


def inbound_url(app_url: str, tenant_key: str) -> str:
    """The tenant's generic inbound endpoint."""
    return f"{app_url.rstrip('/')}/api/sms/generic/{tenant_key}"


async def send_sms(
    http: httpx.AsyncClient,
    app_url: str,
    tenant_key: str,
    secret: str,
    *,
    sender: str,
    to: str,
    text: str,
) -> httpx.Response:
    """POST one signed SMS over HTTP to the app's generic endpoint."""
    body, headers = signed_request(secret, sender, to, text)
    return await http.post(inbound_url(app_url, tenant_key), content=body, headers=headers)
