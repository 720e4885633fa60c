"""What a place costs: the price, a code's discount, VAT, in whole cents."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from symposium.i18n import current_language
from symposium.orders.models import TicketType, Voucher, VoucherKind


@dataclass(frozen=True)
class Price:
    net_cents: int
    discount_cents: int
    vat_cents: int
    total_cents: int


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def price(ticket: TicketType, voucher: Voucher | None = None) -> Price:
    """One place of `ticket`: the discount comes off the price as the ticket states it
    (incl. or excl. VAT), then VAT is worked out on what is left, rounded half up."""
    base = ticket.price_cents
    discount = 0
    if voucher is not None and covers(voucher, ticket):
        if voucher.kind == VoucherKind.fixed:
            discount = min(base, voucher.amount)
        else:
            discount = _cents(Decimal(base) * Decimal(voucher.amount) / 100)
    charged = base - discount
    rate = Decimal(0) if ticket.vat_exempt else Decimal(ticket.vat_rate)
    if ticket.price_includes_vat:
        total = charged
        net = _cents(Decimal(total) * 100 / (100 + rate))
        discount_net = _cents(Decimal(discount) * 100 / (100 + rate))
    else:
        net = charged
        total = net + _cents(Decimal(net) * rate / 100)
        discount_net = discount
    return Price(
        net_cents=net, discount_cents=discount_net, vat_cents=total - net, total_cents=total
    )


def covers(voucher: Voucher, ticket: TicketType) -> bool:
    return not voucher.ticket_type_ids or ticket.id in voucher.ticket_type_ids


def euros(cents: int) -> str:
    """12345 -> "123.45", as in a bank statement or UBL."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def money(cents: int) -> str:
    """1234 -> "12,34" for Dutch readers, "12.34" for English ones."""
    text = euros(cents)
    return text if current_language() == "en" else text.replace(".", ",")


def rate_text(rate: Decimal) -> str:
    """21.00 -> "21", 9.50 -> "9.5"."""
    return f"{Decimal(rate).normalize():f}"
