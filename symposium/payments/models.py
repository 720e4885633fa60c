"""Online payments as Mollie knows them, and the refunds made on them."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db


class PaymentStatus(enum.StrEnum):
    """Mollie's payment statuses (docs.mollie.com, "Payment status changes")."""

    open = "open"
    pending = "pending"
    authorized = "authorized"
    paid = "paid"
    failed = "failed"
    canceled = "canceled"
    expired = "expired"

    @property
    def final(self) -> bool:
        """Mollie never moves a payment out of these again."""
        return self in FINAL

    @property
    def unpaid_for_good(self) -> bool:
        """The payer can no longer pay this payment: the places it held are free again."""
        return self in (PaymentStatus.failed, PaymentStatus.canceled, PaymentStatus.expired)


FINAL = frozenset(
    {PaymentStatus.paid, PaymentStatus.failed, PaymentStatus.canceled, PaymentStatus.expired}
)
#: how far along a status is: a stale answer never moves a payment back
PROGRESS = {
    PaymentStatus.open: 0,
    PaymentStatus.pending: 1,
    PaymentStatus.authorized: 2,
    **{status: 3 for status in FINAL},
}


class Payment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the payment is for, in the caller's words (e.g. "order:12"); one reference may
    #: have several payments (a failed one, then a retry)
    reference: Mapped[str] = mapped_column(sa.String(100), index=True)
    description: Mapped[str] = mapped_column(sa.String(255))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    #: as last fetched from Mollie, never as a redirect says
    status: Mapped[PaymentStatus] = mapped_column(
        sa.Enum(PaymentStatus, native_enum=False, length=20), default=PaymentStatus.open
    )
    #: Mollie's id, "tr_..."
    mollie_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: where the payer pays (Mollie's hosted checkout)
    checkout_url: Mapped[str | None] = mapped_column(sa.String(500))
    #: when Mollie lets an open payment expire
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "ideal", "creditcard" ... once the payer chose
    method: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    refunds: Mapped[list["PaymentRefund"]] = relationship(
        back_populates="payment", order_by="PaymentRefund.id", cascade="all, delete-orphan"
    )

    @property
    def amount_refunded(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), Decimal("0.00"))


class PaymentRefund(db.Model):
    """Money sent back to the payer through Mollie."""

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payment.id", ondelete="CASCADE"), index=True
    )
    #: Mollie's id, "re_..."
    mollie_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    description: Mapped[str] = mapped_column(sa.String(255))
    #: Mollie's refund status: queued, pending, processing, refunded, failed, canceled
    status: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="refunds")
