"""Materials: what is accepted (by content, never by name), how it is stored and named,
who may download it, and what happens to files that are too large or not what they say."""

import http.client
import io
import threading
import zipfile
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.serving import make_server
from werkzeug.test import encode_multipart

from symposium import create_app
from symposium.extensions import db
from symposium.program.models import EditionStatus, Person
from symposium.registration.personal import manage_token
from symposium.speakers import files, service
from symposium.speakers.models import Material
from tests import test_speakers
from tests.test_organiser import csrf_for, sign_in, text
from tests.test_speakers import as_user, fresh, pdf_bytes

# The speakers' fixtures: two speakers with a session each, and a file store per test.
cast = test_speakers.cast
file_store = test_speakers.file_store
organiser = test_speakers.organiser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def ooxml(main_part: str, *extra_parts: str) -> bytes:
    """A package as Word, Excel and PowerPoint write them, reduced to what says what it is."""
    overrides = "".join(
        f'<Override PartName="/part{n}.xml" ContentType="{kind}"/>'
        for n, kind in enumerate((main_part, *extra_parts))
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/content-types">{overrides}</Types>',
        )
        package.writestr("part0.xml", "<document/>")
    return buffer.getvalue()


def odf(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        package.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "hello")
    return buffer.getvalue()


WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
POWERPOINT = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"

ACCEPTED = [
    ("pdf", pdf_bytes(), files.PDF, ".pdf"),
    ("png", PNG, files.PNG, ".png"),
    ("jpeg", JPEG, files.JPEG, ".jpg"),
    ("docx", ooxml(WORD), files.DOCX, ".docx"),
    ("xlsx", ooxml(EXCEL), files.XLSX, ".xlsx"),
    ("pptx", ooxml(POWERPOINT), files.PPTX, ".pptx"),
    ("odt", odf(files.ODT), files.ODT, ".odt"),
    ("odp", odf(files.ODP), files.ODP, ".odp"),
]
REFUSED = [
    ("html named .pdf", b"<!doctype html><html><script>alert(1)</script></html>", "x.pdf"),
    ("a pdf that is really html", b"<html><body>%PDF-1.7 not really</body></html>", "y.pdf"),
    (
        "svg named .pdf",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "z.pdf",
    ),
    ("svg without xml declaration", b"<svg onload=alert(1)></svg>", "plaatje.png"),
    ("windows program", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "dias.pptx"),
    ("plain zip", plain_zip(), "dias.docx"),
    (
        "macro-enabled word",
        ooxml("application/vnd.ms-word.document.macroEnabled.main+xml"),
        "m.docm",
    ),
    ("two kinds at once", ooxml(WORD, EXCEL), "beide.docx"),
    ("damaged zip", b"PK\x03\x04" + b"\x00" * 40, "kapot.odt"),
    ("text", b"Gewoon tekst", "notities.pdf"),
    ("gif", b"GIF89a\x01\x00\x01\x00", "plaatje.png"),
]


def upload(client, session_id: int, content: bytes, name: str, browser_type=None, **fields):
    """A multipart upload, encoded in memory (the test client's own encoder keeps large
    bodies in a temporary file that it never closes)."""
    file = FileStorage(io.BytesIO(content), name, content_type=browser_type)
    values = {
        "csrf_token": csrf_for(client),
        "kind": "slides",
        "visibility": "public",
        **fields,
        "file": file,
    }
    boundary, body = encode_multipart(values)
    return client.post(
        f"/speaker/sessions/{session_id}/materials",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def stored_files(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def materials() -> list[Material]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Material).order_by(Material.id)))


@pytest.mark.parametrize(("kind", "content", "content_type", "extension"), ACCEPTED)
def test_each_accepted_type_is_recognised_by_its_content(kind, content, content_type, extension):
    assert files.sniff(io.BytesIO(content)) == content_type
    assert files.clean_name("bestand.bin", content_type, "slides") == f"bestand{extension}"


@pytest.mark.parametrize(("case", "content", "name"), REFUSED, ids=[r[0] for r in REFUSED])
def test_anything_else_is_refused_with_a_clear_message_and_nothing_stored(
    sqlite_app, cast, file_store, case, content, name
):
    client = as_user(sqlite_app.test_client(), cast.me)

    response = upload(client, cast.mine.id, content, name, "application/pdf")

    page = text(response)
    assert response.status_code == 200
    assert f"“{name}” kan niet worden gebruikt: de inhoud is geen van deze soorten" in page
    assert "PDF, PNG, JPEG, Word (DOCX), Excel (XLSX), PowerPoint (PPTX)" in page
    assert page.startswith(" Fout:")
    assert materials() == [] and stored_files(file_store) == []


