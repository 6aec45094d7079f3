"""The committed table of country names is libphonenumber's own, so no process needs to load
the geocoder's 100 MiB of prefix data to name a country."""

from __future__ import annotations

import subprocess
import sys

from saleor_app.core.countries import country_label
from saleor_app.core.country_names import COUNTRY_NAMES, generated


def test_the_table_is_what_the_installed_phonenumbers_says() -> None:
    assert generated() == COUNTRY_NAMES
    assert country_label("FR") == "France (FR)" and country_label("XX") == "XX"


def test_the_app_never_loads_the_geocoder() -> None:
    code = ("import sys, saleor_app.app, saleor_app.core.risk;"
            "from saleor_app.core.countries import country_label; country_label('DE');"
            "print('phonenumbers.geocoder' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert loaded.stdout.strip() == "False"
