"""Bad input never gives a 500, changes nothing, and says what is wrong."""

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symposium.extensions import db
from symposium.registration.models import Registration
from tests.conftest import examples
from tests.test_api import body


@pytest.fixture
def client(sqlite_app):
    return sqlite_app.test_client()


def registrations() -> list[Registration]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Registration)))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "x" * 10_000, "Use at most 100 characters."),
        ("last_name", "Nul\x00byte", "Remove the control characters from this field."),
        ("organisation", "Tab\tin a line", "Remove the control characters from this field."),
        ("email", "anna@", "Enter an e-mail address like name@example.org."),
        ("email", "", "Enter your e-mail address."),
        ("first_name", "   ", "Enter your first name."),
        ("dietary_needs", "\ud800", "Remove the control characters from this field."),
        ("first_name", 42, "Enter text."),
        ("consent", False, "Agree to the privacy statement to sign up."),
    ],
)
def test_each_bad_field_gets_its_own_message(client, make_edition, field, value, message):
    edition = make_edition()

    response = client.post(
        f"/api/v1/editions/{edition.slug}/registrations",
        json=body(edition, **{field: value}),
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert message in response.get_json()["errors"][field]
    assert registrations() == []


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [
        ("Zoë", "Çelik"),
        ("Seán", "O'Brien"),
        ("李小龙", "李"),
        ("Ὀδυσσεύς", "Ἰθάκη"),
        ("محمد", "علي"),
    ],
)
def test_names_in_any_script_are_kept_exactly(client, make_edition, first_name, last_name):
    edition = make_edition()

    response = client.post(
        f"/api/v1/editions/{edition.slug}/registrations",
        json=body(edition, first_name=first_name, last_name=last_name),
    )

    assert response.status_code == 201
    [registration] = registrations()
    assert (registration.first_name, registration.last_name) == (first_name, last_name)
    manage = client.get(response.get_json()["manage_url"].removeprefix("http://localhost"))
    assert f"{first_name} {last_name}" in manage.get_data(as_text=True).replace("&#39;", "'")


def test_html_and_script_are_shown_escaped(client, make_edition):
    edition = make_edition()
    script = "<script>alert('x')</script>"

    response = client.post(
        f"/api/v1/editions/{edition.slug}/registrations",
        json=body(edition, first_name=script, organisation="<b>bold</b>"),
    )

    page = client.get(response.get_json()["manage_url"].removeprefix("http://localhost"))
    html = page.get_data(as_text=True)
    assert script not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


anything = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=90, max_size=120),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
fields = st.sampled_from(
    [
        "first_name",
        "last_name",
        "email",
        "organisation",
        "role",
        "dietary_needs",
        "access_needs",
        "consent",
        "newsletter",
        "choices",
    ]
)


@pytest.mark.slow
@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(field=fields, value=anything)
def test_arbitrary_values_never_break_the_api(client, make_edition, field, value):
    edition = make_edition()

    response = client.post(
        f"/api/v1/editions/{edition.slug}/registrations", json=body(edition, **{field: value})
    )

    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 422:
        assert response.get_json()["errors"]
        assert registrations() == []
    db.session.rollback()
    db.session.execute(sa.delete(Registration))
    db.session.commit()


@pytest.mark.slow
@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    form=st.dictionaries(
        st.sampled_from(
            ["first_name", "last_name", "email", "organisation", "role", "consent", "round-1"]
        ),
        st.text(max_size=200),
    )
)
def test_arbitrary_form_posts_never_break_the_page(sqlite_app, make_edition, form):
    sqlite_app.config["WTF_CSRF_ENABLED"] = False
    edition = make_edition()
    client = sqlite_app.test_client()

    response = client.post(f"/{edition.slug}/register", data=form)

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "Er is een probleem" in response.get_data(as_text=True)
        assert registrations() == []
