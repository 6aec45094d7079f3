"""Code alphabets and the character folding shared by code normalisation and extraction."""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class CodeAlphabet(StrEnum):
    """Characters a code is drawn from."""

    CROCKFORD = "CROCKFORD"
    DIGITS = "DIGITS"


CROCKFORD_CHARS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DIGIT_CHARS = "0123456789"
LOOKALIKES = {"O": "0", "I": "1", "L": "1"}
_LOOKALIKE_TABLE = str.maketrans(LOOKALIKES)
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
"""Soft hyphen, zero-width space, non-joiner and joiner, word joiner, byte-order mark: keyboards
and copy-paste put them inside words; NFKC keeps them."""
CONFUSABLES = str.maketrans(
    {
        "\u0410": "A",
        "\u0412": "B",
        "\u0415": "E",
        "\u041a": "K",
        "\u041c": "M",
        "\u041d": "H",
        "\u041e": "O",
        "\u0420": "P",
        "\u0421": "C",
        "\u0422": "T",
        "\u0425": "X",
        "\u0391": "A",
        "\u0392": "B",
        "\u0395": "E",
        "\u0396": "Z",
        "\u0397": "H",
        "\u0399": "I",
        "\u039a": "K",
        "\u039c": "M",
        "\u039d": "N",
        "\u039f": "O",
        "\u03a1": "P",
        "\u03a4": "T",
        "\u03a5": "Y",
        "\u03a7": "X",
    }
)
"""Upper-case Cyrillic and Greek letters drawn like Latin ones (a keyboard in another script)."""
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


def alphabet_chars(alphabet: CodeAlphabet) -> str:
    """The characters of an alphabet, in order."""
    return CROCKFORD_CHARS if alphabet is CodeAlphabet.CROCKFORD else DIGIT_CHARS


def fold_text(text: str) -> str:
    """Invisible characters dropped, NFKC, uppercase, Cyrillic and Greek look-alikes to Latin,
    any Unicode decimal digit to ASCII, and Crockford look-alikes O→0, I/L→1."""
    if text.isascii():
        return text.upper().translate(_LOOKALIKE_TABLE)
    visible = text.translate(_DROP_INVISIBLE)
    upper = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).upper())
    return "".join(_fold_char(char) for char in upper.translate(CONFUSABLES))


def _fold_char(char: str) -> str:
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    return LOOKALIKES.get(char, char)
