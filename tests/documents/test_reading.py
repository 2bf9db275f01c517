"""From upload to a document ready for the accountant, with its UBL envelope."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents.models import Document, Event, Kind, Source, Supplier
from apps.documents.services import document_ingest
from apps.einvoice import from_xml, to_ubl, validate
from tests.conftest import IN_CI
from tests.documents.test_extraction import _encrypted_pdf
from tests.einvoice import samples

DATA = Path(settings.SHARED_DATA_DIR) / "invoices"


def _shared(path: Path) -> bytes:
    if not path.exists():
        if IN_CI:
            pytest.fail(f"test data missing: {path}")
        pytest.skip(f"test data missing: {path}")
    return path.read_bytes()


def _ingest(company, data, filename, django_capture_on_commit_callbacks):
    with company_scope(company), django_capture_on_commit_callbacks(execute=True):
        result = document_ingest(
            company=company, data=data, filename=filename, source=Source.UPLOAD
        )
    with company_scope(company):
        return Document.objects.get(pk=result.document.pk)


def test_pdf_invoice_is_read_and_gets_a_valid_envelope(company, django_capture_on_commit_callbacks):
    document = _ingest(
        company,
        _shared(DATA / "pdf" / "coolblue1.pdf"),
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
    assert model.attachments[0].content == _shared(DATA / "pdf" / "coolblue1.pdf")
    with company_scope(company):
        assert Event.objects.filter(document=document, action=Event.Action.READ).exists()


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
    document = _ingest(company, xml, "invoice.xml", django_capture_on_commit_callbacks)
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
    document = _ingest(company, to_ubl(invoice), "cn.xml", django_capture_on_commit_callbacks)
    assert document.kind == Kind.SALES_CREDIT_NOTE
    assert document.category == "sales"


def test_factur_x_pdf_is_read_from_its_embedded_xml(company, django_capture_on_commit_callbacks):
    data = _shared(DATA / "facturx" / "zugferd_2p0_EN16931_Einfach.pdf")
    document = _ingest(company, data, "rechnung.pdf", django_capture_on_commit_callbacks)
    assert document.number == "471102"
    assert document.field_sources["number"]["source"] == "xml"
    assert document.total_incl_vat == Decimal("529.87")
    assert document.xml.name.endswith(".xml")


def test_xml_bomb_fails_with_its_reason_and_keeps_the_original(
    company, django_capture_on_commit_callbacks
):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Invoice>&a;</Invoice>'
    document = _ingest(company, bomb, "bomb.xml", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.FAILED
    assert "DTD" in document.problem
    assert document.original.open("rb").read() == bomb


def test_encrypted_pdf_needs_review_and_a_correction_makes_it_ready(
    company, owner, client_for, django_capture_on_commit_callbacks
):
    document = _ingest(company, _encrypted_pdf(), "locked.pdf", django_capture_on_commit_callbacks)
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
    first = _ingest(company, to_ubl(invoice), "a.xml", django_capture_on_commit_callbacks)
    invoice.notes = ["sent again"]
    second = _ingest(company, to_ubl(invoice), "b.xml", django_capture_on_commit_callbacks)
    assert second.pk != first.pk
    assert second.possible_duplicate_of_id == first.pk


def test_reading_twice_changes_nothing(company, django_capture_on_commit_callbacks):
    from apps.documents.reading import document_read

    document = _ingest(
        company, to_ubl(samples.domestic_mixed()), "a.xml", django_capture_on_commit_callbacks
    )
    with company_scope(company):
        events = Event.objects.filter(document=document).count()
        document_read(company_id=company.pk, document_id=document.pk)
        assert Event.objects.filter(document=document).count() == events
    assert document.issue_date == datetime.date(2026, 11, 2)


def test_a_known_supplier_fills_what_the_text_lacks(company, django_capture_on_commit_callbacks):
    from tests.documents import samples as rendered

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
    document = _ingest(company, data, "van-damme.pdf", django_capture_on_commit_callbacks)
    assert document.counterparty_vat_id == "BE0812345603"
    assert document.field_sources["counterparty_vat_id"]["source"] == "supplier_memory"
    assert document.kind == Kind.RECEIPT
