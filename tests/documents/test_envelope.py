"""The UBL envelope says what the document says: VAT per rate as read, the same totals, the
structured communication, the original embedded; e-invoices keep what they carry."""

import dataclasses
import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import translation

from apps.companies.scoping import company_scope
from apps.documents import problems
from apps.documents.envelope import envelope_xml
from apps.documents.models import Document, Source
from apps.documents.services import document_assess, document_ingest
from apps.einvoice import from_xml, to_ubl, validate
from tests import factories
from tests.conftest import shared_data
from tests.documents import samples as rendered
from tests.documents.helpers import ingest_and_read, known_supplier
from tests.einvoice import samples
from tests.einvoice.conftest import en16931_valid_examples, example_id
from tests.einvoice.stated import stated_amounts

D = Decimal
DATA = Path(settings.SHARED_DATA_DIR) / "invoices"


def _to_us(company, invoice):
    invoice.buyer = dataclasses.replace(
        samples.BUYER,
        name=company.name,
        vat_id=company.vat_number,
        enterprise_number=company.enterprise_number,
    )
    return invoice


def _mixed(company, **changes) -> rendered.Sample:
    sample = rendered.Sample(
        "mixed",
        "nl",
        "Drukkerij Van Damme NV",
        "BE0812345603",
        "2026-0420",
        datetime.date(2026, 11, 3),
        datetime.date(2026, 12, 3),
        [("Drukwerk", D("100.00"), D("21")), ("Boeken", D("10.01"), D("6"))],
        ogm="010806817183",
        customer=company.name,
        customer_vat=company.vat_number,
    )
    return dataclasses.replace(sample, **changes)


def test_mixed_rates_give_one_summary_line_per_rate_and_the_documents_totals(
    company, django_capture_on_commit_callbacks
):
    sample = _mixed(company)
    known_supplier(company, sample.supplier, sample.supplier_vat)
    document = ingest_and_read(
        company, rendered.pdf(sample), "f.pdf", django_capture_on_commit_callbacks
    )
    assert document.status == Document.Status.READY, document.problem
    assert (document.total_excl_vat, document.total_vat, document.total_incl_vat) == (
        D("110.01"),
        D("21.60"),
        D("131.61"),
    )
    model = from_xml(document.envelope.open("rb").read())
    assert sorted((line.vat_rate, line.net_amount) for line in model.lines) == [
        (D("6"), D("10.01")),
        (D("21"), D("100.00")),
    ]
    assert sorted((b.rate, b.taxable_amount, b.tax_amount) for b in model.vat_breakdown) == [
        (D("6"), D("10.01"), D("0.60")),
        (D("21"), D("100.00"), D("21.00")),
    ]
    assert (
        model.totals.tax_exclusive,
        model.totals.tax_total,
        model.totals.tax_inclusive,
    ) == (D("110.01"), D("21.60"), D("131.61"))
    # the structured communication is the payment reference (PaymentID) of the UBL
    assert model.payment.reference == "010806817183"
    assert b"<cbc:PaymentID>010806817183</cbc:PaymentID>" in document.envelope.open("rb").read()


def test_unknown_amounts_per_rate_need_review_and_no_rate_is_made_up(company, owner, client_for):
    document = factories.DocumentFactory(
        company=company,
        status=Document.Status.READING,
        counterparty_vat_id="BE0812345603",
        issue_date=datetime.date(2026, 11, 3),
        total_excl_vat=D("110.01"),
        total_vat=D("21.60"),
        total_incl_vat=D("131.61"),
    )
    with company_scope(company):
        document_assess(document=document)
        assert document.status == Document.Status.NEEDS_REVIEW
        assert document.problem_code == "vat_rates_unknown"
        assert not document.envelope
    from django.urls import reverse

    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    response = client_for(owner).post(
        url,
        {
            "kind": "purchase_invoice",
            "counterparty_name": document.counterparty_name,
            "counterparty_vat_id": "BE0812345603",
            "number": document.number,
            "issue_date": "2026-11-03",
            "currency": "EUR",
            "total_excl_vat": "110.01",
            "total_vat": "21.60",
            "total_incl_vat": "131.61",
            "vat_breakdown": "21% 100,00\n6% 10,01",
        },
    )
    assert response.status_code == 302
    with company_scope(company):
        document.refresh_from_db()
    assert document.status == Document.Status.READY, document.problem
    model = from_xml(document.envelope.open("rb").read())
    assert sorted(line.vat_rate for line in model.lines) == [D("6"), D("21")]


def test_an_envelope_whose_totals_differ_from_the_document_needs_review(company):
    document = factories.DocumentFactory(
        company=company,
        status=Document.Status.READING,
        issue_date=datetime.date(2026, 11, 3),
        total_excl_vat=D("110.01"),
        total_vat=D("21.60"),
        total_incl_vat=D("131.61"),
        vat_breakdown=[
            {"rate": "21", "taxable_amount": "100.00", "tax_amount": "21.00"},
            {"rate": "6", "taxable_amount": "10.00", "tax_amount": "0.60"},
        ],
    )
    with company_scope(company):
        document_assess(document=document)
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.problem_code == "envelope_totals"
    assert "€110.01" in document.problem
    assert "€110.00" in document.problem


