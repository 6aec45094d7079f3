"""Rules for the optional shop keyword that prefixes the SMS body."""

from __future__ import annotations

import re

CARRIER_KEYWORDS: frozenset[str] = frozenset(
    [
        "STOP",
        "STOPALL",
        "STOPSMS",
        "STOP SMS",
        "UNSUBSCRIBE",
        "UNSUB",
        "CANCEL",
        "END",
        "QUIT",
        "OPTOUT",
        "OPT-OUT",
        "REVOKE",
        "START",
        "YES",
        "UNSTOP",
        "SUBSCRIBE",
        "OPTIN",
        "HELP",
        "INFO",
        "AIDE",
        "ARRET",
        "ARRÊT",
    ]
)
"""Words carriers and providers intercept before the webhook (opt-out, opt-in, help)."""

KEYWORD_MAX_LENGTH = 10
_KEYWORD_CHARS = re.compile(r"[A-Za-z0-9]*")


def keyword_problems(keyword: str) -> list[str]:
    """Person-readable reasons why a keyword cannot prefix the SMS body; empty when fine."""
    problems: list[str] = []
    if len(keyword) > KEYWORD_MAX_LENGTH:
        problems.append(f"The keyword must be at most {KEYWORD_MAX_LENGTH} characters long.")
    if not _KEYWORD_CHARS.fullmatch(keyword):
        problems.append(
            "The keyword may only use the letters A to Z and the digits 0 to 9 "
            "(no spaces, accents or symbols, so the SMS stays in the GSM-7 alphabet)."
        )
    if is_carrier_keyword(keyword):
        problems.append(
            f"The keyword {keyword!r} starts with a word that carriers intercept "
            "(such as STOP, HELP or START); the SMS would never reach the app."
        )
    return problems


def is_carrier_keyword(word: str) -> bool:
    """True when the word is, or starts with, a carrier keyword (case-insensitive)."""
    upper = word.strip().upper()
    return bool(upper) and any(upper.startswith(reserved) for reserved in CARRIER_KEYWORDS)
