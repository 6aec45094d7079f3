"""Inbound SMS as the providers send them, signed with their own SDKs or contracts."""

from __future__ import annotations

import hashlib
import hmac
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


async def send_smsmode(url: str, sender: str, to: str, text: str,
                       message_id: str | None = None) -> httpx.Response:
    """smsmode's GET callback (no signature: the tenant key in the path is the secret)."""
    params = {"numero": sender.lstrip("+"), "emetteur": to.lstrip("+"), "message": text,
              "date_reception": time.strftime("%d%m%Y-%H:%M"),
              "responseID": message_id or secrets.token_hex(6), "smsID": "", "refClient": ""}
    async with httpx.AsyncClient() as client:
        return await client.get(url, params=params)


VONAGE_SECRET = "vonage-signature-secret-0123456789"


async def send_vonage(url: str, sender: str, to: str, text: str,
                      message_id: str | None = None) -> httpx.Response:
    """Vonage SMS API inbound (POST form), signed with the SDK's sha256 HMAC `sig`."""
    from vonage_http_client.auth import Auth

    params = {"msisdn": sender.lstrip("+"), "to": to.lstrip("+"),
              "messageId": message_id or secrets.token_hex(8).upper(), "text": text,
              "type": "text", "keyword": text.split()[0].upper() if text.split() else "",
              "api-key": "abcd1234", "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S"),
              "timestamp": str(int(time.time())), "nonce": secrets.token_hex(8)}
    auth = Auth(api_key="abcd1234", signature_secret=VONAGE_SECRET, signature_method="sha256")
    params["sig"] = auth.sign_params(dict(params))
    async with httpx.AsyncClient() as client:
        return await client.post(url, data=params)


PLIVO_TOKEN = "plivo-auth-token-0123456789abcdef"


async def send_plivo(url: str, sender: str, to: str, text: str,
                     message_id: str | None = None) -> httpx.Response:
    """Plivo inbound message (POST form), signed V3 with Plivo's SDK helpers."""
    from plivo.utils.signature_v3 import construct_post_url, get_signature_v3

    params = {"From": sender.lstrip("+"), "To": to.lstrip("+"), "Type": "sms", "Text": text,
              "MessageUUID": message_id or "3c1a9e4e-" + secrets.token_hex(4), "Units": "1",
              "TotalRate": "0.00000", "TotalAmount": "0.00000", "MessageIntent": "",
              "PowerpackUUID": ""}
    nonce = secrets.token_hex(10)
    base = construct_post_url(url, dict(params)).decode()
    signature = get_signature_v3(PLIVO_TOKEN, base, nonce).decode()
    headers = {"X-Plivo-Signature-V3": signature, "X-Plivo-Signature-V3-Nonce": nonce}
    async with httpx.AsyncClient() as client:
        return await client.post(url, data=params, headers=headers)


def telnyx_keys() -> tuple[object, str]:
    """An Ed25519 key pair: the private key and the base64 public key for the settings."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key, base64.b64encode(public).decode()


async def send_telnyx(url: str, key: object, sender: str, to: str, text: str,
                      line_type: str = "Wireless",
                      message_id: str | None = None) -> httpx.Response:
    """Telnyx `message.received` webhook, signed Ed25519 over "timestamp|body"."""
    import base64

    document = {"data": {
        "event_type": "message.received", "id": secrets.token_hex(8),
        "occurred_at": "2026-11-24T16:00:00.000+00:00", "record_type": "event",
        "payload": {
            "id": message_id or secrets.token_hex(8), "direction": "inbound", "type": "SMS",
            "from": {"phone_number": sender, "carrier": "Orange", "line_type": line_type},
            "to": [{"phone_number": to, "status": "webhook_delivered"}],
            "text": text, "encoding": "GSM-7", "parts": 1, "media": [],
            "messaging_profile_id": "400174b4", "received_at": "2026-11-24T16:00:00.000+00:00",
            "record_type": "message",
        }}, "meta": {"attempt": 1, "delivered_to": url}}
    body = json.dumps(document).encode()
    timestamp = str(int(time.time()))
    signature = key.sign(f"{timestamp}|".encode() + body)  # type: ignore[attr-defined]
    headers = {"telnyx-signature-ed25519": base64.b64encode(signature).decode(),
               "telnyx-timestamp": timestamp, "content-type": "application/json"}
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=body, headers=headers)


WHATSAPP_APP_SECRET = "meta-app-secret-0123456789abcdef"
WHATSAPP_VERIFY_TOKEN = "meta-verify-token-0123456789"


def whatsapp_delivery(to: str, messages: list[tuple[str, str, str]],
                      statuses: int = 0) -> dict:
    """A WhatsApp Cloud API webhook body: (sender E.164, text, wamid) per text message, plus
    `statuses` delivery receipts, as Meta sends them."""
    return {"object": "whatsapp_business_account", "entry": [{
        "id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": to.lstrip("+"), "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Shopper"}, "wa_id": s.lstrip("+")} for s, _, _ in messages],
            "messages": [{"from": s.lstrip("+"), "id": wamid, "timestamp": str(int(time.time())),
                          "type": "text", "text": {"body": text}} for s, text, wamid in messages],
            "statuses": [{"id": f"wamid.status{n}", "status": "delivered",
                          "timestamp": str(int(time.time())), "recipient_id": "33612345678"}
                         for n in range(statuses)],
        }}]}]}


async def send_whatsapp(url: str, delivery: dict, secret: str | None = WHATSAPP_APP_SECRET
                        ) -> httpx.Response:
    """POST a WhatsApp Cloud API delivery signed like Meta: `X-Hub-Signature-256: sha256=` and
    the hex HMAC-SHA256 of the raw body keyed with the app secret (none: unsigned)."""
    body = json.dumps(delivery).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature-256"] = f"sha256={digest}"
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=body, headers=headers)