def test_the_type_comes_from_the_content_not_the_name_or_the_browser(sqlite_app, cast, file_store):
    client = as_user(sqlite_app.test_client(), cast.me)

    upload(client, cast.mine.id, PNG, "dias.pdf", "application/pdf")

    (material,) = materials()
    assert material.content_type == "image/png" and material.filename == "dias.png"
    assert material.size == len(PNG)
    path = file_store / material.sha256[:2] / material.sha256
    assert path.read_bytes() == PNG  # stored by content hash, outside static/
    assert "static" not in str(path)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        # What arrives of these depends on how the browser quotes the name; harmless anyway.
        ("..\\..\\Windows\\win.ini.pdf", None),
        ("C:/Users/ana/dias.pdf", "dias.pdf"),
        ("dia's\x00.html.pdf", "dia_s.html.pdf"),
        ("factuur\u202efdp.exe", "factuurfdp.pdf"),
        ("\u200bverborgen\ufeff.pdf", "verborgen.pdf"),
        ("   .pdf", "slides.pdf"),
        ("...", "slides.pdf"),
        ("Cliënten & één ijsbaan.pdf", "Cliënten _ één ijsbaan.pdf"),
        ("a" * 5000 + ".pdf", "a" * 100 + ".pdf"),
        ("<script>alert(1)</script>.pdf", "script.pdf"),
        ('"; filename="evil.html', None),
    ],
)
def test_uploaded_names_are_made_harmless(sqlite_app, cast, name, expected):
    client = as_user(sqlite_app.test_client(), cast.me)

    response = upload(client, cast.mine.id, pdf_bytes(), name)

    assert response.status_code == 302
    (material,) = materials()
    assert material.filename == expected or expected is None
    assert material.filename.endswith(".pdf") and len(material.filename) <= 104
    assert not set(material.filename) & set('/\\"\x00\u202e\u200b\ufeff;')
    with client.get(f"/speaker/sessions/{cast.mine.id}/materials/{material.id}") as download:
        disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "/" not in disposition and "\\" not in disposition and "\u202e" not in disposition
    assert "\x00" not in disposition and len(disposition) < 400


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "malware"}, "Kies wat voor materiaal dit is."),
        ({"visibility": "everyone-and-their-dog"}, "Kies wie dit materiaal kan downloaden."),
    ],
)
def test_a_choice_that_is_not_offered_is_refused(sqlite_app, cast, file_store, fields, message):
    client = as_user(sqlite_app.test_client(), cast.me)

    response = upload(client, cast.mine.id, pdf_bytes(), "dias.pdf", **fields)

    assert message in text(response)
    assert materials() == [] and stored_files(file_store) == []


def test_no_file_or_an_empty_file_is_refused(sqlite_app, cast, file_store):
    client = as_user(sqlite_app.test_client(), cast.me)

    none = upload(client, cast.mine.id, b"", "")
    empty = upload(client, cast.mine.id, b"", "leeg.pdf")

    assert "Kies een bestand om te uploaden." in text(none)
    assert "Het bestand “leeg.pdf” is leeg." in text(empty)
    assert materials() == [] and stored_files(file_store) == []


# -- size ------------------------------------------------------------------------------


def small_limit(app, megabytes: int = 1) -> None:
    app.config.update(
        MAX_UPLOAD_MB=megabytes, MAX_CONTENT_LENGTH=megabytes * 1024 * 1024 + 256 * 1024
    )


def test_an_upload_over_the_limit_gets_a_clear_page(sqlite_app, cast, file_store):
    small_limit(sqlite_app)
    client = as_user(sqlite_app.test_client(), cast.me)

    response = upload(client, cast.mine.id, b"%PDF-" + b"0" * (2 * 1024 * 1024), "groot.pdf")

    assert response.status_code == 413
    page = text(response)
    assert "Het bestand is te groot" in page and "hoogstens 1 MB" in page
    assert "Er is niets opgeslagen." in page
    assert f'href="/speaker/sessions/{cast.mine.id}"' in response.get_data(as_text=True)
    assert materials() == [] and stored_files(file_store) == []


def test_a_file_just_over_the_limit_is_refused_by_the_rules_too(sqlite_app, cast, file_store):
    small_limit(sqlite_app)
    client = as_user(sqlite_app.test_client(), cast.me)

    response = upload(client, cast.mine.id, b"%PDF-" + b"0" * (1024 * 1024), "net-te-groot.pdf")

    assert response.status_code == 200
    assert "Het bestand is groter dan 1 MB." in text(response)
    assert materials() == [] and stored_files(file_store) == []


