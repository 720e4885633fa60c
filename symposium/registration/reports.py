"""What the venue and the caterer ask for: needs, organisations, roles, newsletter opt-ins.

Counted over the people who are coming (confirmed, not erased); the free texts of the
dietary and access needs are listed with how many people wrote each, alike texts together.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from symposium.extensions import db
from symposium.program.models import Edition
from symposium.registration.models import Registration, RegistrationStatus
from symposium.registration.tables import Table


@dataclass
class Needs:
    """How many people wrote a need, and each text (as first written) with its count."""

    people: int = 0
    texts: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Report:
    coming: int
    dietary: Needs
    access: Needs
    #: (organisation, count), most first; people without one under ""
    organisations: list[tuple[str, int]]
    #: (role key, count), most first
    roles: list[tuple[str, int]]
    newsletter: int


def _needs(texts: list[str]) -> Needs:
    written = [text.strip() for text in texts if text and text.strip()]
    first_spelling: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for text in written:
        key = " ".join(text.casefold().rstrip(".").split())
        first_spelling.setdefault(key, text)
        counts[key] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return Needs(len(written), [(first_spelling[key], count) for key, count in ordered])


def _tally(values: list[str]) -> list[tuple[str, int]]:
    spelling: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for value in values:
        key = " ".join((value or "").casefold().split())
        spelling.setdefault(key, (value or "").strip())
        counts[key] += 1
    return [
        (spelling[key], count)
        for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def venue_report(edition: Edition) -> Report:
    """The figures for the venue and the caterer, over everyone who is coming."""
    rows = db.session.execute(
        sa.select(
            Registration.dietary_needs,
            Registration.access_needs,
            Registration.organisation,
            Registration.role,
            Registration.newsletter,
        ).where(
            Registration.edition_id == edition.id,
            Registration.status == RegistrationStatus.confirmed,
            Registration.erased_at.is_(None),
        )
    ).all()
    return Report(
        coming=len(rows),
        dietary=_needs([row.dietary_needs for row in rows]),
        access=_needs([row.access_needs for row in rows]),
        organisations=_tally([row.organisation for row in rows]),
        roles=sorted(Counter(row.role for row in rows).items(), key=lambda item: -item[1]),
        newsletter=sum(1 for row in rows if row.newsletter),
    )


def report_tables(report: Report, role_labels: Mapping[str, str]) -> list[Table]:
    """The report as sheets for the XLSX export: needs, organisations, roles."""
    summary = [
        [_("Coming"), report.coming],
        [_("With dietary needs"), report.dietary.people],
        [_("With access needs"), report.access.people],
        [_("Newsletter opt-ins"), report.newsletter],
    ]
    return [
        Table(title=_("Totals"), header=[_("What"), _("Number")], rows=summary),
        Table(
            title=_("Dietary needs"),
            header=[_("Dietary needs"), _("Number")],
            rows=[[text, count] for text, count in report.dietary.texts],
        ),
        Table(
            title=_("Access needs"),
            header=[_("Access needs"), _("Number")],
            rows=[[text, count] for text, count in report.access.texts],
        ),
        Table(
            title=_("Organisations"),
            header=[_("Organisation"), _("Number")],
            rows=[[name or _("(none given)"), count] for name, count in report.organisations],
        ),
        Table(
            title=_("Roles"),
            header=[_("Role"), _("Number")],
            rows=[[str(role_labels.get(role, role)), count] for role, count in report.roles],
        ),
    ]
