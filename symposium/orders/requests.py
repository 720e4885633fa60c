"""What an order hands in, and the refusals people can read."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from symposium.registration.requests import RoundRequest
from symposium.validation import RuleError


@dataclass
class Attendee:
    """One person in an order."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    ticket_type_id: int | None = None
    #: their breakouts, round id -> request; empty with `chooses_own`
    choices: dict[int, RoundRequest] = field(default_factory=dict)
    #: they choose their breakouts themselves, through the link mailed to them
    chooses_own: bool = False
    student_confirmed: bool = False
    role: str = "other"
    locale: str = ""


@dataclass
class OrderRequest:
    contact_name: str = ""
    contact_email: str = ""
    organisation: str = ""
    address: str = ""
    finance_email: str = ""
    po_number: str = ""
    cost_centre: str = ""
    buyer_vat_number: str = ""
    voucher_code: str = ""
    #: "invoice" or "online"; ignored when there is nothing to pay
    payment_method: str = "invoice"
    #: the contact may pass on their colleagues' details
    consent: bool = False
    locale: str = "nl"
    attendees: list[Attendee] = field(default_factory=list)


class OrderError(RuleError):
    """Field names: the order's own ("po_number"), or "attendees.<n>.<field>"."""

    message = _l("Some answers need attention.")


class OrderNotAllowed(RuleError):
    pass


class PaymentsUnavailable(RuleError):
    message = _l("Paying online is not available at the moment. Choose to pay on invoice.")
