"""Every arriving file becomes one document, or a clear error; nothing is processed twice."""

import re

import pytest
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents.models import Arrival, Document, Event, Source
from apps.documents.services import document_ingest
from tests import factories
from tests.inbox import mails
from tests.samples import PDF, PNG, UBL, XML_BOMB, encrypted_pdf, zipped


@pytest.fixture
def company(company):
    """Uploads need a plan that collects documents (Start, the default, collects none)."""
    return factories.collecting(company)


def test_a_pdf_becomes_a_received_document_with_its_original_kept(company):
    with company_scope(company):
        result = document_ingest(
            company=company, data=PDF, filename="Factuur 2026-001.pdf", source=Source.UPLOAD
        )
        document = result.document
        assert document is not None
        assert not result.is_duplicate
        assert document.status == Document.Status.RECEIVED
        assert document.original.read() == PDF
        assert str(company.public_id) in document.original.name
        assert "Factuur" not in document.original.name  # storage names are opaque
        assert document.original_filename == "Factuur 2026-001.pdf"
        assert document.file_kind == "pdf"
        assert Event.objects.filter(document=document, action=Event.Action.ARRIVED).count() == 1


def test_the_same_file_twice_is_one_document(company):
    with company_scope(company):
        first = document_ingest(company=company, data=PDF, filename="a.pdf", source=Source.UPLOAD)
        second = document_ingest(
            company=company,
            data=PDF,
            filename="copy of a.pdf",
            source=Source.MAILBOX,
            details={"sender": "supplier@example.be", "subject": "Invoice"},
        )
        assert second.is_duplicate
        assert second.document == first.document
        assert Document.objects.count() == 1
        arrivals = list(Arrival.objects.filter(document=first.document).order_by("id"))
        assert [a.is_duplicate for a in arrivals] == [False, True]
        assert arrivals[1].details["sender"] == "supplier@example.be"


def test_the_same_file_in_two_companies_is_two_documents(company, other_company):
    with company_scope(company):
        mine = document_ingest(company=company, data=PDF, filename="a.pdf", source=Source.UPLOAD)
    with company_scope(other_company):
        theirs = document_ingest(
            company=other_company, data=PDF, filename="a.pdf", source=Source.UPLOAD
        )
    assert not theirs.is_duplicate
    assert mine.document.pk != theirs.document.pk


def test_a_zip_with_good_and_bad_files_keeps_the_good_ones(company):
    archive = zipped(
        {
            "invoices/one.pdf": PDF,
            "invoices/photo.png": PNG,
            "invoices/e-invoice.xml": UBL,
            "notes.txt": b"hello",
            "empty.pdf": b"",
            "__MACOSX/._one.pdf": b"junk",
        }
    )
    with company_scope(company):
        result = document_ingest(
            company=company, data=archive, filename="march.zip", source=Source.UPLOAD
        )
        outcomes = {child.filename: child.error_code or "ok" for child in result.children}
        assert outcomes == {
            "one.pdf": "ok",
            "photo.png": "ok",
            "e-invoice.xml": "ok",
            "notes.txt": "unsupported",
            "empty.pdf": "empty",
        }
        assert Document.objects.count() == 3
        document = Document.objects.get(original_filename="one.pdf")
        assert document.source_details["archive"] == "march.zip"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00 an executable", "unsupported"),
        (b"PK\x03\x04broken", "bad_zip"),
    ],
)
def test_bad_files_get_a_clear_error_and_create_nothing(company, data, code):
    with company_scope(company):
        result = document_ingest(company=company, data=data, filename="x", source=Source.UPLOAD)
        assert result.error_code == code
        assert str(result.error)
        assert Document.objects.count() == 0


def test_a_zip_member_with_a_path_is_taken_by_its_own_name(company):
    # given members named with Windows and Unix paths that climb out of the archive
    archive = zipped({"..\\..\\evil-3.pdf": PDF, "../../other.pdf": PDF + b"\n%other"})
    with company_scope(company):
        # when the ZIP is uploaded
        result = document_ingest(
            company=company, data=archive, filename="paths.zip", source=Source.UPLOAD
        )
        # then each is a document under its own name, none dropped without a word
        outcomes = {child.filename: child.error_code or "ok" for child in result.children}
        assert outcomes == {"evil-3.pdf": "ok", "other.pdf": "ok"}
        assert sorted(Document.objects.values_list("original_filename", flat=True)) == [
            "evil-3.pdf",
            "other.pdf",
        ]


def test_zip_bomb_is_refused(company):
    bomb = zipped({"bomb.pdf": b"%PDF-1.4\n" + b"0" * 5_000_000})
    with company_scope(company):
        result = document_ingest(
            company=company, data=bomb, filename="bomb.zip", source=Source.UPLOAD
        )
        assert [child.error_code for child in result.children] == ["zip_too_large"]
        assert Document.objects.count() == 0


