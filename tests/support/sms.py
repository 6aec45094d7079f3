"""Inbound SMS as the providers send them, signed with their own SDKs or contracts."""

from __future__ import annotations

import json
import secrets
import time

import httpx
from twilio.request_validator import RequestValidator

from saleor_app.sms import sign_generic

TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"


async def send_twilio(url: str, sender: str, to: str, text: str, sid: str | None = None,
                      token: str = TWILIO_TOKEN) -> httpx.Response:
    """POST a Twilio inbound SMS, signed with Twilio's RequestValidator."""
    params = {
        "ToCountry": "FR", "ToState": "", "SmsMessageSid": sid or "", "NumMedia": "0",
        "ToCity": "", "FromZip": "", "SmsSid": "", "FromState": "", "SmsStatus": "received",
        "FromCity": "", "Body": text, "FromCountry": "FR", "To": to, "ToZip": "",
        "NumSegments": "1", "MessageSid": "", "AccountSid": "AC" + "0" * 32, "From": sender,
        "ApiVersion": "2010-04-01",
    }
    message_sid = sid or "SM" + secrets.token_hex(16)
    params.update(SmsMessageSid=message_sid, SmsSid=message_sid, MessageSid=message_sid)
    signature = RequestValidator(token).compute_signature(url, params)
    async with httpx.AsyncClient() as client:
        return await client.post(url, data=params, headers={"X-Twilio-Signature": signature})


async def send_generic(url: str, secret: str, sender: str, to: str, text: str,
                       message_id: str | None = None) -> httpx.Response:
    """POST our `generic` inbound SMS with its X-Signature header."""
    body = json.dumps({"from": sender, "to": to, "text": text,
                       "id": message_id or secrets.token_hex(8)}).encode()
    header = sign_generic(secret, body, int(time.time()))
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=body, headers={
            "Content-Type": "application/json", "X-Signature": header})
