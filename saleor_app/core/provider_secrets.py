"""The secrets a shop's inbound SMS are verified with, one per provider."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderSecrets:
    """One tenant's inbound secrets; `None` means the provider is not configured."""

    twilio_auth_token: str | None = None
    twilio_shared_key: str | None = None
    vonage_signature_secret: str | None = None
    vonage_signature_method: str | None = None
    plivo_auth_token: str | None = None
    telnyx_public_key: str | None = None
    generic_secret: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None

    def __repr__(self) -> str:
        configured = ", ".join(k for k, v in vars(self).items() if v is not None)
        return f"ProviderSecrets(configured=[{configured}])"
