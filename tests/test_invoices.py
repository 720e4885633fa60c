"""Invoices and credit notes: what Dutch law asks on the PDF, UBL that the OASIS schema
accepts, mailed to the finance address, numbered without gaps under concurrency."""

import io
import re
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from symposium.extensions import db
from symposium.mail import delivery
from symposium.orders import documents, groups, invoicing, service
from symposium.orders.models import DocumentKind, Invoice, OrderStatus
from symposium.program.models import Edition
from tests.test_orders import group_request, paid_editions, race


@pytest.fixture
def paid_edition(make_edition):
    return paid_editions(make_edition)


UBL = Path(__file__).parent / "data" / "ubl-2.1" / "maindoc"


@cache
def schema(name: str):
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(UBL / f"UBL-{name}-2.1.xsd")))


def assert_valid_ubl(xml: str, name: str) -> None:
    from lxml import etree

    document = etree.fromstring(xml.encode())
    validator = schema(name)
    assert validator.validate(document), validator.error_log


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_invoice_pdf_states_what_dutch_law_asks(sqlite_app, paid_edition):
    edition = paid_edition()
    order = service.place_order(edition.id, group_request(edition, people=2))
    (invoice,) = invoicing.invoices_of(order.id)

    text = " ".join(pdf_text(documents.invoice_pdf(invoice, "nl")).split())

    for fact in (
        invoice.number,
        "Stichting Sociaal Werk Symposium",
        "Oudegracht 1",
        "12345678",  # KvK
        "NL001234567B01",  # VAT number
        "Gemeente Utrecht",
        "Stadsplateau 1",
        "PO-2026-0042",
        "KP-7710",
        "Regulier: Collega0 Jansen",
        "Regulier: Collega1 Jansen",
        "€ 200,00" if "200,00" in text else "€ 200.00",  # excl. VAT
        "€ 42.00" if "42.00" in text else "€ 42,00",  # VAT 21 %
        "242",
        "Factuur",
    ):
        assert fact in text, fact


def test_an_exempt_ticket_carries_its_exemption_text(sqlite_app, paid_edition):
    edition = paid_edition()
    request = group_request(edition, people=1)
    student = service.ticket_types(edition.id)[1]
    request.attendees[0].ticket_type_id = student.id
    request.attendees[0].student_confirmed = True
    order = service.place_order(edition.id, request)
    (invoice,) = invoicing.invoices_of(order.id)

    text = " ".join(pdf_text(documents.invoice_pdf(invoice, "en")).split())

    assert "Vrijgesteld van btw (art. 11 lid 1 onder o Wet OB)" in text
    assert "Invoice" in text and invoice.vat_cents == 0 and invoice.total_cents == 2500
    assert_valid_ubl(documents.invoice_ubl(invoice), "Invoice")


def test_the_e_invoice_validates_against_the_ubl_schema(sqlite_app, paid_edition):
    edition = paid_edition()
    order = service.place_order(edition.id, group_request(edition, people=3))
    (invoice,) = invoicing.invoices_of(order.id)

    xml = documents.invoice_ubl(invoice)

    assert_valid_ubl(xml, "Invoice")
    assert "<cbc:ID>PO-2026-0042</cbc:ID>" in xml
    assert '<cbc:PayableAmount currencyID="EUR">363.00</cbc:PayableAmount>' in xml


def test_cancelling_after_invoicing_makes_a_credit_note_and_leaves_the_invoice(app, paid_edition):
    edition = paid_edition()
    order = service.place_order(edition.id, group_request(edition, people=4))
    (invoice,) = invoicing.invoices_of(order.id)
    line = order.lines[2]

    credit = groups.cancel_person(order.id, line.id)

    db.session.refresh(invoice)
    assert invoice.total_cents == 4 * 12100  # unchanged
    assert credit.kind == DocumentKind.credit_note
    assert credit.total_cents == -12100 and credit.data["credits"] == invoice.number
    assert credit.sequence == invoice.sequence + 1
    assert invoicing.open_cents(db.session.get(type(order), order.id)) == 3 * 12100
    assert_valid_ubl(documents.invoice_ubl(credit), "CreditNote")
    assert "Creditnota" in pdf_text(documents.invoice_pdf(credit, "nl"))