def test_totals_that_dont_add_up_need_review_through_the_whole_pipeline(
    company, django_capture_on_commit_callbacks
):
    sample = _mixed(company)
    wrong = rendered.html(sample).replace(
        rendered._money(sample.gross, "nl"), rendered._money(sample.gross + 10, "nl")
    )
    from weasyprint import HTML

    document = ingest_and_read(
        company, HTML(string=wrong).write_pdf(), "wrong.pdf", django_capture_on_commit_callbacks
    )
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.problem_code == "totals_inconsistent"
    assert "don't add up" in document.problem
    assert not document.envelope


def test_a_factur_x_pdf_becomes_ubl_with_its_lines_and_addresses_and_the_pdf_embedded(
    company, django_capture_on_commit_callbacks
):
    data = shared_data(DATA / "facturx" / "zugferd_2p0_EN16931_Einfach.pdf")
    document = ingest_and_read(company, data, "rechnung.pdf", django_capture_on_commit_callbacks)
    cii = from_xml(document.xml.open("rb").read())
    envelope = document.envelope.open("rb").read()
    model = from_xml(envelope)
    assert [line.name for line in model.lines] == [line.name for line in cii.lines]
    assert model.seller.address == cii.seller.address
    assert model.buyer.address == cii.buyer.address
    assert model.totals.tax_inclusive == D("529.87")
    assert model.attachments[-1].content == data
    assert validate(envelope).layers_run[:2] == ["xsd", "en16931"]


