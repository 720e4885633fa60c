"""Printed documents, read back from the PDF: what is on the page, page sizes and counts."""

import io
import os
import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from symposium import privacy
from symposium.audit.service import Actor
from symposium.documents import badges as badge_docs
from symposium.documents import service
from symposium.documents.models import DocumentJob, DocumentKind, JobStatus
from symposium.documents.parallel import RenderingProcesses, render_in_parallel
from symposium.documents.rendering import qr_address, render_pdf
from symposium.extensions import db
from symposium.program.models import Session, SummaryStatus
from symposium.registration import organisers as admin
from symposium.registration.personal import checkin_code, manage_token
from symposium.text import name_sort_key
from tests.conftest import free_port
from tests.test_organiser import csrf_for, organiser, sign_in  # noqa: F401  (fixture)

A6 = (297.6, 419.5)
A4 = (595.3, 841.9)
ACTOR = Actor(id=None, email="door@example.org")


def print_tools_present(*tools: str) -> bool:
    """poppler's pdftoppm, zbar's zbarimg and the badge fonts: checks that need them skip
    where they are missing, unless SYMPOSIUM_REQUIRE_PRINT_TOOLS says they must run (CI)."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if "fonts" in tools:
        listed = ""
        if shutil.which("fc-list"):
            listed = subprocess.run(["fc-list"], capture_output=True, text=True).stdout
        missing.remove("fonts")
        if "NotoSansArabic" not in listed or "wqy" not in listed.lower():
            missing.append("fonts (make fonts)")
    if missing and os.environ.get("SYMPOSIUM_REQUIRE_PRINT_TOOLS"):
        pytest.fail(f"missing: {', '.join(missing)}")
    return not missing


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def size_of(pdf: bytes, page: int = 0) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[page].mediabox
    return round(float(box.width), 1), round(float(box.height), 1)


def squeezed(text: str) -> str:
    """Text without spaces, line breaks and hyphens: layout may break a line at a hyphen."""
    return re.sub(r"[\s-]+", "", text)


def fonts_of(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def badge_url(client, registration, language="nl") -> str:
    return f"/r/{manage_token(registration)}/badge.pdf?lang={language}"


@pytest.fixture(autouse=True)
def documents_folder(sqlite_app, tmp_path):
    """Each test its own folder: job numbers start again at 1 in every test's database."""
    sqlite_app.config["DOCUMENTS_FOLDER"] = str(tmp_path / "documents")


@pytest.fixture
def edition(sqlite_app, make_edition):
    return make_edition(rounds=2, sessions_per_round=2)


def sessions_by_round(edition):
    return [[s.id for s in r.sessions] for r in edition.rounds]


# -- badges ------------------------------------------------------------------------------


def test_an_attendee_downloads_a_badge_that_is_their_personal_program(sqlite_app, edition, sign_up):
    first, second = sessions_by_round(edition)
    registration = sign_up(
        edition,
        1,
        {edition.rounds[0].id: first[1], edition.rounds[1].id: second[0]},
        first_name="Maximiliaan",
        last_name="van der Berg",
        organisation="Buurtteam Overvecht",
    )
    client = sqlite_app.test_client()

    response = client.get(badge_url(client, registration))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    (text,) = pages_of(response.data)
    assert size_of(response.data) == A6
    for words in (
        "Maximiliaan",
        "van der Berg",
        "Buurtteam Overvecht",
        edition.title,
        "Utrecht",
        "Workshop 1.2",
        "Room 2",
        "Workshop 2.1",
        "Room 1",
        "Inchecken",
    ):
        assert words in text
    assert "Workshop 1.1" not in text
    # Each breakout with its time (in Dutch) and room.
    assert re.search(r"\d\d\.\d\d–\d\d\.\d\d uur · Room 2\nWorkshop 1\.2", text)


def test_the_badge_is_in_the_language_asked_for(sqlite_app, edition, sign_up):
    registration = sign_up(edition, 1, {edition.rounds[0].id: sessions_by_round(edition)[0][0]})
    client = sqlite_app.test_client()

    english = pages_of(client.get(badge_url(client, registration, "en")).data)[0]
    dutch = pages_of(client.get(badge_url(client, registration, "nl")).data)[0]

    assert "Check-in" in english and re.search(r"\d{2}:\d{2}", english)  # 24 hours
    assert " am" not in english and " pm" not in english
    assert "Inchecken" in dutch and "uur" in dutch


