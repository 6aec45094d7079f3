"""Phone numbers: normalising to E.164, describing and masking them.

A number is accepted when libphonenumber finds it *valid*; when no reading is valid, a merely
*possible* one is accepted (metadata lags behind newly allocated ranges). With a single reading
that is the same as accepting it when possible (every valid number is possible), which skips the
costlier validity check for the E.164 senders providers send. Readings whose E.164
form does not read back as itself are dropped, so normalising is idempotent; compare only the
returned E.164 strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

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
    number = _normalized(raw, default_region)
    return _e164(number) if number is not None else None


@dataclass(frozen=True)
class PhoneFacts:
    """What the risk rules and the records need of one phone, from a single reading; the line
    type and the mask are worked out when first asked for."""

    e164: str
    region: str | None
    number: PhoneNumber = field(repr=False, compare=False)

    @cached_property
    def line_type(self) -> str:
        """libphonenumber's line type name (see `line_type`)."""
        return _TYPE_NAMES.get(phonenumbers.number_type(self.number), "UNKNOWN")

    @cached_property
    def masked(self) -> str:
        """The number as `mask_phone` shows it."""
        return _masked(self.number)

    @property
    def masked_e164(self) -> str:
        """The E.164 form with only the country code and last two digits shown ("+33•••••••78"):
        cheaper than `masked`, for logs."""
        prefix = f"+{self.number.country_code}"
        hidden = len(self.e164) - len(prefix) - 2
        return prefix + MASK * hidden + self.e164[-2:] if hidden > 0 else prefix + MASK * 4


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def phone_facts(raw: str, default_region: str | None = None) -> PhoneFacts | None:
    """normalize_phone, region_of, line_type and mask_phone of `raw` at once; None if unusable."""
    number = _normalized(raw, default_region)
    if number is None:
        return None
    region = phonenumbers.region_code_for_number(number)
    return PhoneFacts(_e164(number), region if region and region != "ZZ" else None, number)


def _normalized(raw: str, default_region: str | None) -> PhoneNumber | None:
    """The accepted reading of `raw`, as parsed back from its E.164 form."""
    text = raw.strip()
    if not text or len(text) > MAX_INPUT_LENGTH:
        return None
    readings = [_parse(text, default_region)]
    if not text.startswith("+") and text.isdigit() and text.isascii():
        readings.append(_parse("+" + text, None))
    pairs = [(number, _read_back(number, text)) for number in readings if number is not None]
    numbers = [(number, again) for number, again in pairs if again is not None]
    if len(numbers) == 1:
        number, again = numbers[0]
        return again if phonenumbers.is_possible_number(number) else None
    for number, again in numbers:
        if phonenumbers.is_valid_number(number):
            return again
    for number, again in numbers:
        if phonenumbers.is_possible_number(number):
            return again
    return None


def _read_back(number: PhoneNumber, text: str) -> PhoneNumber | None:
    """The number parsed from its E.164 form when that reads back as itself (normalising is
    then idempotent), else None. A `text` already in that form was parsed so: not again."""
    e164 = _e164(number)
    again = number if text == e164 else _parse(e164, None)
    return again if again is not None and _e164(again) == e164 else None


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
    return _masked(number)


def _masked(number: PhoneNumber) -> str:
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
