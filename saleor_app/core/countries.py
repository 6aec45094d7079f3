"""Country codes shown to merchants with their English names (libphonenumber's own data)."""

from __future__ import annotations

import phonenumbers

from saleor_app.core.country_names import COUNTRY_NAMES


def country_label(code: str) -> str:
    """`GG` → `Guernsey (GG)`; the bare code when no name is known."""
    name = COUNTRY_NAMES.get(code.upper(), "")
    return f"{name} ({code})" if name else code


def is_country(code: str) -> bool:
    """Whether `code` is an ISO 3166 alpha-2 code with phone numbers ("DE", not "de" or "XX")."""
    return code in phonenumbers.SUPPORTED_REGIONS
