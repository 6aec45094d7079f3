"""Encryption of tenant secrets at rest, keyed from SECRET_KEY (and, while a new key is rolled
out, the previous keys, which still open what they sealed)."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SealError(Exception):
    """A sealed value cannot be opened (wrong SECRET_KEY or tampered data)."""


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"saleor-reverse-otp/tenant"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


class SecretBox:
    """Seals with the current key and opens with it or any previous key (Fernet: AES-128-CBC +
    HMAC-SHA256)."""

    def __init__(self, secret_key: str, previous: Sequence[str] = ()) -> None:
        self._current = _fernet(secret_key)
        self._any = MultiFernet([self._current, *(_fernet(key) for key in previous)])
        self.has_previous = bool(previous)

    def seal(self, plaintext: str) -> str:
        """Encrypt a secret for storage."""
        return self._current.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str) -> str:
        """Decrypt a stored secret."""
        try:
            return self._any.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealError("stored secret cannot be decrypted with this SECRET_KEY") from None

    def resealed(self, sealed: str) -> str | None:
        """The value sealed again with the current key, or None when it already is."""
        try:
            self._current.decrypt(sealed.encode())
            return None
        except InvalidToken:
            pass
        try:
            return self._any.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise SealError("stored secret cannot be decrypted with this SECRET_KEY") from None
