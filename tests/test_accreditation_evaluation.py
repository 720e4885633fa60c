"""Accreditation that asks for the day's evaluation: who stayed long enough but did not
fill in the evaluation of the day does not qualify, until they do."""

import io

from pypdf import PdfReader

from symposium.accreditation import presence, reports, service
from symposium.accreditation.models import Accreditation
from symposium.evaluations import forms
from symposium.evaluations import service as evaluations
from symposium.evaluations.models import FormScope
from symposium.extensions import db
from symposium.registration.personal import manage_token
from tests.test_accreditation import ACTOR, day_after, org, post  # noqa: F401  (fixtures)
from tests.test_organiser import text


def require_evaluation(accreditation: Accreditation, on: bool = True) -> Accreditation:
    draft = service.draft_of(accreditation)
    draft.requires_evaluation = on
    service.update(accreditation.id, draft, ACTOR)
    db.session.rollback()
    return db.session.get(Accreditation, accreditation.id)


def fill_in_the_day(registration) -> None:
    forms.ensure_forms(registration.edition_id)
    day = evaluations.form_of(registration.edition_id, FormScope.day)
    asked = {q.key: q for q in day.questions}
    evaluations.answer(registration.id, "day", {asked["recommend"].field_name: "9"})
    db.session.commit()


def outcome_of(accreditation, registration):
    db.session.rollback()
    return presence.outcome_for_id(db.session.get(Accreditation, accreditation.id), registration.id)


def test_who_did_not_fill_in_the_day_does_not_qualify_until_they_do(app, day_after):  # noqa: F811
    _edition, accreditation, (anna, bram, _cas) = day_after
    accreditation = require_evaluation(accreditation)

    with app.test_request_context():
        missing = outcome_of(accreditation, anna)
        assert not missing.qualifies and missing.points == 0
        assert str(missing.reason) == "Dagevaluatie niet ingevuld."
        assert reports.paste_list(db.session.get(Accreditation, accreditation.id)) == ""
        assert presence.earned_points(accreditation.edition_id) == {}
        bram_now = outcome_of(accreditation, bram)  # too short a stay says so first
        assert str(bram_now.reason) == "Aanwezig 1 van 2 uur (50 %); 80 % is nodig."

        fill_in_the_day(anna)
        done = outcome_of(accreditation, anna)
        assert done.qualifies and str(done.points) == "2.0" and done.reason == ""
        assert reports.paste_list(db.session.get(Accreditation, accreditation.id)) == "#461000001\n"
        assert not outcome_of(accreditation, bram).qualifies  # the evaluation is not enough


def test_without_the_setting_the_evaluation_does_not_matter(app, day_after):  # noqa: F811
    _edition, accreditation, (anna, _bram, _cas) = day_after
    accreditation = require_evaluation(require_evaluation(accreditation), on=False)
    with app.test_request_context():
        found = outcome_of(accreditation, anna)
        assert found.qualifies and str(found.points) == "2.0"
        assert not evaluations.filled_in(anna)


def test_the_organiser_ticks_the_setting_and_sees_the_reason_and_may_correct_it(
    sqlite_app,
    org,  # noqa: F811
    day_after,  # noqa: F811
):
    edition, accreditation, (anna, _bram, _cas) = day_after
    base = f"/organiser/{edition.slug}/accreditation"
    form = org.get(f"{base}/{accreditation.id}").get_data(as_text=True)
    assert "Vereist dat de dagevaluatie is ingevuld" in form
    saved = post(
        org,
        f"{base}/{accreditation.id}",
        register="registerplein",
        activity_id="9471",
        granted="y",
        min_presence_percent="80",
        requires_evaluation="y",
        items=[str(i.session_id) for i in accreditation.items],
    )
    assert saved.status_code == 302
    db.session.rollback()
    assert db.session.get(Accreditation, accreditation.id).requires_evaluation

    page = text(org.get(f"{base}/{accreditation.id}/presence"))
    assert "Anna Tester 461000001 2 van 2 Nee Dagevaluatie niet ingevuld." in page
    personal = text(sqlite_app.test_client().get(f"/r/{manage_token(anna)}"))
    assert "Vul voor je accreditatiepunten de evaluatie van de dag als geheel in." in personal
    pdf = sqlite_app.test_client().get(f"/r/{manage_token(anna)}/certificate.pdf")
    assert "Accreditatiepunten" not in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()

    post(org, f"{base}/{accreditation.id}/presence/{anna.id}", decision="yes", reason="Op papier")
    page = text(org.get(f"{base}/{accreditation.id}/presence"))
    assert "Ja · 2 punten Gecorrigeerd: Op papier" in page
