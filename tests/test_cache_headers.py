"""What caches may keep: public pages with an ETag and Vary, nothing personal."""


def test_public_pages_say_their_language_depends_on_the_request(sqlite_app, make_edition):
    edition = make_edition()
    client = sqlite_app.test_client()

    for path in (f"/{edition.slug}/", f"/{edition.slug}/register", "/no/such/page/here"):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert {"Accept-Language", "Cookie"} <= set(response.vary), path


def test_the_public_program_may_be_kept_but_not_with_a_signed_in_organiser(
    sqlite_app, make_edition
):
    from symposium.accounts import service as accounts
    from tests.test_organiser import PASSWORD, sign_in

    edition = make_edition()
    anonymous = sqlite_app.test_client().get(f"/{edition.slug}/")
    accounts.create_organiser("org@example.org", "Olga", PASSWORD)
    organiser = sqlite_app.test_client()
    sign_in(organiser)
    signed_in = organiser.get(f"/{edition.slug}/")

    assert anonymous.status_code == signed_in.status_code == 200
    assert anonymous.headers["ETag"] and "no-store" not in anonymous.headers["Cache-Control"]
    assert signed_in.headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_own_caching(sqlite_app):
    with sqlite_app.test_client().get("/static/css/site.css") as response:
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert "Accept-Language" not in response.vary
