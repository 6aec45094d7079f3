"""The `sms:` link and the QR code that open the shopper's SMS app prefilled."""

from __future__ import annotations

import io
from urllib.parse import quote

import segno

_SENTINEL_DARK = "#000"


def sms_uri(number_e164: str, body: str) -> str:
    """`sms:+<E164>?&body=<RFC 3986 encoded body>`, the form current iOS and Android both read."""
    return f"sms:{_plus_digits(number_e164)}?&body={quote(body, safe='')}"


def qr_payload(number_e164: str, body: str) -> str:
    """The de-facto QR SMS payload `SMSTO:+<E164>:<body>`."""
    return f"SMSTO:{_plus_digits(number_e164)}:{body}"


def qr_code(number_e164: str, body: str) -> segno.QRCode:
    """The QR symbol (error correction M) for the SMS payload."""
    return segno.make(qr_payload(number_e164, body), error="m", boost_error=False)


def qr_svg(
    number_e164: str,
    body: str,
    *,
    title: str = "Scan to send the verification SMS",
    dark: str = "currentColor",
    light: str | None = None,
) -> str:
    """Scalable SVG markup (viewBox, no size, no XML declaration) of the SMS QR code."""
    return svg_markup(qr_code(number_e164, body), title=title, dark=dark, light=light)


def svg_markup(
    qr: segno.QRCode, *, title: str, dark: str = "currentColor", light: str | None = None
) -> str:
    """SVG of `qr` with a title; `dark` may be "currentColor" to follow the CSS text colour."""
    use_current = dark == "currentColor"
    buffer = io.BytesIO()
    qr.save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,
        title=title,
        border=4,
        dark=_SENTINEL_DARK if use_current else dark,
        light=light,
        svgclass="sms-qr",
        lineclass=None,
    )
    markup = buffer.getvalue().decode("utf-8")
    if use_current:
        markup = markup.replace(f'stroke="{_SENTINEL_DARK}"', 'stroke="currentColor"')
    return markup.replace("<svg ", '<svg role="img" ', 1)


def _plus_digits(number_e164: str) -> str:
    digits = "".join(char for char in number_e164 if char.isascii() and char.isdigit())
    if not digits:
        raise ValueError(f"Not a phone number: {number_e164!r}")
    return "+" + digits
