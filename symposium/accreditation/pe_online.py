"""PE-online's web service: send the attendance as XML, read its `Summary` answer, and keep
per person whether it was accepted or rejected (and why)."""

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from symposium.accreditation import reports
from symposium.accreditation.models import (
    Accreditation,
    Register,
    RegisterNumber,
    ReportedAttendance,
    ReportState,
)
from symposium.accreditation.numbers import clean
from symposium.accreditation.service import label
from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case, utcnow
from symposium.extensions import db
from symposium.registration.models import Registration
from symposium.validation import Fields, RuleError

PATH = "/pe-services/pe-attendanceelearning/WriteAttendance.asmx/ProcessXML"


class PeOnlineError(RuleError):
    """PE-online could not be reached or gave an answer we cannot read: nothing is marked."""

    message = _l("PE-online did not answer as expected; nothing was marked as sent.")


class InvalidSubmission(RuleError):
    message = _l("Check the fields.")


@dataclass
class Answer:
    accepted: set[str] = field(default_factory=set)
    #: row number (1-based) -> message; row 0: not tied to a row
    errors: dict[int, list[str]] = field(default_factory=dict)
    totals: tuple[int, int, int] = (0, 0, 0)


def _text(element, name: str) -> str:
    found = element.find(name)
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_answer(body: bytes) -> Answer:
    """Read a `Summary` (bare, or wrapped in ASP.NET's `<string>`); PeOnlineError otherwise."""
    from lxml import etree  # imported when used: it slows every start-up

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser)
        if etree.QName(root).localname == "string" and root.text:
            root = etree.fromstring(root.text.strip().encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        raise PeOnlineError(
            _l("PE-online's answer could not be read: %(error)s", error=str(error))
        ) from None
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    results = root.find("Results")
    if root.tag != "Summary" or results is None:
        raise PeOnlineError(_l("PE-online's answer holds no summary of the rows."))
    try:
        totals = tuple(
            int(_text(results, name)) for name in ("rejected_rows", "accepted_rows", "total_rows")
        )
    except ValueError:
        raise PeOnlineError(_l("PE-online's answer holds no summary of the rows.")) from None
    answer = Answer(totals=totals)
    for accepted in root.findall("Accepted"):
        answer.accepted.add(_text(accepted, "person"))
    for error in root.findall("Error"):
        message = _text(error, "errorMsg") or _text(error, "errorNR")
        row = re.search(r"regel (\d+)|row (\d+)|line (\d+)", message)
        number = int(next(g for g in row.groups() if g)) if row else 0
        answer.errors.setdefault(number, []).append(message)
    return answer


def post(xml: str, timeout: float | None = None) -> bytes:
    """POST the XML as the form field `sXML`; the answer's body."""
    base = str(current_app.config["PE_ONLINE_URL"]).rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise PeOnlineError(_l("PE-online's address must start with https://."))
    data = urllib.parse.urlencode({"sXML": xml}).encode("utf-8")
    request = urllib.request.Request(
        base + PATH,
        data=data,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        method="POST",
    )
    wait = timeout if timeout is not None else float(current_app.config["PE_ONLINE_TIMEOUT"])
    try:
        with urllib.request.urlopen(request, timeout=wait) as response:  # http(s), checked  # nosec B310
            return response.read(5_000_000)
    except TimeoutError:
        raise PeOnlineError(
            _l("PE-online did not answer in time; nothing was marked as sent.")
        ) from None
    except urllib.error.HTTPError as error:
        raise PeOnlineError(
            _l(
                "PE-online answered with error %(status)d; nothing was marked as sent.",
                status=error.code,
            )
        ) from None
    except (urllib.error.URLError, OSError) as error:
        if isinstance(getattr(error, "reason", None), TimeoutError):
            raise PeOnlineError(
                _l("PE-online did not answer in time; nothing was marked as sent.")
            ) from None
        raise PeOnlineError(
            _l("PE-online could not be reached; nothing was marked as sent.")
        ) from None


def check_credentials(user_id: str, user_key: str, org_id: str) -> reports.Credentials:
    fields = Fields(InvalidSubmission)
    values = [
        fields.text(name, value, 100, _l("Fill in this field."))
        for name, value in (("user_id", user_id), ("user_key", user_key), ("org_id", org_id))
    ]
    fields.raise_if_any()
    return reports.Credentials(*values)


def rejected_ids(accreditation: Accreditation) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(ReportedAttendance.registration_id).where(
                ReportedAttendance.accreditation_id == accreditation.id,
                ReportedAttendance.state == ReportState.rejected,
            )
        )
    )


