"""Accreditation reports as files: the presence list per register as PDF (signature
column) and XLSX, PE-online's paste list and XML."""

from collections.abc import Mapping

from flask import render_template  # noqa: TID251  (a PDF is written from a template)
from flask_babel import force_locale

from symposium.accreditation import reports
from symposium.accreditation.presence import outcomes
from symposium.accreditation.service import label
from symposium.documents.rendering import render_pdf
from symposium.i18n import format_day, localized


def presence_pdf(accreditation, language: str, roles: Mapping[str, str]) -> bytes:
    """Organiser, activity, date and ID on top; per person surname, initials, profession,
    register number, hours present and room to sign."""
    edition = accreditation.edition
    with force_locale(language):
        html = render_template(
            "documents/accreditation_presence.html",
            language=language,
            edition=edition,
            title=localized(edition, "title"),
            day=format_day(edition.starts_at, edition.timezone),
            register=label(accreditation),
            accreditation=accreditation,
            outcomes=outcomes(accreditation),
            initials=reports.initials,
            roles=roles,
        )
    return render_pdf(html, "door_list.css")


def write_report(accreditation, kind: str, language: str, roles: Mapping[str, str]) -> bytes:
    """One report: "paste", "pe-xml" (placeholders for the credentials), "xlsx" or "pdf";
    `roles`: the words for the professions people chose at sign-up."""
    if kind == "paste":
        return reports.paste_list(accreditation).encode("utf-8")
    if kind == "pe-xml":
        blank = reports.Credentials("USERID", "USERKEY", "ORGID")
        return reports.pe_xml(accreditation, blank).encode("utf-8")
    with force_locale(language):
        if kind == "xlsx":
            return reports.presence_xlsx(accreditation, roles)
        return presence_pdf(accreditation, language, roles)