def test_an_english_registrants_badge_and_program_texts_are_in_english(
    sqlite_app, edition, sign_up
):
    first = edition.rounds[0].sessions[0]
    first.title_en = "Working with residents"
    db.session.commit()
    registration = sign_up(edition, 1, {first.round_id: first.id}, locale="en")

    badge = pages_of(
        sqlite_app.test_client().get(f"/r/{manage_token(registration)}/badge.pdf").data
    )
    assert "Check-in" in badge[0] and "Workingwithresidents" in squeezed(badge[0])


def qr_text(pdf: bytes) -> str:
    """What the one QR code image in `pdf` says, as the PDF carries it (one pixel per
    module, two modules of quiet zone), read by zxing-cpp's reader."""
    (image,) = PdfReader(io.BytesIO(pdf)).pages[0].images
    drawn = Image.open(io.BytesIO(image.data)).convert("L")
    assert drawn.getpixel((0, 0)) == drawn.getpixel((1, 1)) == 255  # the quiet zone
    assert drawn.getpixel((2, 2)) == 0  # the finder pattern's corner, a module in
    (code,) = zxingcpp.read_barcodes(drawn.resize((drawn.width * 8,) * 2, Image.NEAREST))
    assert code.format == zxingcpp.BarcodeFormat.QRCode and code.ec_level == "M"
    return code.text