def test_the_invoice_goes_to_the_finance_address_with_pdf_and_ubl(
    sqlite_app, paid_edition, smtp_server
):
    edition = paid_edition()
    service.place_order(edition.id, group_request(edition, people=2))

    delivery.deliver_due(batch_size=500)

    (mail,) = smtp_server.to("facturen@utrecht.nl")
    attachments = {part.get_filename(): part for part in mail.iter_attachments()}
    pdf = next(name for name in attachments if name.endswith(".pdf"))
    xml = next(name for name in attachments if name.endswith(".xml"))
    assert "PO-2026-0042" in pdf_text(attachments[pdf].get_content())
    assert_valid_ubl(attachments[xml].get_content().decode(), "Invoice")
    (confirmation,) = smtp_server.to("inkoop@utrecht.nl")
    assert "/orders/" in confirmation.get_body(("plain",)).get_content()
    assert len(smtp_server.to("collega0@utrecht.nl")) == 1  # each colleague their own link


def test_an_organiser_marks_an_invoice_paid_or_a_bank_statement_does(sqlite_app, paid_edition):
    from symposium.audit.service import Actor

    edition = paid_edition()
    first = service.place_order(edition.id, group_request(edition, people=1))
    second = service.place_order(edition.id, _other_group(edition))
    organiser = Actor(None, "organisator@example.org")
    (one,) = invoicing.invoices_of(first.id)
    (two,) = invoicing.invoices_of(second.id)

    invoicing.mark_paid(one.id, organiser)
    matched = invoicing.import_bank_statement(
        edition.id,
        "Datum;Omschrijving;Bedrag\n"
        f"2026-12-01;Betaling factuur {two.number} Gemeente;121,00\n"
        "2026-12-01;Iets anders;5,00\n",
        organiser,
    )

    assert matched == [two.number]
    assert {db.session.get(type(first), o.id).status for o in (first, second)} == {OrderStatus.paid}


def _other_group(edition):
    request = group_request(edition, people=1)
    request.attendees[0].email = "ander@utrecht.nl"
    return request


def test_concurrent_invoices_get_numbers_without_gaps_or_twins(app, paid_edition):
    edition = paid_edition()
    requests = []
    for number in range(12):
        request = group_request(edition, people=1)
        request.attendees[0].email = f"p{number}@utrecht.nl"
        if number % 4 == 0:
            request.attendees[0].ticket_type_id = 999_999  # refused: no number used up
        requests.append(request)
    edition_id = edition.id
    placed, refused = race(
        app, [(lambda r=r: service.place_order(edition_id, r)) for r in requests]
    )

    db.session.rollback()
    numbers = db.session.execute(sa.select(Invoice.sequence, Invoice.number)).all()
    assert len(placed) == 9 and len(refused) == 3
    assert sorted(sequence for sequence, _ in numbers) == list(range(1, 10))
    assert len({number for _, number in numbers}) == 9


def test_an_invoice_past_due_is_reminded_once_a_week(sqlite_app, paid_edition, smtp_server):
    from datetime import timedelta

    edition = paid_edition()
    order = service.place_order(edition.id, group_request(edition, people=1))
    (invoice,) = invoicing.invoices_of(order.id)
    later = invoice.due_at + timedelta(days=1)

    assert invoicing.queue_payment_reminders(invoice.due_at - timedelta(days=1)) == 0
    invoicing.queue_payment_reminders(later)
    invoicing.queue_payment_reminders(later + timedelta(hours=5))  # same week: no second
    delivery.deliver_due(batch_size=500)

    reminders = [m for m in smtp_server.to("facturen@utrecht.nl") if "Herinnering" in m["Subject"]]
    assert len(reminders) == 1
    assert "€ 121,00" in reminders[0].get_body(("plain",)).get_content()


def test_the_paid_demo_and_the_invoices_command(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()

    demo = runner.invoke(args=["demo", "--paid"])
    slug = re.search(r"Edition (\S+) now sells tickets", demo.output).group(1)
    again = runner.invoke(args=["demo", "--paid"])
    ubl = runner.invoke(args=["invoices", slug, "--format", "ubl", "-o", str(tmp_path / "ubl")])
    pdf = runner.invoke(args=["invoices", slug, "--format", "pdf", "-o", str(tmp_path / "pdf")])

    assert "Tickets already there." in again.output
    assert ubl.exit_code == 0 and pdf.exit_code == 0, ubl.output + pdf.output
    (xml,) = (tmp_path / "ubl").iterdir()
    assert_valid_ubl(xml.read_text(), "Invoice")
    assert "4500123456" in xml.read_text()  # the municipality's purchase order number
    (document,) = (tmp_path / "pdf").iterdir()
    assert "Gemeente Utrecht" in pdf_text(document.read_bytes())
    names = [t.name for t in service.ticket_types(db.session.get(Edition, _id(slug)).id)]
    assert names == ["Regulier", "Student", "Partner"]


def _id(slug: str) -> int:
    return db.session.scalar(sa.select(Edition.id).where(Edition.slug == slug))
