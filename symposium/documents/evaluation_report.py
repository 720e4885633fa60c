"""The evaluation report of an edition: the day and every session, with charts, as a PDF."""

from flask import render_template

from symposium.documents.rendering import render_pdf
from symposium.evaluations import charts, results, service
from symposium.i18n import current_language
from symposium.program.models import Edition


def report_html(edition: Edition) -> str:
    """The report in the current language; sessions below the minimum show no figures."""
    found = results.overview(edition)
    return render_template(
        "documents/evaluation_report.html",
        language=current_language(),
        edition=edition,
        found=found,
        timing=service.timing(edition),
        chart=charts.question_chart,
    )


def report_pdf(edition: Edition) -> bytes:
    return render_pdf(report_html(edition), "evaluation_report.css")