def _pdf_with_attachment(name: str, content: bytes) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment(name, content)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_with_an_embedded_ubl_without_the_pdf_gets_the_pdf_added(
    company, django_capture_on_commit_callbacks
):
    invoice = _to_us(company, samples.domestic_mixed())
    invoice.attachments = []
    ubl = to_ubl(invoice)
    data = _pdf_with_attachment("invoice.xml", ubl)
    document = ingest_and_read(company, data, "with-ubl.pdf", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.READY, document.problem
    assert document.xml.open("rb").read() == ubl  # the legal invoice, kept as it came
    model = from_xml(document.envelope.open("rb").read())
    assert [a.content for a in model.attachments] == [data]
    assert model.number == invoice.number


def test_a_pdf_and_its_xml_in_one_zip_are_one_document(company, django_capture_on_commit_callbacks):
    invoice = _to_us(company, samples.domestic_mixed())
    invoice.attachments = []
    ubl = to_ubl(invoice)
    pdf = rendered.pdf(_mixed(company, number=invoice.number))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("scan-2026-0042.pdf", pdf)
        archive.writestr("ubl.xml", ubl)
    with company_scope(company), django_capture_on_commit_callbacks(execute=True):
        result = document_ingest(
            company=company, data=buffer.getvalue(), filename="f.zip", source=Source.UPLOAD
        )
    children = {child.filename: child for child in result.children}
    assert children["ubl.xml"].joined_with == "scan-2026-0042.pdf"
    assert children["ubl.xml"].document == children["scan-2026-0042.pdf"].document
    with company_scope(company):
        assert Document.objects.count() == 1
        document = Document.objects.get()
    assert document.file_kind == "pdf"
    assert document.xml.open("rb").read() == ubl
    assert document.field_sources["number"]["source"] == "xml"
    assert document.status == Document.Status.READY, document.problem
    model = from_xml(document.envelope.open("rb").read())
    assert [a.content for a in model.attachments] == [pdf]


EXAMPLES = en16931_valid_examples()


@pytest.mark.parametrize("path", EXAMPLES, ids=[example_id(p) for p in EXAMPLES])
def test_the_envelope_of_an_official_example_keeps_every_amount_it_states(company, path):
    # Source amounts are sacred: the envelope the accountant gets carries the supplier's
    # BT-106…BT-115, line net amounts and VAT breakdown, never recomputed ones. A CII is
    # converted; so is a UBL that came inside a PDF (the PDF is embedded).
    source = shared_data(path)
    with company_scope(company):
        document = factories.DocumentFactory(
            company=company,
            xml=ContentFile(source, name="invoice.xml"),
            xml_is_ubl=b"CrossIndustryInvoice" not in source[:2000],
        )
        envelope = envelope_xml(document)
    assert stated_amounts(envelope) == stated_amounts(source)


def test_an_e_invoice_whose_amounts_dont_add_up_goes_as_stated_and_is_flagged(
    company, django_capture_on_commit_callbacks
):
    # The accountant books what the supplier invoiced: the envelope keeps the stated amount
    # due, the document says what doesn't add up, and it is ready to go all the same.
    source = shared_data(
        Path(settings.SHARED_DATA_DIR) / "en16931-examples" / "cii" / "CII_example9.xml"
    ).replace(
        b"<ram:DuePayableAmount>177.87</ram:DuePayableAmount>",
        b"<ram:DuePayableAmount>170.00</ram:DuePayableAmount>",
    )
    document = ingest_and_read(company, source, "factuur.xml", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.READY, document.problem
    assert [p["code"] for p in document.problems] == ["source_amounts_inconsistent"]
    envelope = document.envelope.open("rb").read()
    assert stated_amounts(envelope) == stated_amounts(source)
    assert from_xml(envelope).totals.payable == D("170.00")
    with translation.override("nl"):
        text = document.problem
    assert text.startswith("De bedragen op deze e-factuur kloppen niet: het te betalen bedrag")
    assert "170,00" in text, text
    assert "177,87" in text, text
    with translation.override("fr"):
        text = document.problem
    assert text.startswith("Les montants de cette facture électronique ne correspondent pas")
    assert "le montant à payer est de 170,00" in text, text


def test_an_e_invoice_whose_amounts_add_up_has_no_flag(company, django_capture_on_commit_callbacks):
    source = shared_data(
        Path(settings.SHARED_DATA_DIR) / "en16931-examples" / "cii" / "CII_example9.xml"
    )
    document = ingest_and_read(company, source, "factuur.xml", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.READY, document.problem
    assert document.problems == []
    assert from_xml(document.envelope.open("rb").read()).totals.payable == D("177.87")


def test_the_flag_names_each_amount_per_vat_rate_in_the_readers_language():
    flag = problems.notice(
        "source_amounts_inconsistent",
        currency="EUR",
        items=[{"term": "BT-116", "stated": "100.00", "computed": "98.00", "rate": "21"}],
    )
    assert problems.blocking([flag]) == []
    with translation.override("fr"):
        text = problems.describe(flag)
    assert "le montant HTVA à 21 % est de 100,00" in text, text
    with translation.override("nl"):
        text = problems.describe(flag)
    assert "het bedrag excl. btw aan 21 % is 100,00" in text, text


def test_a_factur_x_basic_wl_gets_an_envelope_from_its_fields_and_is_said_not_en16931(
    company, django_capture_on_commit_callbacks
):
    # BASIC WL has no lines, so it can't be converted line by line: like a PDF, its envelope
    # is made from what was read (one line per VAT rate) with the PDF inside, and it goes to
    # the accountant; the invoice as sent is recorded as not an EN 16931 invoice.
    data = shared_data(DATA / "facturx" / "Facture_UE_BASICWL.pdf")
    document = ingest_and_read(company, data, "facture.pdf", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.READY, document.problems
    envelope = document.envelope.open("rb").read()
    assert validate(envelope).is_valid, validate(envelope).fatal_rules
    model = from_xml(envelope)
    assert model.totals.payable == D("2076.76")
    assert [a.content for a in model.attachments] == [data]
    failures = document.validation["as_sent"]["failures"]
    assert [f["rule"] for f in failures] == ["CII-NOT-EN16931"]


def test_a_factur_x_minimum_asks_for_what_it_leaves_out_in_the_readers_language(
    company, django_capture_on_commit_callbacks
):
    # MINIMUM states totals but no VAT breakdown: the document waits for review, saying so;
    # reading it never fails with a stored text that can't be shown (it once did).
    from tests.einvoice.test_cii_en16931 import MINIMUM

    document = ingest_and_read(company, MINIMUM, "min.xml", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.problem_code != "read_failed", document.problems
    assert document.total_incl_vat == D("121.00")
    with translation.override("nl"):
        dutch = document.problem
    with translation.override("fr"):
        french = document.problem
    assert dutch
    assert french
    assert dutch != french


def test_a_missing_field_is_stored_by_its_id_and_named_in_the_readers_language():
    from apps.einvoice import EInvoiceError

    with pytest.raises(EInvoiceError) as raised:
        to_ubl(dataclasses.replace(samples.domestic_mixed(), lines=[]))
    stored = problems.make(raised.value.code, "einvoice", **raised.value.params)
    assert stored["params"] == {"field": "BG-25"}
    with translation.override("en"):
        assert "BG-25 (invoice line) is missing" in problems.describe(stored)
    with translation.override("fr"):
        french = problems.describe(stored)
    assert "BG-25" in french
    assert "invoice line" not in french


def test_an_undated_documents_envelope_is_dated_the_belgian_day_it_arrived(company):
    # 23:30 UTC on 30 November is 00:30 on 1 December in Brussels
    from apps.documents.envelope import envelope_model

    arrived = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)
    with company_scope(company):
        document = factories.DocumentFactory(
            company=company,
            received_at=arrived,
            issue_date=None,
            total_excl_vat=D("100.00"),
            total_vat=D("21.00"),
            total_incl_vat=D("121.00"),
        )
        model = envelope_model(document, b"%PDF-1.4\n")
    assert model.issue_date == datetime.date(2026, 12, 1)
