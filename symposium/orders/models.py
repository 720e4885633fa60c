"""What a paid edition sells and who bought it: ticket types, codes, orders, invoices.

Money is kept in whole cents (integers): the same sums on SQLite and PostgreSQL, and no
rounding but the one rule in `pricing`.

An order moves through these states:

    free ------------------------------------------------------------ (nothing to pay)
    invoiced --(marked paid / bank statement)--> paid
    awaiting_payment --(paid)--> paid
                     --(failed / expired / canceled)--> unpaid --(retry)--> awaiting_payment
    awaiting_payment | unpaid --(hold_until passed)--> expired (places released)
    any but expired --(cancelled)--> cancelled (credit note when it was invoiced or paid)

While an online payment is open (or failed and may be retried) the order's people hold
their places and seats like anyone signed up; `hold_until` says until when. After it the
sweep (`service.release_expired_holds`) cancels those registrations, which hands the seats
to the waiting lists as a cancellation always does.
"""

import enum
import secrets
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symposium.database import UTCDateTime, utcnow
from symposium.extensions import db


class Availability(enum.StrEnum):
    everyone = "everyone"
    #: only with a voucher code that unlocks it (partners, speakers)
    with_code = "with_code"
    #: students, who confirm that they study
    student = "student"


class OrderStatus(enum.StrEnum):
    free = "free"
    invoiced = "invoiced"
    awaiting_payment = "awaiting_payment"
    unpaid = "unpaid"
    paid = "paid"
    expired = "expired"
    cancelled = "cancelled"


#: the states in which an order's people hold their places
HOLDING = (OrderStatus.awaiting_payment, OrderStatus.unpaid)


class PaymentMethod(enum.StrEnum):
    none = "none"
    invoice = "invoice"
    online = "online"


class DocumentKind(enum.StrEnum):
    invoice = "invoice"
    credit_note = "credit_note"


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class EditionFinance(db.Model):
    """Who sends the invoices of an edition and on what terms; absent: a free edition."""

    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), primary_key=True
    )
    supplier_name: Mapped[str] = mapped_column(sa.String(200))
    #: one line per line on the envelope
    supplier_address: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Kamer van Koophandel number
    kvk_number: Mapped[str] = mapped_column(sa.String(20), default="")
    vat_number: Mapped[str] = mapped_column(sa.String(20), default="")
    iban: Mapped[str] = mapped_column(sa.String(34), default="")
    supplier_email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: invoice numbers run per supplier: "SYM" gives SYM-2026-0001
    invoice_prefix: Mapped[str] = mapped_column(sa.String(20), default="SYM")
    po_number_required: Mapped[bool] = mapped_column(default=False)
    payment_days: Mapped[int] = mapped_column(default=30)
    cancellation_terms: Mapped[str] = mapped_column(sa.Text, default="")
    #: groups may add, swap and cancel people until then; None: until sign-up closes
    changes_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: how long places are held while an online payment is open
    hold_minutes: Mapped[int] = mapped_column(default=30)


class TicketType(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120), default="")
    price_cents: Mapped[int] = mapped_column(default=0)
    #: whether `price_cents` is the price a person pays (incl. VAT) or the net price
    price_includes_vat: Mapped[bool] = mapped_column(default=True)
    #: percent, e.g. 21.00 or 9.00; ignored when `vat_exempt`
    vat_rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("21"))
    vat_exempt: Mapped[bool] = mapped_column(default=False)
    #: the text an exempt invoice must carry, e.g. "Vrijgesteld van btw, art. 11 Wet OB"
    exemption_text: Mapped[str] = mapped_column(sa.String(300), default="")
    availability: Mapped[Availability] = mapped_column(
        sa.Enum(Availability, native_enum=False, length=20), default=Availability.everyone
    )
    #: None: no limit beyond the venue's
    quota: Mapped[int | None]
    #: places of this type in orders that are not cancelled or expired
    sold: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.CheckConstraint("sold >= 0", name="ticket_sold_not_negative"),
        sa.CheckConstraint("quota IS NULL OR sold <= quota", name="ticket_not_oversold"),
    )


class VoucherKind(enum.StrEnum):
    fixed = "fixed"
    percentage = "percentage"


