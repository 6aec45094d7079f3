"""The sms: link and QR codes, decoded by a real QR reader."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import segno
import zxingcpp
from PIL import Image

from saleor_app.core.sms_link import qr_code, qr_payload, qr_svg, sms_uri, svg_markup

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("number", "body", "uri"),
    [
        ("+33612345678", "ABCD1234", "sms:+33612345678?&body=ABCD1234"),
        ("+33612345678", "SHOP ABCD1234", "sms:+33612345678?&body=SHOP%20ABCD1234"),
        ("+33 6 12 34 56 78", "A+B&C=D", "sms:+33612345678?&body=A%2BB%26C%3DD"),
        ("33612345678", "É?/", "sms:+33612345678?&body=%C3%89%3F%2F"),
    ],
)
def test_sms_uri(number: str, body: str, uri: str) -> None:
    assert sms_uri(number, body) == uri


def test_sms_uri_needs_a_recipient() -> None:
    with pytest.raises(ValueError, match="Not a phone number"):
        sms_uri("", "ABCD1234")


def test_qr_payload() -> None:
    assert qr_payload("+33612345678", "SHOP ABCD1234") == "SMSTO:+33612345678:SHOP ABCD1234"
    assert qr_payload("+1 (415) 555-0123", "ABCD1234") == "SMSTO:+14155550123:ABCD1234"


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def png_of(qr: segno.QRCode) -> Image.Image:
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=6)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def rasterise_segno_svg(markup: str, size: int) -> Image.Image:
    """Paint the horizontal strokes of segno's single path (M/m/h commands) into pixels."""
    path = ET.fromstring(markup).find(  # noqa: S314 (our own markup)
        f"{SVG}path[@stroke]"
    )
    assert path is not None
    grid = np.full((size, size), 255, dtype=np.uint8)
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path.attrib["d"]):
        numbers = [float(value) for value in args.replace(",", " ").split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            end = x + numbers[0] if command == "h" else numbers[0]
            grid[int(y), int(x) : int(end)] = 0
            x = end
    scaled = np.kron(grid, np.ones((6, 6), dtype=np.uint8))
    return Image.fromarray(scaled)


@pytest.mark.parametrize(
    ("number", "body"),
    [
        ("+33612345678", "ABCD1234"),
        ("+33612345678", "SHOP ABCD1234"),
        ("+14155550123", "MAISON2024 0123456789ABCDEF"),
    ],
)
def test_qr_decodes_to_payload(number: str, body: str) -> None:
    qr = qr_code(number, body)
    assert qr.error == "M"
    assert decode(png_of(qr)) == [f"SMSTO:{number}:{body}"]


def test_svg_decodes_to_payload() -> None:
    markup = qr_svg("+33612345678", "SHOP ABCD1234")
    size = int(qr_code("+33612345678", "SHOP ABCD1234").symbol_size()[0])
    assert decode(rasterise_segno_svg(markup, size)) == ["SMSTO:+33612345678:SHOP ABCD1234"]


def test_svg_is_scalable_accessible_markup() -> None:
    markup = qr_svg("+33612345678", "SHOP ABCD1234", title="Scan <me> & send")
    assert not markup.startswith("<?xml")
    root = ET.fromstring(markup)  # noqa: S314 (our own markup)
    assert root.tag == f"{SVG}svg"
    assert "viewBox" in root.attrib
    assert "width" not in root.attrib and "height" not in root.attrib
    assert root.attrib["role"] == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Scan <me> & send"
    assert 'stroke="currentColor"' in markup


def test_svg_colours() -> None:
    markup = qr_svg("+33612345678", "ABCD1234", dark="#112233", light="#ffffff")
    assert 'stroke="#123"' in markup or 'stroke="#112233"' in markup
    assert "currentColor" not in markup
    assert 'fill="#fff' in markup


def test_svg_is_built_from_the_same_qr() -> None:
    qr = qr_code("+33612345678", "ABCD1234")
    title = "Scan to send the verification SMS"
    assert qr_svg("+33612345678", "ABCD1234") == svg_markup(qr, title=title)