def test_a_zip_unpacking_past_the_total_cap_is_refused_whole(company, settings):
    settings.ZIP_MAX_TOTAL_SIZE = 1024 * 1024
    archive = zipped({f"stuk-{n}.pdf": mails.padded_pdf(str(n), 400_000) for n in range(3)})
    assert len(archive) < 100_000  # each member stays under the per-member ratio
    with company_scope(company):
        result = document_ingest(
            company=company, data=archive, filename="scans.zip", source=Source.UPLOAD
        )
        assert result.error_code == "zip_total_too_large"
        assert "1.1 MB" in str(result.error)
        assert "1.0 MB" in str(result.error)
        assert Document.objects.count() == 0  # nothing taken in part


def test_the_zips_of_one_upload_share_one_unpacking_cap(company, owner, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # given two ZIPs, each within the cap but together past it
    settings.ZIP_MAX_TOTAL_SIZE = 1024 * 1024
    first = zipped({f"a-{n}.pdf": mails.padded_pdf(f"a{n}", 300_000) for n in range(2)})
    second = zipped({f"b-{n}.pdf": mails.padded_pdf(f"b{n}", 300_000) for n in range(2)})
    url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    # when they are uploaded together
    response = client_for(owner).post(
        url,
        {
            "uploads": [
                SimpleUploadedFile("first.zip", first, content_type="application/zip"),
                SimpleUploadedFile("second.zip", second, content_type="application/zip"),
            ]
        },
        follow=True,
    )
    # then the first is unpacked and the second refused whole, with the reason
    assert response.status_code == 200
    with company_scope(company):
        names = sorted(Document.objects.values_list("original_filename", flat=True))
    assert names == ["a-0.pdf", "a-1.pdf"]
    assert "Nothing was taken from it" in response.content.decode()


def test_a_zip_with_more_files_than_the_cap_is_refused_whole(company, settings):
    settings.ZIP_MAX_MEMBERS = 3
    archive = zipped({f"bon-{n}.pdf": PDF + str(n).encode() for n in range(4)})
    with company_scope(company):
        result = document_ingest(
            company=company, data=archive, filename="bonnen.zip", source=Source.UPLOAD
        )
        assert result.error_code == "zip_too_many_files"
        assert "4" in str(result.error)
        assert "3" in str(result.error)
        assert Document.objects.count() == 0


def test_upload_page_takes_several_files_and_reports_each(company, owner, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(owner)
    url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    response = client.post(
        url,
        {
            "uploads": [
                SimpleUploadedFile("one.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("evil.pdf", b"not a pdf at all", content_type="application/pdf"),
                SimpleUploadedFile("again.pdf", PDF, content_type="application/pdf"),
            ]
        },
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "one.pdf" in html
    assert "This type of file is not supported" in html
    assert "already received earlier" in html
    with company_scope(company):
        assert Document.objects.count() == 1


def test_accountant_cannot_upload(company, accountant, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    response = client_for(accountant).post(url, {"uploads": [SimpleUploadedFile("one.pdf", PDF)]})
    assert response.status_code == 403
    with company_scope(company):
        assert Document.objects.count() == 0


def test_upload_tells_at_once_about_encrypted_pdfs_and_xml_bombs(company, owner, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    response = client_for(owner).post(
        url,
        {
            "uploads": [
                SimpleUploadedFile("locked.pdf", encrypted_pdf()),
                SimpleUploadedFile("bomb.xml", XML_BOMB),
                SimpleUploadedFile("good.pdf", PDF),
            ]
        },
        follow=True,
    )
    html = response.content.decode()
    assert "protected with a password" in html
    assert "document type declaration" in html
    with company_scope(company):
        # nothing is lost: all three are kept, the good one is not blocked by the others
        assert sorted(Document.objects.values_list("original_filename", flat=True)) == [
            "bomb.xml",
            "good.pdf",
            "locked.pdf",
        ]


@pytest.mark.parametrize("role", ["accountant", "member"])
def test_correcting_a_document_needs_edit_rights(role, request, company, client_for):
    from tests import factories

    document = factories.DocumentFactory(company=company, counterparty_name="Before")
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    response = client_for(request.getfixturevalue(role)).post(
        url, {"kind": "purchase_invoice", "counterparty_name": "After", "currency": "EUR"}
    )
    with company_scope(company):
        document.refresh_from_db()
    if role == "accountant":
        assert response.status_code == 403
        assert document.counterparty_name == "Before"
    else:
        assert response.status_code == 302
        assert document.counterparty_name == "After"


def test_an_empty_file_gets_its_own_message_and_the_others_are_stored(company, owner, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    response = client_for(owner).post(
        url,
        {
            "uploads": [
                SimpleUploadedFile("good.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"),
            ]
        },
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<strong>empty\.pdf</strong>\s*—\s*The file is empty\.", html)
    assert "<strong>good.pdf</strong>" in html
    with company_scope(company):
        assert list(Document.objects.values_list("original_filename", flat=True)) == ["good.pdf"]
