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


def alphabet_chars(alphabet: CodeAlphabet) -> str:
    """The characters of an alphabet, in order."""
    return CROCKFORD_CHARS if alphabet is CodeAlphabet.CROCKFORD else DIGIT_CHARS


def fold_text(text: str) -> str:
    """NFKC, uppercase, any Unicode decimal digit to ASCII, and Crockford look-alikes O→0, I/L→1."""
    if text.isascii():
        return text.upper().translate(_LOOKALIKE_TABLE)
    upper = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).upper())
    return "".join(_fold_char(char) for char in upper)


def _fold_char(char: str) -> str:
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    return LOOKALIKES.get(char, char)
