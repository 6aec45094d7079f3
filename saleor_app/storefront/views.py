"""What a shopper may see of a challenge: no risk reasons, no sender, no secrets."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum

from saleor_app.core.codes import sms_body
from saleor_app.core.model import Challenge, ChallengeStatus
from saleor_app.core.phones import mask_phone
from saleor_app.core.sms_link import qr_svg, sms_uri
from saleor_app.core.whatsapp_link import whatsapp_qr_svg, whatsapp_uri


class ShopperStatus(StrEnum):
    """The status a storefront shows; NOT_REQUIRED means the order needs no SMS."""

    NOT_REQUIRED = "NOT_REQUIRED"
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"


FINAL = frozenset({ShopperStatus.VERIFIED, ShopperStatus.REJECTED, ShopperStatus.NOT_REQUIRED})
STAFF_DECISIONS = {
    ChallengeStatus.APPROVED: ShopperStatus.NOT_REQUIRED,
    ChallengeStatus.REJECTED_BY_STAFF: ShopperStatus.REJECTED,
}
"""What a shopper sees of a challenge the merchant closed: the SMS is no longer needed, or
the order was refused."""


@dataclass(frozen=True)
class ChallengeView:
    """The shopper's view; code and SMS fields only while the code can still be sent."""

    status: ShopperStatus
    id: str | None = None
    code: str | None = None
    sms_number: str | None = None
    sms_body: str | None = None
    expires_at: float | None = None
    phone_hint: str | None = None
    order_id: str | None = None
    checkout_id: str | None = None
    whatsapp_number: str | None = None

    @property
    def whatsapp_uri(self) -> str | None:
        """The `wa.me` link with the same text, when the shop takes WhatsApp."""
        if self.whatsapp_number is None or self.sms_body is None:
            return None
        return whatsapp_uri(self.whatsapp_number, self.sms_body)

    @property
    def whatsapp_qr_code_svg(self) -> str | None:
        """SVG of the QR code whose payload is `whatsapp_uri`."""
        if self.whatsapp_number is None or self.sms_body is None:
            return None
        return _whatsapp_qr(self.whatsapp_number, self.sms_body)

    @property
    def sms_uri(self) -> str | None:
        """The `sms:` link with number and body."""
        if self.sms_number is None or self.sms_body is None:
            return None
        return sms_uri(self.sms_number, self.sms_body)

    @property
    def qr_code_svg(self) -> str | None:
        """SVG of the QR code whose payload is `SMSTO:+<E164>:<body>`."""
        if self.sms_number is None or self.sms_body is None:
            return None
        return _qr(self.sms_number, self.sms_body)


@functools.lru_cache(maxsize=2048)
def _qr(number: str, body: str) -> str:
    return qr_svg(number, body)


@functools.lru_cache(maxsize=2048)
def _whatsapp_qr(number: str, body: str) -> str:
    return whatsapp_qr_svg(number, body)


def shopper_status(challenge: Challenge, now: float) -> ShopperStatus:
    """The stored status, EXPIRED as soon as a pending code is past its expiry; a staff
    decision as the storefront contract names it."""
    if challenge.status is ChallengeStatus.PENDING and challenge.is_expired(now):
        return ShopperStatus.EXPIRED
    return STAFF_DECISIONS.get(challenge.status) or ShopperStatus(challenge.status.value)


def view_of(
    challenge: Challenge, keyword: str, now: float, whatsapp_number: str = ""
) -> ChallengeView:
    """The shopper's view of a stored challenge (with the WhatsApp link when the shop has a
    WhatsApp number)."""
    status = shopper_status(challenge, now)
    sendable = status is ShopperStatus.PENDING
    return ChallengeView(
        status=status,
        id=challenge.id,
        code=challenge.code if sendable else None,
        sms_number=challenge.virtual_number,
        sms_body=sms_body(challenge.code, keyword) if sendable else None,
        expires_at=challenge.expires_at,
        phone_hint=mask_phone(challenge.expected_phone) if challenge.expected_phone else None,
        order_id=challenge.order_id,
        checkout_id=challenge.checkout_id,
        whatsapp_number=whatsapp_number or None,
    )


def not_required(order_id: str) -> ChallengeView:
    """An order the app let through without a challenge."""
    return ChallengeView(status=ShopperStatus.NOT_REQUIRED, order_id=order_id)
