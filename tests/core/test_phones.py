"""Phone normalisation, description and masking."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saleor_app.core.phones import (
    line_type,
    mask_phone,
    normalize_phone,
    phone_facts,
    region_of,
    same_country,
)
from tests.core.test_codes import arabic_indic

FR = "+33612345678"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+33612345678", None, FR),
        ("+33612345678", "US", FR),
        ("+33 6 12 34 56 78", None, FR),
        ("+33 (0)6 12 34 56 78", None, FR),
        ("+330612345678", None, FR),
        ("0033612345678", "FR", FR),
        ("0033 6 12 34 56 78", "FR", FR),
        ("0612345678", "FR", FR),
        ("06.12.34.56.78", "FR", FR),
        ("33612345678", None, FR),
        ("33612345678", "FR", FR),
        ("33612345678", "US", FR),
        ("tel:+33612345678", None, FR),
        ("  +33612345678  ", None, FR),
        ("+33" + arabic_indic("612345678"), None, FR),
        ("+39 06 1234 5678", None, "+390612345678"),
        ("0612345678", "IT", "+390612345678"),
        ("011 33 6 12 34 56 78", "US", FR),
        ("+14155550123", None, "+14155550123"),
        ("(415) 555-0123", "US", "+14155550123"),
        ("14155550123", "FR", "+14155550123"),
        ("4915112345678", "FR", "+4915112345678"),
        ("+1 800 FLOWERS", None, "+18003569377"),
        ("+33612345678;ext=12", None, FR),
    ],
)
def test_normalize_phone(raw: str, region: str | None, expected: str) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("", "FR"),
        ("   ", None),
        ("+", None),
        ("BANK", "FR"),
        ("InfoSMS", None),
        ("12345", "FR"),
        ("0612345678", None),
        ("0033612345678", "US"),
        ("+0033612345678", None),
        ("1" * 200, "FR"),
        ("+33612345678", "not-a-region"),
    ],
)
def test_unusable_phones(raw: str, region: str | None) -> None:
    result = normalize_phone(raw, region)
    assert result is None or result == FR


def test_possible_but_invalid_numbers_are_kept_exactly() -> None:
    assert normalize_phone("+33712345678", None) == "+33712345678"
    assert normalize_phone("+447700900123", None) == "+447700900123"


@settings(max_examples=1500)
@given(
    st.one_of(
        st.text(),
        st.from_regex(r"\A[+0-9 ()\-.]{0,25}\Z"),
        st.from_regex(r"\A(tel:)?\+?[0-9]{1,20}(;ext=[0-9]{0,6})?\Z"),
    ),
    st.one_of(st.none(), st.sampled_from(["FR", "US", "IT", "GB", "DE", "ZZ", "", "x"])),
)
def test_normalize_phone_never_raises(raw: str, region: str | None) -> None:
    result = normalize_phone(raw, region)
    if result is not None:
        assert result.startswith("+") and result[1:].isdigit() and result[1:].isascii()
        assert normalize_phone(result, None) == result


@pytest.mark.parametrize(
    ("number", "region", "kind"),
    [
        (FR, "FR", "MOBILE"),
        ("+33912345678", "FR", "VOIP"),
        ("+33142685300", "FR", "FIXED_LINE"),
        ("+14155550123", "US", "FIXED_LINE_OR_MOBILE"),
        ("+4915112345678", "DE", "MOBILE"),
    ],
)
def test_region_and_line_type(number: str, region: str, kind: str) -> None:
    assert region_of(number) == region
    assert line_type(number) == kind


def test_region_and_line_type_of_garbage() -> None:
    assert region_of("nope") is None
    assert line_type("nope") == "UNKNOWN"
    assert region_of("+999123") is None


def test_same_country() -> None:
    assert same_country(FR, "+33142685300")
    assert not same_country(FR, "+4915112345678")
    assert not same_country("+14155550123", "+16135550123")
    assert not same_country(FR, "garbage")
    assert not same_country("garbage", "garbage")


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        (FR, "+33 • •• •• •• 78"),
        ("+14155550123", "+1 •••-•••-••23"),
        ("+390612345678", "+39 •• •••• ••78"),
    ],
)
def test_mask_phone(number: str, masked: str) -> None:
    assert mask_phone(number) == masked


def national_digits_shown(masked: str, country_code: int) -> str:
    rest = masked.removeprefix(f"+{country_code}")
    return "".join(char for char in rest if char.isdigit())


REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
TYPES = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]


def example_e164(region: str, kind: int) -> tuple[str, int] | None:
    """libphonenumber's example number of a region and type, in E.164, with its country code."""
    number = phonenumbers.example_number_for_type(region, kind)
    if number is None or number.country_code is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), number.country_code


EXAMPLES = [e for e in (example_e164(r, k) for r in REGIONS for k in TYPES) if e is not None]


@given(st.sampled_from(EXAMPLES))
def test_mask_never_shows_more_than_last_two_digits(example: tuple[str, int]) -> None:
    e164, country_code = example
    masked = mask_phone(e164)
    assert masked.startswith(f"+{country_code}")
    assert national_digits_shown(masked, country_code) == e164[-2:]


@given(st.text())
def test_mask_phone_never_raises_nor_leaks(raw: str) -> None:
    masked = mask_phone(raw)
    if not raw.startswith("+"):
        assert sum(char.isdigit() for char in masked) <= 2


@given(st.sampled_from(EXAMPLES))
def test_log_mask_shows_the_country_code_and_last_two_digits_only(example: tuple[str, int]) -> None:
    e164, country_code = example
    facts = phone_facts(e164)
    assert facts is not None
    masked = facts.masked_e164
    assert masked.startswith(f"+{country_code}")
    assert national_digits_shown(masked, country_code) == e164[-2:]
    assert len(masked) == len(e164)
