"""The demo's 2019 evaluation adds up: never more answers than people asked."""

import re
from datetime import datetime

import pytest

from symposium import demo
from symposium.evaluations.results import overview
from symposium.extensions import db
from symposium.program.models import Edition
from tests.test_evaluations import org  # noqa: F401  (a fixture)
from tests.test_organiser import text

DAY = re.compile(r"(\d+) antwoorden van (\d+) gevraagde mensen")
PEOPLE_ASKED = re.compile(DAY.pattern + r" \((\d+) %\)")


@pytest.fixture
def demo_loaded(sqlite_app):
    demo.load(today=datetime(2026, 11, 28).date())
    demo.load(today=datetime(2026, 11, 28).date())  # again: nobody doubles
    db.session.rollback()


def test_the_demo_response_rates_are_at_most_one_hundred_percent(demo_loaded, org):  # noqa: F811
    page = text(org.get("/organiser/2019/evaluations"))
    answers, asked = map(int, DAY.search(page).groups())
    assert 0 < answers <= asked and 55 <= 100 * answers / asked <= 75
    rates = [int(rate) for rate in re.findall(r"(\d+) %", page)]
    assert len(rates) == 7 and all(0 < rate <= 100 for rate in rates)

    edition = db.session.query(Edition).filter_by(slug="2019").one()
    for result in overview(edition).sessions:
        slug = result.session.slug
        shown = text(org.get(f"/organiser/2019/evaluations/sessions/{slug}"))
        got, invited, rate = map(int, PEOPLE_ASKED.search(shown).groups())
        assert got <= invited <= (result.session.capacity or invited) and 0 < rate <= 100
        if slug == "zelfredzaamheid-jongeren":
            assert "Te weinig antwoorden om resultaten te tonen" in shown
            assert "Relevantie voor mijn werk" not in shown
        else:
            assert 55 <= rate <= 75 and "Relevantie voor mijn werk" in shown
    day = text(org.get("/organiser/2019/evaluations/day"))
    assert PEOPLE_ASKED.search(day).groups()[:2] == (str(answers), str(asked))
