"""From upload to a document ready for the accountant, with its UBL envelope."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents import services
from apps.documents.extraction.text import SURE
from apps.documents.models import Document, Event, Kind, Supplier
from apps.einvoice import from_xml, to_ubl, validate
from tests.conftest import require_tesseract, shared_data
from tests.documents import samples as rendered
from tests.documents.helpers import ingest_and_read, known_supplier
from tests.einvoice import samples
from tests.samples import XML_BOMB, encrypted_pdf

DATA = Path(settings.SHARED_DATA_DIR) / "invoices"


def test_pdf_invoice_is_read_and_gets_a_valid_envelope(company, django_capture_on_commit_callbacks):
    known_supplier(company, "Coolblue B.V.", "NL810433941B01")
    document = ingest_and_read(
        company,
        shared_data(DATA / "pdf" / "coolblue1.pdf"),
        "coolblue.pdf",
        django_capture_on_commit_callbacks,
    )
    assert document.status == Document.Status.READY, document.problem
    assert document.kind == Kind.PURCHASE_INVOICE
    assert document.counterparty_name == "Coolblue B.V."
    assert document.number == "993548900"
    assert document.total_incl_vat == Decimal("717.97")
    assert document.field_sources["number"]["source"] == "pdf_text"
    envelope = document.envelope.open("rb").read()
    report = validate(envelope)
    assert report.layers_run[:2] == ["xsd", "en16931"]
    assert not [f for f in report.fatal if f.layer != "peppol"]
    model = from_xml(envelope)
    assert model.seller.name == "Coolblue B.V."
    assert model.buyer.name == company.name
    assert model.totals.tax_inclusive == Decimal("717.97")
    assert model.attachments[0].content == shared_data(DATA / "pdf" / "coolblue1.pdf")
    with company_scope(company):
        assert Event.objects.filter(document=document, action=Event.Action.READ).exists()


def test_a_new_suppliers_first_invoice_waits_for_a_person_and_its_next_ones_go_by_themselves(
    company, owner, django_capture_on_commit_callbacks
):
    # given an invoice from a supplier the company never had: every field is read right and
    # sure, except the name, which no check digit confirms
    first = ingest_and_read(
        company, rendered.pdf(_rendered(company)), "first.pdf", django_capture_on_commit_callbacks
    )
    assert first.status == Document.Status.NEEDS_REVIEW
    assert [p["code"] for p in first.problems] == ["new_counterparty"]
    assert first.problems[0]["params"]["name"] == first.counterparty_name
    assert not first.envelope  # nothing goes to the accountant on a guess
    # when a person confirms what was read
    with company_scope(company), django_capture_on_commit_callbacks(execute=True):
        services.document_correct(
            document=first, actor=owner, changes={"counterparty_name": first.counterparty_name}
        )
        first.refresh_from_db()
    assert first.status == Document.Status.READY
    # then the supplier's next invoice is ready without review, its name the confirmed one
    second = ingest_and_read(
        company,
        rendered.pdf(_rendered(company, number="2026-0999", ogm="")),
        "second.pdf",
        django_capture_on_commit_callbacks,
    )
    assert second.status == Document.Status.READY, second.problems
    assert second.counterparty_name == first.counterparty_name
    assert second.field_sources["counterparty_name"]["confidence"] >= SURE
    assert second.envelope


def test_a_ubl_invoice_to_us_keeps_its_xml_and_is_a_purchase(
    company, django_capture_on_commit_callbacks
):
    invoice = samples.domestic_mixed()
    invoice.buyer = samples.BUYER.__class__(
        **{
            **vars(samples.BUYER),
            "name": company.name,
            "vat_id": f"BE{company.enterprise_number}",
            "enterprise_number": company.enterprise_number,
        }
    )
    xml = to_ubl(invoice)
    document = ingest_and_read(company, xml, "invoice.xml", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.READY, document.problem
    assert document.kind == Kind.PURCHASE_INVOICE
    assert document.counterparty_name == samples.SELLER.name
    assert document.counterparty_enterprise_number == "0412345614"
    assert document.structured_communication == samples.OGM
    assert document.xml.open("rb").read() == xml
    assert document.field_sources["total_incl_vat"]["source"] == "xml"


def test_a_ubl_invoice_we_issued_is_a_sale(company, django_capture_on_commit_callbacks):
    invoice = samples.credit_note()
    invoice.seller = samples.SELLER.__class__(
        **{**vars(samples.SELLER), "name": company.name, "vat_id": f"BE{company.enterprise_number}"}
    )
    document = ingest_and_read(
        company, to_ubl(invoice), "cn.xml", django_capture_on_commit_callbacks
    )
    assert document.kind == Kind.SALES_CREDIT_NOTE
    assert document.category == "sales"


def test_factur_x_pdf_is_read_from_its_embedded_xml(company, django_capture_on_commit_callbacks):
    data = shared_data(DATA / "facturx" / "zugferd_2p0_EN16931_Einfach.pdf")
    document = ingest_and_read(company, data, "rechnung.pdf", django_capture_on_commit_callbacks)
    assert document.number == "471102"
    assert document.field_sources["number"]["source"] == "xml"
    assert document.total_incl_vat == Decimal("529.87")
    assert document.xml.name.endswith(".xml")


def test_xml_bomb_fails_with_its_reason_and_keeps_the_original(
    company, django_capture_on_commit_callbacks
):
    document = ingest_and_read(company, XML_BOMB, "bomb.xml", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.FAILED
    assert "DTD" in document.problem
    assert document.original.open("rb").read() == XML_BOMB


def test_encrypted_pdf_needs_review_and_a_correction_makes_it_ready(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    document = ingest_and_read(
        company, encrypted_pdf(), "locked.pdf", django_capture_on_commit_callbacks
    )
    assert document.status == Document.Status.NEEDS_REVIEW
    assert "password" in document.problem
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    page = client_for(owner).get(url).content.decode()
    assert "password" in page
    response = client_for(owner).post(
        url,
        {
            "kind": Kind.PURCHASE_INVOICE,
            "counterparty_name": "Slotenmaker Jansen BV",
            "counterparty_vat_id": "BE 0765.432.146",
            "number": "F-77",
            "issue_date": "2026-11-02",
            "due_date": "",
            "currency": "eur",
            "total_excl_vat": "100.00",
            "total_vat": "21.00",
            "total_incl_vat": "121.00",
            "counterparty_iban": "",
            "counterparty_bic": "",
            "counterparty_enterprise_number": "",
            "structured_communication": "+++010/8068/17183+++",
        },
    )
    assert response.status_code == 302
    with company_scope(company):
        document.refresh_from_db()
        assert document.status == Document.Status.READY, document.problem
        assert document.counterparty_vat_id == "BE0765432146"
        assert document.structured_communication == "010806817183"
        assert document.field_sources["number"] == {"source": "user", "confidence": 1.0}
        assert Supplier.objects.get(vat_id="BE0765432146").name == "Slotenmaker Jansen BV"
        assert validate(document.envelope.open("rb").read()).is_valid


def test_wrong_corrections_are_refused_in_the_users_words(company, owner, client_for):
    from tests import factories

    document = factories.DocumentFactory(company=company)
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    response = client_for(owner).post(
        url,
        {
            "kind": Kind.PURCHASE_INVOICE,
            "counterparty_name": "X",
            "number": "1",
            "issue_date": "2026-11-02",
            "currency": "EUR",
            "total_excl_vat": "100.00",
            "total_vat": "21.00",
            "total_incl_vat": "125.00",
            "counterparty_iban": "BE00 0000",
            "structured_communication": "+++123/4567/89000+++",
            "counterparty_vat_id": "BE0412345615",
        },
    )
    html = response.content.decode()
    assert "The totals don" in html
    assert "This IBAN is not valid" in html
    assert "structured communication is not valid" in html
    assert "VAT number is not valid" in html


def test_near_duplicate_is_flagged(company, django_capture_on_commit_callbacks):
    invoice = samples.domestic_mixed()
    first = ingest_and_read(company, to_ubl(invoice), "a.xml", django_capture_on_commit_callbacks)
    invoice.notes = ["sent again"]
    second = ingest_and_read(company, to_ubl(invoice), "b.xml", django_capture_on_commit_callbacks)
    assert second.pk != first.pk
    assert second.possible_duplicate_of_id == first.pk


def test_reading_twice_changes_nothing(company, django_capture_on_commit_callbacks):
    from apps.documents.reading import document_read

    document = ingest_and_read(
        company, to_ubl(samples.domestic_mixed()), "a.xml", django_capture_on_commit_callbacks
    )
    with company_scope(company):
        events = Event.objects.filter(document=document).count()
        document_read(company_id=company.pk, document_id=document.pk)
        assert Event.objects.filter(document=document).count() == events
    assert document.issue_date == datetime.date(2026, 11, 2)


def test_a_known_supplier_fills_what_the_text_lacks(company, django_capture_on_commit_callbacks):

    company.vat_number = "BE0412345614"  # the customer printed on the rendered samples
    company.save()
    with company_scope(company):
        Supplier.objects.create(
            company=company,
            name="Drukkerij Van Damme NV",
            vat_id="BE0812345603",
            iban="BE15001765432130",
            default_kind=Kind.RECEIPT,
        )
    sample = rendered.SAMPLES[0]
    sample = rendered.Sample(**{**vars(sample), "supplier_vat": "", "iban": "BE71068246801369"})
    data = rendered.pdf(sample)
    document = ingest_and_read(company, data, "van-damme.pdf", django_capture_on_commit_callbacks)
    assert document.counterparty_vat_id == "BE0812345603"
    assert document.field_sources["counterparty_vat_id"]["source"] == "supplier_memory"
    assert document.kind == Kind.RECEIPT


def _rendered(company, **changes):

    sample = rendered.SAMPLES[0]
    return rendered.Sample(
        **{**vars(sample), "customer": company.name, "customer_vat": company.vat_number, **changes}
    )


def test_a_credit_note_stays_a_credit_note_whatever_the_suppliers_usual_kind(
    company, django_capture_on_commit_callbacks
):

    with company_scope(company):
        Supplier.objects.create(
            company=company,
            name="Energie Plus BV",
            vat_id="BE0555555523",
            default_kind=Kind.PURCHASE_INVOICE,
        )
    sample = rendered.Sample(
        **{
            **vars(rendered.SAMPLES[2]),
            "customer": company.name,
            "customer_vat": company.vat_number,
        }
    )
    document = ingest_and_read(
        company, rendered.pdf(sample), "cn.pdf", django_capture_on_commit_callbacks
    )
    assert document.supplier is not None
    assert document.kind == Kind.PURCHASE_CREDIT_NOTE
    assert from_xml(document.envelope.open("rb").read()).type_code == "381"


def test_a_suppliers_usual_kind_fills_in_when_the_document_says_nothing(
    company, django_capture_on_commit_callbacks
):
    from apps.documents.extraction.text import TextExtraction
    from apps.documents.reading import _text_kind

    usual = Supplier(company=company, name="X", default_kind=Kind.RECEIPT)
    assert _text_kind(TextExtraction(kind_hint=""), usual) == Kind.RECEIPT
    assert _text_kind(TextExtraction(kind_hint="credit_note"), usual) == Kind.PURCHASE_CREDIT_NOTE
    # a remembered credit note is not a habit: the next document is an invoice
    credit = Supplier(company=company, name="Y", default_kind=Kind.PURCHASE_CREDIT_NOTE)
    assert _text_kind(TextExtraction(kind_hint=""), credit) == Kind.PURCHASE_INVOICE


def test_a_sales_invoice_made_elsewhere_is_a_sale_with_the_customer_as_counterparty(
    company, django_capture_on_commit_callbacks
):

    sample = _rendered(
        company,
        supplier=company.name,
        supplier_vat=company.vat_number,
        customer="Drukkerij Van Damme NV",
        customer_vat="BE0812345603",
    )
    known_supplier(company, "Drukkerij Van Damme NV", "BE0812345603")  # a known customer
    document = ingest_and_read(
        company, rendered.pdf(sample), "sale.pdf", django_capture_on_commit_callbacks
    )
    assert document.kind == Kind.SALES_INVOICE
    assert document.category == "sales"
    assert document.counterparty_name == "Drukkerij Van Damme NV"
    assert document.counterparty_vat_id == "BE0812345603"
    assert document.counterparty_iban == ""  # the account printed on a sale is ours
    model = from_xml(document.envelope.open("rb").read())
    assert model.seller.name == company.name
    assert model.buyer.name == "Drukkerij Van Damme NV"


def test_a_sales_credit_note_from_text_is_a_sales_credit_note(company):
    from apps.documents.extraction.text import Hints, extract_from_text
    from apps.documents.reading import _text_kind

    text = (
        f"{company.name}\nKerkstraat 1, 9000 Gent\nBTW {company.vat_number}\n"
        "CREDITNOTA\nCreditnota nr: CN-7\nKlant: Studio Lumière SRL, BTW BE0765432146\n"
        "Totaal excl. btw € 100,00\nBtw 21% € 21,00\nTotaal te betalen € 121,00"
    )
    found = extract_from_text(text, hints=Hints(own_vat_ids=frozenset({company.vat_number})))
    assert found.our_role == "seller"
    assert found.value("counterparty_name") == "Studio Lumière SRL"
    assert found.value("counterparty_vat_id") == "BE0765432146"
    assert _text_kind(found, None) == Kind.SALES_CREDIT_NOTE


def test_unsure_totals_ask_for_review_and_the_page_shows_the_confidence(company, owner, client_for):
    from tests import factories

    document = factories.DocumentFactory(
        company=company,
        status=Document.Status.READING,
        counterparty_vat_id="BE0765432146",
        issue_date=datetime.date(2026, 11, 2),
        total_excl_vat=Decimal("100.00"),
        total_vat=Decimal("21.00"),
        total_incl_vat=Decimal("121.00"),
        field_sources={
            "total_excl_vat": {"source": "ocr", "confidence": 0.3},
            "total_vat": {"source": "ocr", "confidence": 0.3},
            "total_incl_vat": {"source": "ocr", "confidence": 0.3},
        },
    )
    with company_scope(company):
        services.document_assess(document=document)
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.problem_code == "unsure_fields"
    assert "the total" in document.problem
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    page = client_for(owner).get(url).content.decode()
    assert "confidence 30%" in page
    # saving the form with the values as they are: a person checked them
    form = {
        "kind": "purchase_invoice",
        "counterparty_name": document.counterparty_name,
        "counterparty_vat_id": "BE0765432146",
        "number": document.number,
        "issue_date": "2026-11-02",
        "currency": "EUR",
        "total_excl_vat": "100.00",
        "total_vat": "21.00",
        "total_incl_vat": "121.00",
    }
    assert client_for(owner).post(url, form).status_code == 302
    with company_scope(company):
        document.refresh_from_db()
    assert document.status == Document.Status.READY, document.problem
    assert document.field_sources["total_vat"]["source"] == "ocr"
    assert document.field_sources["total_vat"]["confidence"] == 1.0


def test_the_problem_is_updated_when_only_its_details_change(company):
    from tests import factories

    document = factories.DocumentFactory(
        company=company,
        status=Document.Status.READING,
        counterparty_name="",
        number="",
        issue_date=None,
        total_incl_vat=None,
    )
    with company_scope(company):
        services.document_assess(document=document)
        assert document.problem_code == "missing_fields"
        assert "the supplier or customer" in document.problem
        document.counterparty_name, document.number = "Proximus NV", "P-1"
        document.save()
        services.document_assess(document=document)
        document.refresh_from_db()
        assert document.problem_code == "missing_fields"
        assert "the supplier or customer" not in document.problem
        assert "the date" in document.problem
        statuses = Event.objects.filter(document=document, action=Event.Action.STATUS)
        assert statuses.count() == 2


@pytest.mark.slow
def test_a_scanned_pdf_without_text_is_read_with_ocr(company, django_capture_on_commit_callbacks):

    require_tesseract()
    sample = _rendered(company)
    data = rendered.scanned_pdf(sample)
    from apps.documents.extraction.files import pdf_text

    assert pdf_text(data, allow_ocr=False).text.strip() == ""  # only a picture
    document = ingest_and_read(company, data, "scan.pdf", django_capture_on_commit_callbacks)
    assert document.field_sources["total_incl_vat"]["source"] == "ocr"
    assert document.total_incl_vat == sample.gross
    assert document.number == sample.number
    assert document.counterparty_vat_id == sample.supplier_vat
    # read with the layout of the OCR'd page: the number keeps where it stands on the PDF's
    # page, in points (as on a text PDF), for the review screen to draw it
    box = document.field_sources["number"]["box"]
    assert box["unit"] == "pt"
    assert 0 <= box["x0"] < box["x1"] <= box["page_width"]
    with company_scope(company):
        assert Event.objects.get(document=document, action=Event.Action.READ).data == {
            "method": "ocr"
        }
