"""Code generation, specs, keywords, normalisation and comparison."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from saleor_app.core.alphabet import CROCKFORD_CHARS, fold_text
from saleor_app.core.codes import (
    CARRIER_KEYWORDS,
    CodeAlphabet,
    CodeSpec,
    codes_equal,
    generate_code,
    normalize_code,
    sms_body,
)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if char.isalnum() else char for char in text)


def arabic_indic(digits: str) -> str:
    return "".join(chr(0x0660 + int(digit)) for digit in digits)


def extended_arabic_indic(digits: str) -> str:
    return "".join(chr(0x06F0 + int(digit)) for digit in digits)


def test_crockford_alphabet_has_32_chars_without_ilou() -> None:
    assert len(set(CROCKFORD_CHARS)) == 32
    assert not set("ILOU") & set(CROCKFORD_CHARS)


@pytest.mark.parametrize(
    ("spec", "chars"),
    [
        (CodeSpec(), CROCKFORD_CHARS),
        (CodeSpec(length=12), CROCKFORD_CHARS),
        (CodeSpec(length=10, alphabet=CodeAlphabet.DIGITS), "0123456789"),
    ],
)
def test_generated_codes_have_length_and_alphabet(spec: CodeSpec, chars: str) -> None:
    codes = {generate_code(spec) for _ in range(300)}
    assert all(len(code) == spec.length and set(code) <= set(chars) for code in codes)
    assert len(codes) == 300


def test_generated_codes_use_the_whole_alphabet() -> None:
    seen = set("".join(generate_code(CodeSpec(length=16)) for _ in range(200)))
    assert seen == set(CROCKFORD_CHARS)


def test_every_position_of_a_generated_code_is_uniform() -> None:
    """Chi-square per position over 5,000 digit codes: 9 degrees of freedom, and a bound (60)
    that a uniform draw exceeds with probability about 1e-9."""
    codes = [generate_code(CodeSpec(length=6, alphabet=CodeAlphabet.DIGITS)) for _ in range(5000)]
    expected = len(codes) / 10
    for position in range(6):
        counts = Counter(code[position] for code in codes)
        chi_square = sum((counts[digit] - expected) ** 2 / expected for digit in "0123456789")
        assert chi_square < 60, (position, counts)


def test_generated_code_never_is_a_carrier_keyword_without_keyword() -> None:
    codes = {generate_code(CodeSpec(length=5)) for _ in range(2000)}
    assert not any(code.startswith(("START", "ARRET")) for code in codes)


def test_bits() -> None:
    assert CodeSpec().bits == 40
    assert CodeSpec(length=6, alphabet=CodeAlphabet.DIGITS).bits == pytest.approx(6 * math.log2(10))
    assert CodeSpec(length=10, alphabet=CodeAlphabet.DIGITS).bits > 32


def test_default_spec_is_valid_under_every_policy() -> None:
    assert CodeSpec().validate(strict_sender=True) == []
    assert CodeSpec().validate(strict_sender=False) == []


@pytest.mark.parametrize("length", [3, 17, 0, -1])
def test_length_out_of_range(length: int) -> None:
    assert any("between 4 and 16" in p for p in CodeSpec(length=length).validate(True))


def test_short_codes_need_strict_sender() -> None:
    spec = CodeSpec(length=6, alphabet=CodeAlphabet.DIGITS)
    assert spec.validate(strict_sender=True) == []
    (problem,) = spec.validate(strict_sender=False)
    assert "32 bits" in problem
    assert CodeSpec(length=7).validate(strict_sender=False) == []
    assert CodeSpec(length=6).validate(strict_sender=False) != []
    assert CodeSpec(length=10, alphabet=CodeAlphabet.DIGITS).validate(strict_sender=False) == []
    assert CodeSpec(length=9, alphabet=CodeAlphabet.DIGITS).validate(strict_sender=False) != []


@pytest.mark.parametrize("keyword", ["", "SHOP", "shop", "A1", "MAISON2024", "Z"])
def test_good_keywords(keyword: str) -> None:
    assert CodeSpec(keyword=keyword).validate(strict_sender=True) == []


@pytest.mark.parametrize(
    ("keyword", "fragment"),
    [
        ("ELEVENCHARS", "at most 10"),
        ("MY SHOP", "letters A to Z"),
        ("CAFÉ", "GSM-7"),
        ("SHOP!", "letters A to Z"),
        ("🙂", "GSM-7"),
        ("STOP", "carriers intercept"),
        ("stop", "carriers intercept"),
        ("Help", "carriers intercept"),
        ("INFO", "carriers intercept"),
        ("START", "carriers intercept"),
        ("YES", "carriers intercept"),
        ("ARRET", "carriers intercept"),
        ("STOPSHOP", "carriers intercept"),
        ("UNSUBSCRIBE", "at most 10"),
    ],
)
def test_bad_keywords(keyword: str, fragment: str) -> None:
    problems = CodeSpec(keyword=keyword).validate(strict_sender=True)
    assert any(fragment in p for p in problems), problems


def test_carrier_keywords_cover_the_usual_words() -> None:
    expected = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "START", "YES"}
    expected |= {"UNSTOP", "HELP", "INFO", "ARRET", "ARRÊT", "STOP SMS"}
    assert expected <= CARRIER_KEYWORDS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abcd1234", "ABCD1234"),
        ("ABCD-1234", "ABCD1234"),
        ("AB CD.12_34", "ABCD1234"),
        (fullwidth("ABCD1234"), "ABCD1234"),
        (arabic_indic("12345678"), "12345678"),
        (extended_arabic_indic("1234"), "1234"),
        ("oIlL", "0111"),
        ("O0-I1", "0011"),
        ("ab\u00a0cd\u2013ef", "ABCDEF"),
    ],
)
def test_normalize_code(text: str, expected: str) -> None:
    assert normalize_code(text) == expected


def test_fold_text_keeps_separators() -> None:
    assert fold_text(f"hi {fullwidth('code')}: ab-12") == "H1 C0DE: AB-12"


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("ABCD1234", "abcd-1234", True),
        ("AB0D1234", "abod 1234", True),
        ("1BCD", "IBCD", True),
        ("ABCD1234", "ABCD1235", False),
        ("ABCD1234", "ABCD123", False),
        ("", "", True),
    ],
)
def test_codes_equal(a: str, b: str, equal: bool) -> None:
    assert codes_equal(a, b) is equal


def test_sms_body() -> None:
    assert sms_body("ABCD1234", "SHOP") == "SHOP ABCD1234"
    assert sms_body("ABCD1234", "shop") == "SHOP ABCD1234"
    assert sms_body("ABCD1234", "") == "ABCD1234"
    assert sms_body("ABCD1234") == "ABCD1234"
