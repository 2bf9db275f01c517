"""Terms, order confirmations, delivery notes, quotes, reminders, statements and bank statements
are filed as what they are (miscellaneous, ready for the accountant), never as purchase
invoices; invoices that mention such words stay invoices."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.connections.models import Delivery
from apps.connections.services import delivery_send
from apps.core.files import FileKind, sniff
from apps.documents import services
from apps.documents.extraction.files import ocr_image, pdf_text
from apps.documents.extraction.text import Hints, extract_from_text
from apps.documents.models import Category, Document, Kind, Source, Supplier
from apps.documents.services import document_correct
from tests import factories
from tests.conftest import require_tesseract, shared_data
from tests.connections.conftest import OCTOPUS
from tests.documents import not_invoices, samples
from tests.documents.helpers import ingest_and_read

OURS = Hints(own_vat_ids=frozenset({"BE0412345614"}), own_names=("Bakkerij Test BV",))
BANK = Path(settings.SHARED_DATA_DIR) / "bank"

MT940 = (
    b"{1:F01KREDBEBBAXXX0000000000}{2:O9400000260101KREDBEBBAXXX00000000002601010000N}{4:\r\n"
    b":20:STMT2026-11\r\n:25:BE68539007547034\r\n:28C:11/1\r\n:60F:C261031EUR12500,00\r\n"
    b":61:2611031103D491,34NTRFNONREF//2026-0311\r\n:86:Drukkerij Van Damme NV 2026-0311\r\n"
    b":62F:C261130EUR12008,66\r\n-}"
)
DESPATCH_ADVICE = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<DespatchAdvice xmlns="urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2" '
    b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    b"<cbc:ID>LB-2026-0993</cbc:ID><cbc:IssueDate>2026-11-20</cbc:IssueDate></DespatchAdvice>"
)


@pytest.mark.parametrize(
    "document", not_invoices.DOCUMENTS, ids=[d.name for d in not_invoices.DOCUMENTS]
)
def test_a_document_that_is_no_invoice_is_told_by_its_title(document):
    text = pdf_text(not_invoices.pdf_of(document.html())).text
    assert extract_from_text(text, hints=OURS).kind_hint == document.kind


VARIANTS = [
    (sample, variant)
    for sample in samples.SAMPLES
    for variant in ("terms_footer", "reminder_stamp", "reminder_in_title", "references")
]


@pytest.mark.parametrize(
    ("sample", "variant"), VARIANTS, ids=[f"{s.name}-{v}" for s, v in VARIANTS]
)
def test_an_invoice_that_mentions_terms_reminders_or_quotes_stays_an_invoice(sample, variant):
    html = not_invoices.invoice_variants(samples.html(sample))[variant]
    found = extract_from_text(pdf_text(not_invoices.pdf_of(html)).text, hints=OURS)
    assert found.kind_hint == ("credit_note" if sample.credit_note else "invoice")
    assert found.value("number") == sample.number
    assert found.value("total_incl_vat") == sample.gross


def _by_name(name: str) -> not_invoices.NotInvoice:
    return next(d for d in not_invoices.DOCUMENTS if d.name == name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("nl_terms", Kind.TERMS),
        ("nl_quote", Kind.QUOTE),  # with totals that add up: still no invoice
        ("nl_reminder_letter", Kind.REMINDER),  # quotes an invoice's number and amount
        ("fr_bank_statement", Kind.BANK_STATEMENT),
    ],
)
def test_it_is_filed_as_miscellaneous_and_ready_without_review(
    company, name, kind, django_capture_on_commit_callbacks
):
    pdf = not_invoices.pdf_of(_by_name(name).html())
    document = ingest_and_read(company, pdf, f"{name}.pdf", django_capture_on_commit_callbacks)
    assert document.kind == kind
    assert document.category == Category.MISCELLANEOUS
    assert document.status == Document.Status.READY
    assert document.problems == []
    assert not document.envelope  # no UBL invoice made of a quote or a reminder
    assert document.possible_duplicate_of is None


@pytest.mark.django_db
def test_a_reminder_is_not_a_duplicate_of_the_invoice_it_quotes(
    company, django_capture_on_commit_callbacks
):
    sample = samples.SAMPLES[0]  # invoice 2026-0311, the one the reminder letter is about
    invoice = ingest_and_read(
        company, samples.pdf(sample), "factuur.pdf", django_capture_on_commit_callbacks
    )
    reminder = ingest_and_read(
        company,
        not_invoices.pdf_of(_by_name("nl_reminder_letter").html()),
        "herinnering.pdf",
        django_capture_on_commit_callbacks,
    )
    assert invoice.kind == Kind.PURCHASE_INVOICE
    assert reminder.kind == Kind.REMINDER
    assert reminder.possible_duplicate_of is None


@pytest.mark.django_db
def test_an_invoice_with_the_terms_on_its_second_page_is_a_purchase_invoice(
    company, django_capture_on_commit_callbacks
):
    sample = samples.SAMPLES[1]
    html = not_invoices.invoice_variants(samples.html(sample))["terms_footer"]
    document = ingest_and_read(
        company, not_invoices.pdf_of(html), "facture.pdf", django_capture_on_commit_callbacks
    )
    assert document.kind == Kind.PURCHASE_INVOICE
    assert document.category == Category.PURCHASES
    assert document.number == sample.number
    assert document.total_incl_vat == sample.gross


CODA_FILES = [
    "CODA.txt",
    "Coda_v2_3_single_statement.txt",
    "Coda_v2_3_multi_statements.txt",
    "Coda_v2_3_globalisation.txt",
    "CODA-empty.txt",
]


@pytest.mark.parametrize("name", CODA_FILES)
def test_coda_files_are_known_by_their_records(name):
    assert sniff(shared_data(BANK / "coda" / name)) == FileKind.CODA


def test_a_text_file_is_no_bank_file():
    assert sniff(b"Factuur 2026-0311\nTe betalen: 121,00\n") == FileKind.UNKNOWN
    assert sniff(b"0" * 128 + b"\n") == FileKind.UNKNOWN  # 128 characters make no CODA
    assert sniff(MT940) == FileKind.MT940


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "file_kind"),
    [
        ("Coda_v2_3_single_statement.txt", "coda"),
        ("test-camt053.xml", "xml"),
        ("statement.sta", "mt940"),
    ],
)
def test_without_a_statement_intake_a_bank_file_is_kept_as_a_bank_statement(
    company, filename, file_kind, django_capture_on_commit_callbacks, monkeypatch
):
    # given no bank import to hand statement files to (flows sets one at start-up; a
    # statement that arrives with documents goes there, tests/banking/test_intake.py)
    monkeypatch.setattr(services, "_statement_intake", None)
    if file_kind == "coda":
        data = shared_data(BANK / "coda" / filename)
    elif file_kind == "xml":
        data = shared_data(BANK / "camt" / filename)
    else:
        data = MT940
    document = ingest_and_read(company, data, filename, django_capture_on_commit_callbacks)
    assert document.file_kind == file_kind
    assert document.kind == Kind.BANK_STATEMENT
    assert document.category == Category.MISCELLANEOUS
    assert document.status == Document.Status.READY
    assert document.problems == []
    assert not document.xml
    assert not document.envelope
    with document.original.open("rb") as stored:
        assert stored.read() == data  # as the bank made it, nothing lost


@pytest.mark.django_db
def test_a_ubl_despatch_advice_is_a_delivery_note(company, django_capture_on_commit_callbacks):
    document = ingest_and_read(
        company, DESPATCH_ADVICE, "despatch.xml", django_capture_on_commit_callbacks
    )
    assert document.kind == Kind.DELIVERY_NOTE
    assert document.status == Document.Status.READY


@pytest.mark.django_db
def test_a_kind_a_person_chose_is_kept(company, owner, django_capture_on_commit_callbacks):
    # given a quote that a person says is the invoice after all
    pdf = not_invoices.pdf_of(_by_name("nl_quote").html())
    document = ingest_and_read(company, pdf, "offerte.pdf", django_capture_on_commit_callbacks)
    with company_scope(company):
        document_correct(document=document, actor=owner, changes={"kind": Kind.PURCHASE_INVOICE})
        document.refresh_from_db()
    assert document.kind == Kind.PURCHASE_INVOICE
    assert document.category == Category.PURCHASES


@pytest.mark.django_db
def test_terms_are_no_supplier_habit(company, owner, django_capture_on_commit_callbacks):
    # given an invoice whose supplier is remembered, then that supplier's terms
    sample = samples.SAMPLES[0]
    invoice = ingest_and_read(
        company, samples.pdf(sample), "factuur.pdf", django_capture_on_commit_callbacks
    )
    terms = ingest_and_read(
        company,
        not_invoices.pdf_of(_by_name("nl_terms").html()),
        "voorwaarden.pdf",
        django_capture_on_commit_callbacks,
    )
    with company_scope(company):
        document_correct(document=invoice, actor=owner, changes={"due_date": datetime.date.today()})
        document_correct(
            document=terms,
            actor=owner,
            changes={
                "counterparty_name": sample.supplier,
                "counterparty_vat_id": sample.supplier_vat,
            },
        )
        supplier = Supplier.objects.get(vat_id=sample.supplier_vat)
    # then the supplier's usual kind is still the invoice
    assert terms.kind == Kind.TERMS
    assert supplier.default_kind == Kind.PURCHASE_INVOICE


@pytest.mark.django_db
def test_the_document_page_and_list_say_what_it_is(company, owner, client_for):
    document = factories.DocumentFactory(
        company=company,
        kind=Kind.REMINDER,
        category=Category.MISCELLANEOUS,
        counterparty_name="Drukkerij Van Damme NV",
    )
    invoice = factories.DocumentFactory(company=company, counterparty_name="Telenet")
    client = client_for(owner)
    detail = client.get(
        reverse(
            "documents:document-detail",
            kwargs={"company_id": company.public_id, "document_id": document.public_id},
        )
    ).content.decode()
    assert 'id="not-an-invoice"' in detail
    assert "Payment reminder: not an invoice" in detail
    listing = client.get(
        reverse("documents:document-list", kwargs={"company_id": company.public_id}),
        {"kind": Kind.REMINDER},
    )
    assert list(listing.context["documents"]) == [document]
    assert "Payment reminder" in listing.content.decode()
    invoice_page = client.get(
        reverse(
            "documents:document-detail",
            kwargs={"company_id": company.public_id, "document_id": invoice.public_id},
        )
    ).content.decode()
    assert 'id="not-an-invoice"' not in invoice_page


@pytest.mark.django_db
def test_they_go_to_the_accountant_with_the_miscellaneous_documents_as_they_came(
    company, smtp, django_capture_on_commit_callbacks
):
    # given the accountant's addresses per type, a quote (with totals) and a CODA file
    factories.TransferFactory(company=company)
    quote_pdf = not_invoices.pdf_of(_by_name("nl_quote").html())
    coda = shared_data(BANK / "coda" / "Coda_v2_3_single_statement.txt")
    ingest_and_read(company, quote_pdf, "offerte.pdf", django_capture_on_commit_callbacks)
    with company_scope(company):
        statement = services.document_ingest(
            company=company, data=coda, filename="CODA.cod", source=Source.UPLOAD
        )
    assert statement.is_statement  # the bank import's, not a document

    # when the deliveries go out
    with company_scope(company):
        for delivery in Delivery.objects.filter(status=Delivery.Status.PENDING):
            delivery_send(company=company, delivery_id=delivery.pk)

    # then the quote went to the miscellaneous address as its original (no UBL invoice),
    # and the bank statement did not go at all
    [received] = smtp.wait_for(1)
    assert received.rcpt_tos == [OCTOPUS["miscellaneous"]]
    sent = {
        part.get_content_type(): part.get_payload(decode=True)
        for part in received.message.iter_attachments()
    }
    assert sent == {"application/pdf": quote_pdf}
    with company_scope(company):
        assert Delivery.objects.count() == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["nl_quote", "fr_rappel", "nl_delivery_note", "nl_bank_statement"],
)
def test_a_scanned_document_that_is_no_invoice_is_told_too(name):
    require_tesseract()
    document = _by_name(name)
    text = ocr_image(not_invoices.png_of(document.html()))
    assert extract_from_text(text, hints=OURS, source="ocr").kind_hint == document.kind


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["terms_footer", "reminder_stamp", "references"])
def test_a_scanned_invoice_that_mentions_them_stays_an_invoice(variant):
    require_tesseract()
    html = not_invoices.invoice_variants(samples.html(samples.SAMPLES[0]))[variant]
    found = extract_from_text(ocr_image(not_invoices.png_of(html)), hints=OURS, source="ocr")
    assert found.kind_hint == "invoice"


def test_without_its_title_a_quote_is_told_by_its_number_unless_it_says_invoice():
    # a scan whose large heading OCR dropped: "Offertenummer: OF-2026-112" is left
    quote = _by_name("nl_quote").html().replace("<h1>OFFERTE</h1>", "")
    text = pdf_text(not_invoices.pdf_of(quote)).text
    assert extract_from_text(text, hints=OURS).kind_hint == "quote"
    # an invoice that quotes the quote's and the delivery note's numbers is an invoice
    invoice = samples.html(samples.SAMPLES[1]).replace(
        "<h1>", "<p>Offertenummer: OF-2026-112<br>Leveringsbon nr. LB-7</p><h1>"
    )
    text = pdf_text(not_invoices.pdf_of(invoice)).text
    assert extract_from_text(text, hints=OURS).kind_hint == "invoice"
