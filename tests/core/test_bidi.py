"""Bidi control characters in outside text (file names, senders, subjects, names read from a
document) are shown as a visible marker on every page and in the e-mails we write; the stored
value keeps the original."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.core.text import BIDI_CONTROLS, BIDI_MARKER, neutralise_bidi
from apps.documents.models import Document, Source
from apps.documents.services import document_ingest
from apps.inbox.models import CloudFile
from tests import factories
from tests.companies.test_isolation import url_patterns
from tests.samples import PDF, zipped


@pytest.fixture
def company(company):
    """Uploads need a plan that collects documents (Start, the default, collects none)."""
    return factories.collecting(company)


# reads as "invoice-exe.pdf", is "invoice-fdp.exe"
SPOOFED = "invoice-\u202efdp.exe"
HOSTILE = "".join(f"{c}x" for c in BIDI_CONTROLS)


def test_every_bidi_control_is_replaced_and_nothing_else():
    assert neutralise_bidi(SPOOFED) == f"invoice-{BIDI_MARKER}fdp.exe"
    assert neutralise_bidi(HOSTILE) == f"{BIDI_MARKER}x" * len(BIDI_CONTROLS)
    assert neutralise_bidi("Société Générale – עברית, العربية") == (
        "Société Générale – עברית, العربية"
    )
    assert neutralise_bidi(None) is None


def _assert_neutral(html: str, where: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in html if c in BIDI_CONTROLS})
    assert not found, f"{where} shows {found}"


@pytest.fixture
def hostile_company(company, owner, client_for):
    """A company whose documents, e-mails and deliveries carry bidi controls everywhere."""
    with company_scope(company):
        client_for(owner).post(
            reverse("documents:document-upload", kwargs={"company_id": company.public_id}),
            {"uploads": [SimpleUploadedFile(f"{SPOOFED}.pdf", PDF, "application/pdf")]},
        )
        mailbox = factories.MailboxFactory(company=company)  # named by the user
        details = {
            "sender": f"{HOSTILE}@evil.example",
            "subject": f"Invoice {HOSTILE}",
            "folder": f"INBOX{HOSTILE}",
            "mailbox": mailbox.name,
            "path": f"/in/{HOSTILE}",
            "archive": f"{HOSTILE}.zip",
        }
        result = document_ingest(
            company=company,
            data=PDF + b"%other",
            filename=f"{SPOOFED}.pdf",
            source=Source.MAILBOX,
            details=details,
        )
        document = result.document
        document.counterparty_name = f"Supplier {HOSTILE}"
        document.number = f"INV{HOSTILE}"
        document.save()
        document_ingest(
            company=company,
            data=PDF + b"%other",
            filename=f"again {SPOOFED}.pdf",
            source=Source.FORWARDING,
            details=details,
        )
        factories.DeliveryFactory(company=company, document=document)
        folder = factories.CloudFolderFactory(company=company)
        CloudFile.objects.create(
            company=company, folder=folder, path=f"/Invoices/{SPOOFED}.pdf", document=document
        )
        factories.InboundMessageFactory(
            company=company,
            mailbox=mailbox,
            folder=f"INBOX{HOSTILE}",
            sender=f"{HOSTILE}@evil.example",
            subject=f"Invoice {HOSTILE}",
            details={
                "attachments": [
                    {"filename": f"{SPOOFED}.pdf", "result": "created"},
                    {"filename": f"{SPOOFED}.exe", "result": "unsupported"},
                ],
                "skipped": [{"filename": f"{SPOOFED}.png", "reason": "logo"}],
            },
        )
    return company


def test_the_upload_page_shows_a_spoofed_file_name_neutralised(company, owner, client_for):
    response = client_for(owner).post(
        reverse("documents:document-upload", kwargs={"company_id": company.public_id}),
        {"uploads": [SimpleUploadedFile(SPOOFED, b"not a document", "application/pdf")]},
        follow=True,
    )
    html = response.content.decode()
    _assert_neutral(html, "the upload page")
    # Django's multipart parser drops unprintable characters from the names of uploads
    assert "invoice-fdp.exe" in html


def test_no_page_shows_a_bidi_control_and_the_original_is_kept(hostile_company, owner, client_for):
    company = hostile_company
    client = client_for(owner)
    with company_scope(company):
        document = Document.objects.get(source=Source.MAILBOX)
        message = factories.InboundMessageFactory._meta.model.objects.get()
        objects = {
            "document_id": document.public_id,
            "message_id": message.public_id,
            "mailbox_id": message.mailbox.public_id,
            "delivery_id": document.deliveries.get().public_id,
            "folder_id": CloudFile.objects.get().folder.public_id,
        }
    # the stored values are untouched
    assert document.original_filename == f"{SPOOFED}.pdf"
    assert message.subject == f"Invoice {HOSTILE}"
    shown = 0
    for name, _route, kwargs in url_patterns():
        if "company_id" not in kwargs or not set(kwargs) <= {"company_id", *objects}:
            continue
        values = {"company_id": company.public_id, **objects}
        url = reverse(name, kwargs={key: values[key] for key in kwargs})
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        _assert_neutral(html, name)
        shown += 1
    assert shown >= 10


def test_the_delivery_e_mail_shows_no_bidi_control(hostile_company):
    with company_scope(hostile_company):
        document = Document.objects.get(source=Source.MAILBOX)
        context = {"document": document, "company": hostile_company}
        for template in ("delivery.subject.txt", "delivery.txt"):
            text = render_to_string(f"emails/connections/{template}", context)
            _assert_neutral(text, template)
        failed = {
            **context,
            "delivery": document.deliveries.get(),
            "reason": f"550 {HOSTILE} refused",  # as the accountant's server said it
            "url": "https://okioki.example/",
        }
        text = render_to_string("emails/connections/delivery_failed.txt", failed)
        _assert_neutral(text, "delivery_failed.txt")
        assert f"INV{BIDI_MARKER}x" in text


def test_the_correction_form_shows_the_number_neutralised_and_keeps_it_when_sent_back(company):
    from apps.documents.forms import DocumentForm

    with company_scope(company):
        document = factories.DocumentFactory(company=company, number=f"INV{SPOOFED}")
        shown = DocumentForm(instance=document)
        assert shown.initial["number"] == f"INV{neutralise_bidi(SPOOFED)}"
        data = {name: shown.initial.get(name) or "" for name in shown.fields}
        data.update(kind=document.kind, currency="EUR", vat_breakdown="")
        sent_back = DocumentForm(data, instance=document)
        assert sent_back.is_valid(), sent_back.errors
        assert sent_back.cleaned_data["number"] == f"INV{SPOOFED}"  # the original, untouched
        data["number"] = "INV-2026-001"
        corrected = DocumentForm(data, instance=document)
        assert corrected.is_valid(), corrected.errors
        assert corrected.cleaned_data["number"] == "INV-2026-001"


def test_the_upload_page_shows_a_pdf_and_its_e_invoice_neutralised(company, owner, client_for):
    # given a ZIP with a PDF and its e-invoice, both with spoofed names (ZIP member names keep
    # the characters the multipart parser drops from the names of uploads)
    from apps.einvoice import to_ubl
    from tests.einvoice import samples

    pair = zipped({f"{SPOOFED}.pdf": PDF, f"{SPOOFED}.xml": to_ubl(samples.domestic_mixed())})
    # when it is uploaded
    response = client_for(owner).post(
        reverse("documents:document-upload", kwargs={"company_id": company.public_id}),
        {"uploads": [SimpleUploadedFile("pair.zip", pair, "application/zip")]},
        follow=True,
    )
    # then the line of the e-invoice, kept with its PDF, names that PDF neutralised
    html = response.content.decode()
    assert "kept with it as one document" in html
    _assert_neutral(html, "the upload page")
