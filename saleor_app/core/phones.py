"""Phone numbers: normalising to E.164, describing and masking them.

A number is accepted when libphonenumber finds it *valid*; when no reading is valid, a merely
*possible* one is accepted (metadata lags behind newly allocated ranges). Readings whose E.164
form does not read back as itself are dropped, so normalising is idempotent; compare only the
returned E.164 strings.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

MAX_INPUT_LENGTH = 64
MASK = "•"

PARSE_CACHE_SIZE = 4096
"""Parsing a number costs ~0.1 ms; these functions are pure, so recent answers are kept."""

_TYPE_NAMES = {
    getattr(PhoneNumberType, name): name for name in dir(PhoneNumberType) if name.isupper()
}


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def normalize_phone(raw: str, default_region: str | None = None) -> str | None:
    """E.164 form of `raw`, read with `default_region` for national formats; None if unusable.

    Digits without "+" (as Vonage, Plivo or smsmode send) are also read as "+<digits>".
    """
    text = raw.strip()
    if not text or len(text) > MAX_INPUT_LENGTH:
        return None
    readings = [_parse(text, default_region)]
    if not text.startswith("+") and text.isdigit() and text.isascii():
        readings.append(_parse("+" + text, None))
    numbers = [number for number in readings if number is not None and _round_trips(number)]
    for number in numbers:
        if phonenumbers.is_valid_number(number):
            return _e164(number)
    for number in numbers:
        if phonenumbers.is_possible_number(number):
            return _e164(number)
    return None


def _round_trips(number: PhoneNumber) -> bool:
    """True when the E.164 form reads back as itself, so normalising is idempotent."""
    e164 = _e164(number)
    again = _parse(e164, None)
    return again is not None and _e164(again) == e164


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def region_of(e164: str) -> str | None:
    """ISO 3166 region of the number ("FR"), or None when unknown."""
    number = _parse(e164, None)
    if number is None:
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region and region != "ZZ" else None


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def line_type(e164: str) -> str:
    """libphonenumber's line type name: MOBILE, FIXED_LINE, FIXED_LINE_OR_MOBILE, VOIP, UNKNOWN…"""
    number = _parse(e164, None)
    if number is None:
        return "UNKNOWN"
    return _TYPE_NAMES.get(phonenumbers.number_type(number), "UNKNOWN")


def same_country(a_e164: str, b_e164: str) -> bool:
    """True when both numbers belong to the same known region."""
    region = region_of(a_e164)
    return region is not None and region == region_of(b_e164)


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def mask_phone(e164: str) -> str:
    """The number with only its country calling code and last two digits shown."""
    number = _parse(e164, None)
    if number is None:
        digits = "".join(char for char in e164 if char.isascii() and char.isdigit())
        return MASK * 4 + digits[-2:] if len(digits) >= 6 else MASK * 4
    prefix = f"+{number.country_code}"
    national = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = national.removeprefix(prefix)
    return prefix + _mask_all_but_last_two(national)


def _mask_all_but_last_two(text: str) -> str:
    digit_count = sum(char.isdigit() for char in text)
    masked: list[str] = []
    for char in text:
        if char.isdigit():
            digit_count -= 1
            masked.append(char if digit_count < 2 else MASK)
        else:
            masked.append(char)
    return "".join(masked)


def _parse(text: str, region: str | None) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def _e164(number: PhoneNumber) -> str:
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))
