"""Generating, normalising, comparing and writing verification codes."""

from __future__ import annotations

import secrets

from pyotp.utils import strings_equal

from saleor_app.core.alphabet import CodeAlphabet, alphabet_chars, fold_text
from saleor_app.core.extract import extract_candidates
from saleor_app.core.keywords import CARRIER_KEYWORDS, is_carrier_keyword
from saleor_app.core.spec import CodeSpec

__all__ = [
    "CARRIER_KEYWORDS",
    "CodeAlphabet",
    "CodeSpec",
    "codes_equal",
    "extract_candidates",
    "generate_code",
    "normalize_code",
    "sms_body",
]

_DROPPED = frozenset(" -._\t\r\n\u00a0\u2010\u2011\u2012\u2013\u2014\u2212")


def generate_code(spec: CodeSpec) -> str:
    """A fresh code drawn with `secrets`: pyotp.random_base32 uses RFC 4648 (with I, L, O) and
    refuses fewer than 32 characters."""
    chars = alphabet_chars(spec.alphabet)
    while True:
        code = _uniform_string(chars, spec.length)
        if spec.keyword or not is_carrier_keyword(code):
            return code


def _uniform_string(chars: str, length: int) -> str:
    """`length` independent uniform draws from `chars`: the base-len(chars) digits of one
    uniform number below len(chars) ** length (one call to the OS's randomness, not one per
    character)."""
    base = len(chars)
    value = secrets.randbelow(base**length)
    drawn = []
    for _ in range(length):
        value, digit = divmod(value, base)
        drawn.append(chars[digit])
    return "".join(drawn)


def normalize_code(text: str) -> str:
    """Canonical form of a typed code: NFKC, uppercase, no separators, look-alikes mapped."""
    return "".join(char for char in fold_text(text) if char not in _DROPPED and not char.isspace())


def codes_equal(a: str, b: str) -> bool:
    """Constant-time comparison of two codes after normalisation."""
    return strings_equal(normalize_code(a), normalize_code(b))


def sms_body(code: str, keyword: str = "") -> str:
    """The SMS text the shopper sends: "KEYWORD CODE", or just "CODE"."""
    return f"{keyword.upper()} {code}" if keyword else code