@contextmanager
def served(app):
    """The app on a real socket, as a browser meets it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def send(port: int, path: str, body: bytes, content_type: str, cookie: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": content_type, "Cookie": f"session={cookie}"},
        )
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def session_cookie(app, user) -> str:
    client = as_user(app.test_client(), user)
    client.get("/speaker/")
    return client.get_cookie("session").value


def test_a_browser_sending_too_much_gets_the_page_not_a_broken_connection(
    sqlite_app, cast, file_store
):
    """Over a real socket: the server reads what is sent and answers with the 413 page."""
    small_limit(sqlite_app)
    boundary = "grensgrensgrens"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="groot.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + b"%PDF-"
        + b"0" * (8 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )

    with served(sqlite_app) as port:
        status_code, page = send(
            port,
            f"/speaker/sessions/{cast.mine.id}/materials",
            body,
            f"multipart/form-data; boundary={boundary}",
            session_cookie(sqlite_app, cast.me),
        )

    assert status_code == 413
    assert "Het bestand is te groot" in page
    assert stored_files(file_store) == []


def test_a_text_too_long_to_read_gets_a_page_too(sqlite_app, cast):
    """A form's text beyond what the server reads into memory, after part of it was read."""
    boundary = "grensgrensgrens"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nAna\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="bio"\r\n\r\n'
        ).encode()
        + b"x" * (2 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )

    with served(sqlite_app) as port:
        status_code, page = send(
            port,
            "/speaker/profile",
            body,
            f"multipart/form-data; boundary={boundary}",
            session_cookie(sqlite_app, cast.me),
        )

    assert status_code == 413
    assert "De tekst is te lang" in page and "Er is niets opgeslagen." in page
    assert fresh(Person, cast.my_person.id).name == "Ana de Spreker"


def test_the_limit_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMPOSIUM_MAX_UPLOAD_MB", "40")
    settings = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}

    app = create_app(settings, instance_path=tmp_path / "instance")
    default = create_app({**settings, "MAX_UPLOAD_MB": 25}, instance_path=tmp_path / "instance")

    assert app.config["MAX_UPLOAD_MB"] == 40
    assert app.config["MAX_CONTENT_LENGTH"] == 40 * 1024 * 1024 + 256 * 1024
    assert default.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024 + 256 * 1024


# -- downloads -------------------------------------------------------------------------


def add(cast, visibility: str, content: bytes = b"", name: str = "dias.pdf", session=None):
    return service.add_material(
        (session or cast.mine).id,
        service.MaterialData("slides", visibility),
        service.Upload(io.BytesIO(content or pdf_bytes()), name),
        cast.me,
    )


def url_of(cast, material, session=None, **query) -> str:
    session = session or cast.mine
    base = f"/{cast.edition.slug}/sessions/{session.slug}/materials/{material.id}"
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def status(client, url: str) -> int:
    with client.get(url) as response:
        return response.status_code


def test_a_download_is_an_attachment_of_the_stored_type_never_sniffed(app, cast):
    material = add(cast, "public", PNG, "foto.pdf")

    with app.test_client().get(url_of(cast, material)) as response:
        assert response.status_code == 200 and response.data == PNG
        headers = response.headers

    assert headers["Content-Disposition"] == "attachment; filename=foto.png"
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]


def test_who_may_download_what(app, cast, sign_up, organiser):
    session = cast.mine
    attendee = sign_up(cast.edition, 1, {session.round_id: session.id})
    elsewhere = sign_up(cast.edition, 2, {session.round_id: cast.theirs.id})
    public, for_attendees, for_organisers = (
        add(cast, "public"),
        add(cast, "attendees"),
        add(cast, "organisers"),
    )
    anyone = app.test_client()
    speaker = as_user(app.test_client(), cast.me)
    other_speaker = as_user(app.test_client(), cast.them)
    organiser_client = app.test_client()
    sign_in(organiser_client)
    attending = {"token": manage_token(attendee)}
    not_attending = {"token": manage_token(elsewhere)}

    assert status(anyone, url_of(cast, public)) == 200
    assert status(anyone, url_of(cast, for_attendees)) == 403
    assert status(anyone, url_of(cast, for_attendees, **attending)) == 200
    assert status(anyone, url_of(cast, for_attendees, **not_attending)) == 403
    assert status(anyone, url_of(cast, for_attendees, token="vals")) == 403
    assert status(other_speaker, url_of(cast, for_attendees)) == 403
    assert status(anyone, url_of(cast, for_organisers)) == 403
    assert status(anyone, url_of(cast, for_organisers, **attending)) == 403
    assert status(other_speaker, url_of(cast, for_organisers)) == 403
    assert status(speaker, url_of(cast, for_organisers)) == 200
    assert status(organiser_client, url_of(cast, for_organisers)) == 200
    # A material is found only under its own session.
    assert status(anyone, url_of(cast, public, session=cast.theirs)) == 404


