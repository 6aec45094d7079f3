"""The `wa.me` link and its QR code: WhatsApp opens prefilled, on a phone or on a computer."""

from __future__ import annotations

from urllib.parse import quote

import segno

from saleor_app.core.sms_link import svg_markup


def whatsapp_uri(number_e164: str, body: str) -> str:
    """`https://wa.me/<digits>?text=<RFC 3986 encoded body>`."""
    digits = "".join(char for char in number_e164 if char.isascii() and char.isdigit())
    if not digits:
        raise ValueError(f"Not a phone number: {number_e164!r}")
    return f"https://wa.me/{digits}?text={quote(body, safe='')}"


def whatsapp_qr_svg(number_e164: str, body: str) -> str:
    """SVG of the QR code whose payload is the `wa.me` link."""
    qr = segno.make(whatsapp_uri(number_e164, body), error="m", boost_error=False)
    return svg_markup(qr, title="Scan to send the code on WhatsApp")
