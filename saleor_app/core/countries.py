"""Country codes shown to merchants with their English names (libphonenumber's own data)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import geocoder


@lru_cache(maxsize=512)
def country_label(code: str) -> str:
    """`GG` → `Guernsey (GG)`; the bare code when no name is known."""
    example = phonenumbers.example_number(code.upper())
    name = geocoder.country_name_for_number(example, "en") if example else ""
    return f"{name} ({code})" if name else code


def is_country(code: str) -> bool:
    """Whether `code` is an ISO 3166 alpha-2 code with phone numbers ("DE", not "de" or "XX")."""
    return code in phonenumbers.SUPPORTED_REGIONS
