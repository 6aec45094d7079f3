"""E-mail domains, and whether one belongs to a disposable-address provider."""

from __future__ import annotations

from disposable_email_domains import blocklist


def email_domain(email: str | None) -> str | None:
    """The lower-cased domain of an address, or None."""
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower().rstrip(".") or None


def is_disposable(domain: str | None) -> bool:
    """True for a domain (or a subdomain of one) on the maintained disposable list."""
    if not domain:
        return False
    parts = domain.split(".")
    return any(".".join(parts[i:]) in blocklist for i in range(len(parts) - 1))