class Voucher(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    #: upper-cased; unique per edition
    code: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[VoucherKind] = mapped_column(sa.Enum(VoucherKind, native_enum=False, length=20))
    #: cents off each place (fixed) or percent off (percentage)
    amount: Mapped[int] = mapped_column(default=0)
    #: None: no limit; counted per place
    max_uses: Mapped[int | None]
    used: Mapped[int] = mapped_column(default=0)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the ticket types it applies to (and unlocks when they need a code); empty: all
    ticket_type_ids: Mapped[list] = mapped_column(sa.JSON, default=list)

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "code", name="uq_voucher_edition_code"),
        sa.CheckConstraint("max_uses IS NULL OR used <= max_uses", name="voucher_not_overused"),
    )


class Order(db.Model):
    """One purchase: a person for themselves, or a contact for a group of colleagues."""

    __tablename__ = "ticket_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[OrderStatus] = mapped_column(sa.Enum(OrderStatus, native_enum=False, length=20))
    payment_method: Mapped[PaymentMethod] = mapped_column(
        sa.Enum(PaymentMethod, native_enum=False, length=20)
    )
    contact_name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    #: the buyer's address for the invoice, one line per line
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    finance_email: Mapped[str] = mapped_column(sa.String(254), default="")
    #: the buyer's purchase order number ("inkoopordernummer")
    po_number: Mapped[str] = mapped_column(sa.String(60), default="")
    cost_centre: Mapped[str] = mapped_column(sa.String(60), default="")
    #: the buyer's VAT number, when it has one
    buyer_vat_number: Mapped[str] = mapped_column(sa.String(20), default="")
    voucher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("voucher.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl")
    #: the random part of the group page's link
    secret: Mapped[str] = mapped_column(sa.String(64), default=new_secret)
    #: places are held until then while an online payment is open or may be retried
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.Index("ix_order_status_hold", "status", "hold_until"),)

    @property
    def reference(self) -> str:
        """The payment reference: on the invoice, in iDEAL, on the bank statement."""
        return f"order-{self.id}"

    @property
    def active_lines(self) -> list["OrderLine"]:
        return [line for line in self.lines if line.cancelled_at is None]

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.active_lines)


class OrderLine(db.Model):
    """One person's place in an order, at the price it was sold for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_order.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    #: None in a free edition
    ticket_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_type.id"))
    #: the person's name as on the invoice line
    attendee_name: Mapped[str] = mapped_column(sa.String(200))
    net_cents: Mapped[int]
    discount_cents: Mapped[int] = mapped_column(default=0)
    vat_rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    vat_exempt: Mapped[bool] = mapped_column(default=False)
    vat_cents: Mapped[int]
    #: what the buyer pays for this place, VAT included
    total_cents: Mapped[int]
    #: the person chooses their own breakouts through their own link
    chooses_own: Mapped[bool] = mapped_column(default=False)
    #: the person confirmed that they are a student (student tickets)
    student_confirmed: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="lines")
    ticket_type: Mapped[TicketType | None] = relationship()


class InvoiceCounter(db.Model):
    """The last number given per supplier and year: the row is locked while a number is
    taken, and a transaction that fails gives its number back by rolling back, so numbers
    run without gaps or duplicates."""

    supplier: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Invoice(db.Model):
    """An invoice or credit note as issued: never changed afterwards (a credit note
    corrects it), so it keeps the copy of every fact it states in `data`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_order.id", ondelete="CASCADE"))
    kind: Mapped[DocumentKind] = mapped_column(sa.Enum(DocumentKind, native_enum=False, length=20))
    #: e.g. "SYM-2026-0007"
    number: Mapped[str] = mapped_column(sa.String(40))
    supplier: Mapped[str] = mapped_column(sa.String(20))
    year: Mapped[int]
    sequence: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the invoice a credit note corrects
    credits_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice.id"))
    net_cents: Mapped[int]
    vat_cents: Mapped[int]
    #: negative on a credit note
    total_cents: Mapped[int]
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: supplier, buyer, lines and VAT per rate, as printed
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    order: Mapped[Order] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("supplier", "year", "sequence", name="uq_invoice_sequence"),
        sa.UniqueConstraint("number", name="uq_invoice_number"),
    )