def test_a_cancelled_attendee_loses_the_attendees_materials(sqlite_app, cast, sign_up):
    from symposium.registration import service as registrations

    attendee = sign_up(cast.edition, 1, {cast.mine.round_id: cast.mine.id})
    material = add(cast, "attendees")
    token = manage_token(attendee)
    registrations.cancel(attendee.id)

    assert status(sqlite_app.test_client(), url_of(cast, material, token=token)) == 403


def test_materials_of_a_draft_edition_stay_hidden(sqlite_app, cast):
    material = add(cast, "public")
    cast.edition.status = EditionStatus.draft
    db.session.commit()

    assert status(sqlite_app.test_client(), url_of(cast, material)) == 404
    assert status(as_user(sqlite_app.test_client(), cast.me), url_of(cast, material)) == 200


def test_the_session_page_lists_public_materials_with_size_and_type(sqlite_app, cast):
    add(cast, "public", name="Openbare dia's.pdf")
    add(cast, "attendees", ooxml(WORD), "Alleen voor deelnemers.docx")
    add(cast, "organisers", name="Geheim.pdf")

    page = text(sqlite_app.test_client().get(f"/{cast.edition.slug}/sessions/{cast.mine.slug}"))

    assert "Dia's en hand-outs" in page
    assert "Openbare dia_s.pdf Dia's · PDF, 1 kB" in page
    assert "Alleen voor deelnemers" not in page and "Geheim" not in page


def test_attendees_find_their_materials_on_their_personal_page(sqlite_app, cast, sign_up):
    attendee = sign_up(cast.edition, 1, {cast.mine.round_id: cast.mine.id})
    for_attendees = add(cast, "attendees", ooxml(WORD), "werkblad.docx")
    add(cast, "organisers", name="Geheim.pdf")
    token = manage_token(attendee)

    page = sqlite_app.test_client().get(f"/r/{token}")

    html = page.get_data(as_text=True)
    assert "werkblad.docx" in html and "Geheim" not in html
    link = url_of(cast, for_attendees) + f"?token={token}"
    assert link in html
    assert status(sqlite_app.test_client(), link) == 200


# -- replace and delete ----------------------------------------------------------------


def test_replacing_a_material_keeps_the_new_file_and_drops_the_old(sqlite_app, cast, file_store):
    material = add(cast, "public")
    old = file_store / material.sha256[:2] / material.sha256
    client = as_user(sqlite_app.test_client(), cast.me)
    url = f"/speaker/sessions/{cast.mine.id}/materials/{material.id}/edit"

    refused = client.post(
        url,
        data={
            "csrf_token": csrf_for(client),
            "kind": "handout",
            "visibility": "attendees",
            "file": (io.BytesIO(b"<html></html>"), "nieuw.pdf"),
        },
    )
    assert "kan niet worden gebruikt" in text(refused)
    assert fresh(Material, material.id).visibility.value == "public" and old.exists()

    client.post(
        url,
        data={
            "csrf_token": csrf_for(client),
            "kind": "handout",
            "visibility": "attendees",
            "file": (io.BytesIO(PNG), "nieuw.png"),
        },
    )
    replaced = fresh(Material, material.id)
    assert replaced.filename == "nieuw.png" and replaced.content_type == "image/png"
    assert replaced.visibility.value == "attendees" and replaced.kind.value == "handout"
    assert not old.exists()
    assert stored_files(file_store) == [file_store / replaced.sha256[:2] / replaced.sha256]


def test_changing_only_who_may_download_keeps_the_file(sqlite_app, cast, file_store):
    material = add(cast, "public")
    client = as_user(sqlite_app.test_client(), cast.me)

    client.post(
        f"/speaker/sessions/{cast.mine.id}/materials/{material.id}/edit",
        data={"csrf_token": csrf_for(client), "kind": "slides", "visibility": "organisers"},
    )

    changed = fresh(Material, material.id)
    assert changed.visibility.value == "organisers" and changed.sha256 == material.sha256
    assert len(stored_files(file_store)) == 1


def test_deleting_asks_once_more_and_removes_the_file_once_unused(sqlite_app, cast, file_store):
    first = add(cast, "public")
    second = add(cast, "attendees", session=cast.mine)  # the same content, stored once
    client = as_user(sqlite_app.test_client(), cast.me)
    url = f"/speaker/sessions/{cast.mine.id}/materials/{first.id}/delete"

    assert "“dias.pdf” verwijderen?" in text(client.get(url))
    client.post(url, data={"csrf_token": csrf_for(client)})
    assert [m.id for m in materials()] == [second.id]
    assert len(stored_files(file_store)) == 1

    client.post(
        f"/speaker/sessions/{cast.mine.id}/materials/{second.id}/delete",
        data={"csrf_token": csrf_for(client)},
    )
    assert materials() == [] and stored_files(file_store) == []
    assert status(sqlite_app.test_client(), url_of(cast, first)) == 404
