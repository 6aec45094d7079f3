"""The registry names every provider of the public contract, each with its acknowledgement."""

from __future__ import annotations

from saleor_app.sms import ADAPTERS, Acknowledgement, ProviderSecrets

PROVIDERS = {"smsmode", "twilio", "vonage", "plivo", "telnyx", "whatsapp", "generic"}


def test_every_contract_provider_is_registered() -> None:
    assert set(ADAPTERS) == PROVIDERS
    for name, adapter in ADAPTERS.items():
        assert adapter.name == name
        assert isinstance(adapter.acknowledgement, Acknowledgement)
        assert 200 <= adapter.acknowledgement.status < 300


def test_secrets_never_show_in_repr() -> None:
    secrets = ProviderSecrets(twilio_auth_token="s3cr3t-token", generic_secret="s3cr3t-generic")
    assert "s3cr3t" not in repr(secrets)
    assert "twilio_auth_token" in repr(secrets)