def read_corrections(accreditation: Accreditation, form: Mapping) -> dict[int, str]:
    """Numbers corrected on the results page, per registration id; InvalidSubmission when
    one is malformed (its message beside its field)."""
    numbers, fields = {}, Fields(InvalidSubmission)
    for registration_id in rejected_ids(accreditation):
        typed = form.get(f"number-{registration_id}")
        if typed is None:
            continue
        number, problem = clean(accreditation.register, typed)
        if problem is not None or not number:
            fields.add(f"number-{registration_id}", problem or _l("Give the number."))
        numbers[registration_id] = number
    fields.raise_if_any()
    return numbers


def submit(
    accreditation: Accreditation,
    credentials: reports.Credentials,
    actor: Actor,
    only_rejected: bool = False,
    corrected: Mapping[int, str] | None = None,
) -> Answer:
    """Send the qualifying people (or only the rejected ones, numbers corrected) and keep
    PE-online's answer per person. Nothing is kept when the answer cannot be read."""
    only = rejected_ids(accreditation) if only_rejected else None
    sent = {
        o.registration.id: (corrected or {}).get(o.registration.id, o.number)
        for o in reports.reportable(accreditation)
        if only is None or o.registration.id in only
    }
    if not sent:
        raise InvalidSubmission({"form": [_l("There is nobody to send.")]})
    xml = reports.pe_xml(accreditation, credentials, only=set(sent), numbers=sent)
    db.session.rollback()  # read nothing stale, and hold no lock while PE-online answers
    answer = parse_answer(post(xml))
    _keep(accreditation.id, sent, answer, actor)
    return answer


@use_case
def _keep(accreditation_id: int, sent: Mapping[int, str], answer: Answer, actor: Actor) -> None:
    accreditation = db.session.get(Accreditation, accreditation_id)
    loose = [m for messages in answer.errors.values() for m in messages]
    for row, (registration_id, number) in enumerate(sent.items(), start=1):
        accepted = number in answer.accepted
        message = "" if accepted else "; ".join(answer.errors.get(row) or loose)
        _remember(accreditation.register, registration_id, number)
        kept = db.session.get(ReportedAttendance, (accreditation_id, registration_id))
        if kept is None:
            kept = ReportedAttendance(
                accreditation_id=accreditation_id, registration_id=registration_id
            )
            db.session.add(kept)
        kept.number, kept.at = number, utcnow()
        kept.state = ReportState.accepted if accepted else ReportState.rejected
        kept.message = message[:2000]
    audit.record(
        actor,
        "accreditation.pe_online",
        accreditation,
        after={"sent": len(sent), "accepted": sum(n in answer.accepted for n in sent.values())},
        label=label(accreditation),
    )


def _remember(register: Register, registration_id: int, number: str) -> None:
    """A number an organiser corrected becomes the person's number for the register."""
    row = db.session.scalar(
        sa.select(RegisterNumber).where(
            RegisterNumber.registration_id == registration_id, RegisterNumber.register == register
        )
    )
    if row is not None and row.number != number:
        row.number, row.updated_at = number, utcnow()


def results(accreditation: Accreditation) -> list[tuple[Registration, ReportedAttendance]]:
    return list(
        db.session.execute(
            sa.select(Registration, ReportedAttendance)
            .join(ReportedAttendance, ReportedAttendance.registration_id == Registration.id)
            .where(ReportedAttendance.accreditation_id == accreditation.id)
            .order_by(ReportedAttendance.state.desc(), Registration.sort_last)
        ).all()
    )
