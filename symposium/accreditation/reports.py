"""After the day, per accreditation: PE-online's paste list and XML, the presence list."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape  # escapes text, never parses XML  # nosec B406
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from symposium.accreditation.models import Accreditation
from symposium.accreditation.presence import Outcome, outcomes
from symposium.accreditation.service import label
from symposium.registration.exports import write_xlsx
from symposium.registration.tables import Table

SCHEMA = Path(__file__).with_name("pe_online.xsd")


def initials(first_name: str) -> str:
    """ "Anna Maria" -> "A.M."."""
    return "".join(f"{part[0].upper()}." for part in first_name.split() if part)


def reportable(accreditation: Accreditation) -> list[Outcome]:
    """Those who qualify, each once, in the order of the presence list."""
    return [outcome for outcome in outcomes(accreditation) if outcome.qualifies]


def paste_list(accreditation: Accreditation, only: set[int] | None = None) -> str:
    """PE-online's paste field: one register number per line, a # before each."""
    return "".join(
        f"#{o.number}\n"
        for o in reportable(accreditation)
        if only is None or o.registration.id in only
    )


@dataclass(frozen=True)
class Credentials:
    """Given at submission time and never stored."""

    user_id: str
    user_key: str
    org_id: str
    email_output: str = ""


def _tag(name: str, value) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def pe_xml(
    accreditation: Accreditation,
    credentials: Credentials,
    only: set[int] | None = None,
    numbers: Mapping[int, str] | None = None,
) -> str:
    """The `Entry` for PE-online: the settings, and one `Attendance` per qualifying person
    (`only`: those registration ids; `numbers`: corrected numbers by registration id)."""
    edition = accreditation.edition
    end = edition.ends_at.astimezone(ZoneInfo(edition.timezone)).isoformat(timespec="seconds")
    course = accreditation.activity_id
    course_tag = "PECourseID" if course.isdecimal() and int(course) > 0 else "externalCourseID"
    settings = "".join(
        _tag(name, value)
        for name, value in (
            ("userID", credentials.user_id),
            ("userRole", "EDU"),
            ("userKey", credentials.user_key),
            ("orgID", credentials.org_id),
            ("settingOutput", "1"),
            ("emailOutput", credentials.email_output),
            ("languageID", 1),
            ("defaultLanguageID", 1),
        )
    )
    rows = []
    for outcome in reportable(accreditation):
        if only is not None and outcome.registration.id not in only:
            continue
        number = (numbers or {}).get(outcome.registration.id, outcome.number)
        rows.append(
            "<Attendance>"
            + _tag(course_tag, course)
            + _tag("externalPersonID", number)
            + _tag("endDate", end)
            + "</Attendance>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<Entry><Settings>'
        + settings
        + "</Settings>"
        + "".join(rows)
        + "</Entry>"
    )


def schema_errors(xml: str) -> list[str]:
    """What the XSD written from PE-online's description finds wrong; empty when valid."""
    from lxml import etree  # imported when used: it slows every start-up

    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    document = etree.fromstring(xml.encode("utf-8"))
    if schema.validate(document):
        return []
    return [str(error.message) for error in schema.error_log]


def presence_table(accreditation: Accreditation, roles: Mapping[str, str]) -> Table:
    """The presence list's columns: who, profession, register and number, hours present."""
    register = label(accreditation)
    return Table(
        title=register,
        header=[
            _("Surname"),
            _("Initials"),
            _("First name"),
            _("Profession"),
            _("Organisation"),
            _("Register"),
            _("Register number"),
            _("Hours present"),
            _("Qualifies"),
            _("Points"),
        ],
        rows=[
            [
                o.registration.last_name,
                initials(o.registration.first_name),
                o.registration.first_name,
                str(roles.get(o.registration.role, o.registration.role)),
                o.registration.organisation,
                register,
                o.number,
                round(o.present_hours, 1),
                _("Yes") if o.qualifies else _("No"),
                float(o.points),
            ]
            for o in outcomes(accreditation)
        ],
    )


def presence_xlsx(accreditation: Accreditation, roles: Mapping[str, str]) -> bytes:
    return write_xlsx(presence_table(accreditation, roles))
