"""Afterwards: the summaries and slides of the 2019 edition, as speakers would leave them."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from symposium.extensions import db
from symposium.program.models import (
    Edition,
    SummaryStatus,
)

# -- afterwards: summaries and slides of the 2019 edition -------------------------------

SUMMARIES_2019 = {
    "politiserende-kracht": (
        "## Wat is er besproken?\n\n"
        "Signaleren en agenderen van sociale kwesties gebeurt niet alleen aan de "
        "beleidstafel. We verkenden hoe sociaal professionals ook agenderen in het publieke "
        "debat, in de wijk en in hun professionele netwerken. De stelling *sociaal werk is "
        "altijd politiserend* leverde een levendig gesprek op: het werk speelt zich af in een "
        "maatschappelijke context, maar dat betekent niet dat je als professional in je eentje "
        "de barricade op moet.\n\n"
        "## Signalen uit de praktijk\n\n"
        "- Problemen worden vaak geïndividualiseerd, terwijl ze ook een collectieve kant "
        "hebben: het gaat dan om belangen en macht.\n"
        "- Professionals willen een stem geven aan de mensen die zij ondersteunen, maar missen "
        "soms de ruimte of het mandaat om signalen door te geven.\n"
        "- Samen met collega's en een brancheorganisatie agenderen werkt beter dan alleen.\n\n"
        "## Afspraken en vervolg\n\n"
        "- De Werkplaats Sociaal Domein Zuid-Holland Zuid neemt de signalen mee in de "
        "regionale kennisagenda.\n"
        "- Een volgend kenniscafé verbindt kennis uit onderzoek, vakkennis en "
        "ervaringskennis rond een nieuw thema.\n"
    ),
    "huisuitzettingen-kenniscafe": (
        "## Wat is er besproken?\n\n"
        "Hoe een kenniscafé over huisuitzettingen ervaringsdeskundigen, woningcorporaties, "
        "deurwaarders, sociaal professionals, de gemeente, onderzoekers, docenten en "
        "studenten aan één tafel bracht, en wat dat opleverde.\n\n"
        "## Signalen uit de praktijk\n\n"
        "- Door alle invalshoeken samen te brengen kwam de kwestie scherp in beeld.\n"
        "- Drie kennisbronnen verbinden (onderzoek, vakkennis en ervaringskennis) leverde "
        "concrete suggesties op.\n\n"
        "## Afspraken en vervolg\n\n"
        "- De wethouder nam de suggesties mee bij zijn streven om huisuitzettingen te "
        "voorkomen.\n"
        "- Deelnemers organiseren in hun eigen regio een kenniscafé en delen de opzet via de "
        "Werkplaatsen.\n"
    ),
}
SLIDES_2019 = {
    "politiserende-kracht": (
        "De politiserende kracht van sociaal professionals",
        [
            "Symposium De waarde van werken in het sociaal domein, 25 november 2019",
            "Agenderen gebeurt aan de beleidstafel, in het publieke debat,",
            "in de wijk en in professionele netwerken.",
            "Stelling: sociaal werk is altijd politiserend.",
            "Collectieve verantwoordelijkheid, belangen en macht.",
        ],
    ),
    "huisuitzettingen-kenniscafe": (
        "Huisuitzettingen voorkomen: lessen uit het kenniscafé",
        [
            "Symposium De waarde van werken in het sociaal domein, 25 november 2019",
            "Drie kennisbronnen: onderzoek, vakkennis en ervaringskennis.",
            "Iedereen aan tafel: van deurwaarder tot student.",
            "Uitkomst: suggesties die de wethouder oppakte.",
        ],
    ),
}


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a title and some lines, written out by hand: no library needed."""

    def text(value: str) -> bytes:
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return escaped.encode("cp1252")

    content = b"BT /F1 20 Tf 56 770 Td (" + text(title) + b") Tj ET\n"
    for number, line in enumerate(lines):
        content += b"BT /F1 12 Tf 56 %d Td (" % (730 - 20 * number) + text(line) + b") Tj ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        pdf += b"%010d 00000 n \n" % offset
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def afterwards_2019(edition: Edition) -> None:
    """Published summaries and public slides, so that the 2019 edition looks finished."""
    from symposium.speakers import files
    from symposium.speakers.models import Material, MaterialKind, Visibility

    published = datetime(2019, 11, 29, 10, tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)
    by_slug = {session.slug: session for session in edition.sessions}
    for slug, summary in SUMMARIES_2019.items():
        session = by_slug[slug]
        session.summary = summary
        session.summary_status = SummaryStatus.published
        session.summary_submitted_at = published - timedelta(days=1)
        session.summary_published_at = published
        title, lines = SLIDES_2019[slug]
        stored = files.store(io.BytesIO(demo_pdf(title, lines)), {files.PDF}, 1024 * 1024)
        db.session.add(
            Material(
                session=session,
                kind=MaterialKind.slides,
                visibility=Visibility.public,
                filename=f"{slug}.pdf",
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
                created_at=published,
                updated_at=published,
            )
        )