def test_the_qr_code_on_a_badge_is_the_check_in_link(sqlite_app, edition, sign_up, tmp_path):
    registration = sign_up(edition, 1, {})
    client = sqlite_app.test_client()
    pdf = client.get(badge_url(client, registration)).data
    # Wherever it was downloaded from, the link is at the site's address (BASE_URL).
    expected = f"http://127.0.0.1:5000/organiser/check-in/{checkin_code(registration)}"

    assert qr_text(pdf) == expected
    if print_tools_present("zbarimg", "pdftoppm"):
        # As printed, read by another reader than the one whose library drew it.
        (tmp_path / "badge.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "200", "-png", "-singlefile", "badge.pdf", "badge"],
            cwd=tmp_path,
            check=True,
        )
        decoded = subprocess.run(
            ["zbarimg", "--raw", "-q", str(tmp_path / "badge.png")],
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert decoded.strip() == expected


@pytest.mark.parametrize(
    "text", ["https://example.org/check-in/a%41b?x=1&y=2", "Zoë, 王小明 # 100% <sure>"]
)
def test_a_qr_image_address_draws_exactly_its_text(text):
    # Drawn by the process that renders: the address WeasyPrint resolves must give back
    # the very text, percent signs, spaces and all.
    html = f'<img style="width:30mm" src="{qr_address(text).replace("&", "&amp;")}">'
    assert qr_text(render_pdf(html, "badges.css")) == text


HARD_NAMES = [
    # (first name, last name, organisation)
    ("Maximiliaan-Alexander", "Vanderbroeck-Oppenheimer-Winterswijk van Zuylen", "x"),
    ("Łukasz Żółkiewski", "Dvořák-Ørsted Ångström", "Ośrodek Pomocy Społecznej"),
    ("Αικατερίνη", "Παπαδοπούλου", "Δήμος Θεσσαλονίκης"),
    ("Анастасия", "Константинопольская", "Центр социальной помощи"),
    ("فاطمة الزهراء", "العمراني", "المركز الاجتماعي"),
    ("王小明", "欧阳", "上海市社会工作者协会"),
]


def right_margins_are_blank(pdf: bytes, folder) -> list[bool]:
    """Per page: no ink in the badge's right-hand margin, so nothing ran past the text."""
    (folder / "badges.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "72", "-png", "badges.pdf", "page"], cwd=folder, check=True)
    blank = []
    for path in sorted(folder.glob("page-*.png")):
        image = Image.open(path).convert("L")
        margin_start = int(image.width * 99 / 105)  # the last 6 of 105 mm
        blank.append(
            all(
                image.getpixel((x, y)) > 200
                for x in range(margin_start, image.width)
                for y in range(image.height)
            )
        )
    return blank


def test_long_names_and_every_script_fit_on_one_badge_each(sqlite_app, edition, sign_up, tmp_path):
    long_first = "Wilhelmina Johanna Alexandra Frederika Maria Theodora Gerarda"
    assert len(long_first) >= 60
    long_organisation = (
        "Stichting Maatschappelijke Dienstverlening en Sociaal Werk voor de Gemeenten "
        "Amsterdam-Noord, Zaanstad, Purmerend en Waterland"
    )
    assert len(long_organisation) >= 120
    people = [(long_first, "Ter Horst", long_organisation), *HARD_NAMES]
    for number, (first, last, organisation) in enumerate(people, 1):
        sign_up(edition, number, {}, first_name=first, last_name=last, organisation=organisation)

    job = service.request_document(edition, DocumentKind.badges, language="nl")
    service.run_pending()
    db.session.refresh(job)
    pdf = service.file_path(job).read_bytes()

    pages = pages_of(pdf)
    assert len(pages) == len(people)  # nothing overflowed onto a page of its own
    by_last_name = sorted(people, key=lambda p: name_sort_key(p[0], p[1]))
    for page, (first, last, organisation) in zip(pages, by_last_name, strict=True):
        for words in (first, last, organisation):
            assert squeezed(words) in squeezed(page)
    if print_tools_present("fonts"):
        fonts = " ".join(fonts_of(pdf))
        for family in ("Noto-Sans-Bold", "Noto-Sans-Arabic", "WenQuanYi"):
            assert family in fonts  # embedded, so the badge prints the same anywhere
    if print_tools_present("pdftoppm"):
        assert right_margins_are_blank(pdf, tmp_path) == [True] * len(pages)


def test_emoji_in_a_name_are_left_off_the_badge_and_the_rest_is_printed(
    sqlite_app, edition, sign_up
):
    sign_up(
        edition, 1, {}, first_name="Kai 👋🏽", last_name="de Vries 🌷", organisation="Team ❤️ Oost"
    )
    sign_up(edition, 2, {}, first_name="👨‍👩‍👧 Familie", last_name="Çelik")

    job = service.request_document(edition, DocumentKind.badges, language="nl")
    service.run_pending()
    db.session.refresh(job)
    pdf = service.file_path(job).read_bytes()

    celik, de_vries = pages_of(pdf)  # Çelik with the C's, de Vries under V
    assert "Kai" in de_vries and "de Vries" in de_vries and "Team Oost" in de_vries
    assert "Familie" in celik and "Çelik" in celik
    printed = de_vries + celik
    assert not [char for char in printed if ord(char) > 0x2300 and char not in "Ç"], printed
    assert "\ufffd" not in printed  # no stand-in character either
    if print_tools_present("fonts"):
        assert all(("Noto" in font or "WenQuanYi" in font) for font in fonts_of(pdf))


@pytest.mark.usefixtures("organiser")
def test_badge_sheets_four_to_a_page_sorted_by_last_name_with_progress(
    sqlite_app, edition, sign_up
):
    last_names = ["Zwart", "de Boer", "Aydin", "Mulder", "Bakker", "Visser"]
    for number, last in enumerate(last_names, 1):
        sign_up(edition, number, {}, last_name=last)
    client = sqlite_app.test_client()
    sign_in(client)

    asked = client.post(
        f"/organiser/{edition.slug}/documents",
        data={
            "csrf_token": csrf_for(client),
            "kind": "badges",
            "badges-layout": "badge_sheets",
            "badges-people": "all",
        },
    )
    job_page = asked.headers["Location"]
    waiting = client.get(job_page)
    progress = client.get(job_page + "/progress").get_json()
    service.run_pending()
    ready = client.get(job_page)
    with client.get(job_page + "/file") as download:
        pdf = download.data

    assert asked.status_code == 302
    assert b"<progress" in waiting.data
    assert progress["finished"] is False and "achtergrondtaak" in progress["text"]
    assert client.get(job_page + "/progress").get_json()["finished"] is True
    assert b"Download" in ready.data or b"Downloaden" in ready.data
    pages = pages_of(pdf)
    assert len(pages) == 2 and size_of(pdf) == A4
    first_sheet = sorted((name for name in last_names if name in pages[0]), key=pages[0].index)
    assert first_sheet == ["Aydin", "Bakker", "de Boer", "Mulder"]
    assert pages[1].index("Visser") < pages[1].index("Zwart")


def test_only_badges_not_printed_before(sqlite_app, edition, sign_up):
    for number in range(1, 4):
        sign_up(edition, number, {}, last_name=f"Eerste{number}")
    first = service.request_document(edition, DocumentKind.badge_sheets, language="nl")
    service.run_pending()
    db.session.refresh(first)
    assert service.mark_printed(first) == 3
    sign_up(edition, 9, {}, last_name="Laatkomer")

    later = service.request_document(
        edition, DocumentKind.badge_sheets, {"not_yet_printed": True}, language="nl"
    )
    service.run_pending()
    db.session.refresh(later)

    (page,) = pages_of(service.file_path(later).read_bytes())
    assert "Laatkomer" in page and "Eerste" not in page


def test_badges_for_one_session_only(sqlite_app, edition, sign_up):
    first, _second = sessions_by_round(edition)
    round_id = edition.rounds[0].id
    sign_up(edition, 1, {round_id: first[0]}, last_name="Inzaal")
    sign_up(edition, 2, {round_id: first[1]}, last_name="Elders")

    content = service.plan(edition, DocumentKind.badges, {"session_id": first[0]}, "nl")

    assert [badge.last_name for badge in content.items] == ["Inzaal"]


def test_a_made_document_is_kept_until_the_data_behind_it_changes(sqlite_app, edition, sign_up):
    registration = sign_up(edition, 1, {}, last_name="Eerst")
    job = service.request_document(edition, DocumentKind.badge_sheets, language="nl")
    service.run_pending()

    again = service.request_document(edition, DocumentKind.badge_sheets, language="nl")
    registration.last_name = "Anders"
    db.session.commit()
    changed = service.request_document(edition, DocumentKind.badge_sheets, language="nl")

    assert again.id == job.id
    assert changed.id != job.id and changed.status == JobStatus.queued
    service.run_pending()
    db.session.refresh(job)
    assert service.file_path(job) is None  # the outdated file is gone
    assert (
        "Anders"
        in pages_of(service.file_path(db.session.get(DocumentJob, changed.id)).read_bytes())[0]
    )


def test_the_badges_command_makes_sheets_with_a_progress_bar(
    sqlite_app, edition, sign_up, tmp_path
):
    for number in range(1, 6):
        sign_up(edition, number, {})
    output = tmp_path / "badges.pdf"

    result = sqlite_app.test_cli_runner().invoke(
        args=["badges", edition.slug, "-o", str(output), "--sheets"]
    )

    assert result.exit_code == 0, result.output
    assert "5 badges" in result.output
    assert len(pages_of(output.read_bytes())) == 2


def test_the_badges_command_says_when_nobody_matches(sqlite_app, edition, tmp_path):
    result = sqlite_app.test_cli_runner().invoke(
        args=["badges", edition.slug, "-o", str(tmp_path / "b.pdf")]
    )
    assert result.exit_code != 0 and "Nobody" in result.output


def test_erasing_someone_removes_the_made_badges_that_name_them(sqlite_app, edition, sign_up):
    registration = sign_up(edition, 1, {}, last_name="Wisbaar")
    sign_up(edition, 2, {}, last_name="Blijft")
    job = service.request_document(edition, DocumentKind.badge_sheets, language="nl")
    service.run_pending()
    db.session.refresh(job)
    made = service.file_path(job)
    assert made is not None

    privacy.erase(registration.id)

    assert not made.exists()
    again = service.request_document(edition, DocumentKind.badge_sheets, language="nl")
    service.run_pending()
    db.session.refresh(again)
    (page,) = pages_of(service.file_path(again).read_bytes())
    assert "Blijft" in page and "Wisbaar" not in page


# -- certificates ------------------------------------------------------------------------


def test_a_checked_in_attendee_gets_a_certificate_of_the_workshops_attended(
    sqlite_app, edition, sign_up
):
    (a1, _a2), (b1, _b2) = sessions_by_round(edition)
    round_a, round_b = (r.id for r in edition.rounds)
    attendee = sign_up(edition, 1, {round_a: a1, round_b: b1}, first_name="Noor")
    other = sign_up(edition, 2, {round_a: a1, round_b: b1})
    edition.certificate_text = "Geaccrediteerd door het Registerplein: 3 punten.\nNummer 12345"
    db.session.commit()
    client = sqlite_app.test_client()
    link = f"/r/{manage_token(attendee)}/certificate.pdf"

    assert client.get(link).status_code == 404  # not yet checked in
    admin.check_in(attendee.id, ACTOR)
    assert client.get(link).status_code == 404  # checked in, but it has not begun
    edition.starts_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    # Round A's host ticked who came, and Noor was not among them; round B had no list.
    admin.mark_attended(other.choices[0].id, ACTOR)

    response = client.get(link + "?lang=en")

    assert response.status_code == 200
    (text,) = pages_of(response.data)
    assert size_of(response.data) == A4
    assert "Certificate of attendance" in text and "Noor" in text
    assert "Registerplein: 3 punten" in text and "12345" in text
    assert "Workshop 2.1" in text
    assert "Workshop 1.1" not in text
    manage = client.get(f"/r/{manage_token(attendee)}")
    assert b"certificate.pdf" in manage.data


def test_organisers_make_every_certificate_at_once(sqlite_app, edition, sign_up):
    for number in range(1, 4):
        registration = sign_up(edition, number, {}, last_name=f"Deelnemer{number}")
        if number != 2:
            admin.check_in(registration.id, ACTOR)

    job = service.request_document(edition, DocumentKind.certificates, language="nl")
    service.run_pending()
    db.session.refresh(job)

    pages = pages_of(service.file_path(job).read_bytes())
    assert len(pages) == 2
    assert "Deelnemer1" in pages[0] and "Deelnemer3" in pages[1]
    assert "Bewijs van deelname" in pages[0]


def test_printed_sheets_give_each_person_their_own_language(sqlite_app, edition, sign_up):
    """The organiser prints in Dutch; the English registrant's badge and certificate are
    in English all the same (issue 19)."""
    edition.title_en = "Social Work Symposium"
    db.session.commit()
    for number, locale in ((1, "nl"), (2, "en")):
        registration = sign_up(edition, number, {}, last_name=f"Deelnemer{number}", locale=locale)
        admin.check_in(registration.id, ACTOR)

    made = {}
    for kind in (DocumentKind.certificates, DocumentKind.badges):
        job = service.request_document(edition, kind, language="nl")
        service.run_pending()
        db.session.refresh(job)
        made[kind] = pages_of(service.file_path(job).read_bytes())

    dutch, english = made[DocumentKind.certificates]
    assert "Bewijs van deelname" in dutch and "Deelnemer1" in dutch
    assert "Certificate of attendance" in english and "Deelnemer2" in english
    assert "SocialWorkSymposium" in squeezed(english) and "Bewijs" not in english
    dutch_badge, english_badge = made[DocumentKind.badges]
    assert "SocialWorkSymposium" in squeezed(english_badge)
    assert "SocialWorkSymposium" not in squeezed(dutch_badge)


# -- door lists and the booklet ----------------------------------------------------------


@pytest.mark.usefixtures("organiser")
def test_a_door_list_names_everyone_with_a_seat_by_last_name(sqlite_app, edition, sign_up):
    (a1, a2), _ = sessions_by_round(edition)
    round_a = edition.rounds[0].id
    sign_up(edition, 1, {round_a: a1}, last_name="Zegers", organisation="Gemeente Zeist")
    sign_up(edition, 2, {round_a: a1}, last_name="Alberts", organisation="Buurtteam Oost")
    sign_up(edition, 3, {round_a: a2}, last_name="Elders")
    client = sqlite_app.test_client()
    sign_in(client)

    response = client.get(f"/organiser/{edition.slug}/sessions/{a1}/door-list.pdf?lang=en")

    (text,) = pages_of(response.data)
    assert size_of(response.data) == A4
    assert "Workshop 1.1" in text and "Room 1" in text and "Round 1" in text
    assert "Signature" in text and "2 people" in text
    assert text.index("Alberts") < text.index("Zegers")
    assert "Gemeente Zeist" in text and "Elders" not in text


def publish(session: Session, text: str) -> None:
    session.summary = text
    session.summary_status = SummaryStatus.published
    session.summary_published_at = datetime.now(UTC)


def test_the_summaries_booklet_has_a_correct_table_of_contents(sqlite_app, edition):
    sessions = [s for s in edition.sessions if s.round is not None]
    long_text = "\n\n".join(["## Wat besproken is", *["Een alinea over de praktijk. " * 40] * 8])
    for session in sessions[:3]:
        publish(session, long_text if session is sessions[0] else "Kort verslag van *de* sessie.")
    edition.program_version += 1  # as publishing a summary does
    db.session.commit()
    client = sqlite_app.test_client()
    assert b"summaries.pdf" in client.get(f"/{edition.slug}/").data

    waiting = client.get(f"/{edition.slug}/summaries.pdf")
    assert waiting.status_code == 202 and b"summaries/progress" in waiting.data
    service.run_pending()
    with client.get(f"/{edition.slug}/summaries.pdf") as response:
        status, pdf = response.status_code, response.data

    assert status == 200
    pages = pages_of(pdf)
    assert size_of(pdf) == A4
    assert edition.title in pages[0]
    contents = pages[1]
    for session in sessions[:3]:
        listed = re.search(re.escape(session.title) + r"[ .]*?(\d+)\s*$", contents, re.M)
        assert listed, contents
        page_number = int(listed.group(1))
        assert pages[page_number - 1].lstrip().startswith(session.title), page_number
    # The long summary runs over more than one page; the next one starts on a page of its own.
    assert len(pages) > 2 + 3


def test_no_booklet_without_published_summaries(sqlite_app, edition):
    client = sqlite_app.test_client()
    assert client.get(f"/{edition.slug}/summaries.pdf").status_code == 404
    assert b"summaries.pdf" not in client.get(f"/{edition.slug}/").data


# -- the renderer itself -----------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):
        Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_documents_never_fetch_from_the_network_or_outside_static(sqlite_app, tmp_path):
    server = HTTPServer(("127.0.0.1", free_port()), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    try:
        html = (
            f'<img src="http://127.0.0.1:{server.server_port}/tracker.png">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{server.server_port}/x.css">'
            f'<link rel="stylesheet" href="{secret.as_uri()}">'
            '<img src="file:///etc/hostname"><p>Hallo</p>'
        )
        pdf = render_pdf(html, "badges.css")
    finally:
        server.shutdown()
        server.server_close()

    assert Recorder.hits == []
    assert "Hallo" in pages_of(pdf)[0]


@pytest.mark.slow
def test_chunks_rendered_in_parallel_come_back_in_order(sqlite_app):
    chunks = [f"<p>Deel {n}</p>" for n in range(1, 6)]
    done = []

    pdf = render_in_parallel(chunks, "certificates.css", on_progress=done.append, processes=2)

    pages = pages_of(pdf)
    assert [page.strip() for page in pages] == [f"Deel {n}" for n in range(1, 6)]
    assert done == [1, 2, 3, 4, 5]


# -- badges made fast (issue 16) ---------------------------------------------------------


def test_the_program_prints_each_session_title_on_one_line(sqlite_app, edition, sign_up):
    # The program is one paragraph with its line breaks kept: a line break typed into a
    # title or room must not start a line of its own.
    first = edition.rounds[0].sessions[0]
    first.title = "Samen werken\naan bestaanszekerheid"
    first.room = "Zaal\n3"
    db.session.commit()
    registration = sign_up(edition, 1, {first.round_id: first.id})
    client = sqlite_app.test_client()

    (text,) = pages_of(client.get(badge_url(client, registration)).data)

    assert re.search(
        r"\d\d\.\d\d–\d\d\.\d\d uur · Zaal 3\nSamen werken aan bestaanszekerheid", text
    )


@pytest.mark.slow
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_rendering_processes_forked_or_spawned_give_the_chunks_in_order(start_method):
    chunks = [f"<p>Deel {n}</p>" for n in range(1, 6)]
    done = []

    with RenderingProcesses("certificates.css", 2, start_method) as renderers:
        pdf = renderers.render(iter(chunks), done.append)

    assert [page.strip() for page in pages_of(pdf)] == [f"Deel {n}" for n in range(1, 6)]
    assert done == [1, 2, 3, 4, 5]


@pytest.mark.slow
def test_the_badges_command_renders_chunks_in_processes_in_order(
    sqlite_app, edition, sign_up, tmp_path, monkeypatch
):
    monkeypatch.setattr(badge_docs, "CHUNK", 4)  # nine badges: three chunks, on two processes
    sqlite_app.config["DOCUMENT_PROCESSES"] = 2
    last_names = [f"Deelnemer{n}" for n in range(1, 10)]
    for number, last in enumerate(last_names, 1):
        sign_up(edition, number, {}, last_name=last)
    output = tmp_path / "badges.pdf"

    result = sqlite_app.test_cli_runner().invoke(
        args=["badges", edition.slug, "-o", str(output), "--sheets"]
    )

    assert result.exit_code == 0, result.output
    pages = pages_of(output.read_bytes())
    assert len(pages) == 3
    printed = [name for page in pages for name in re.findall(r"Deelnemer\d", page)]
    assert printed == last_names


def test_list_items_keep_their_markers_with_the_lean_stylesheet():
    # Documents are rendered without WeasyPrint's rules for every element's pseudo-elements;
    # list items keep theirs.
    pdf = render_pdf("<ol><li>Eerste</li><li>Tweede</li></ol>", "booklet.css")

    text = pages_of(pdf)[0]
    assert "1." in text and "2." in text and "Tweede" in text
