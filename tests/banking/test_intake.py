"""Bank statement files that arrive with documents (by e-mail, a cloud folder, the Documents
page, the API) go to the bank import, never to the documents list: kept as statement files
with where they came from, their transactions imported, not counted against the plan. The
Bank page takes ZIPs of statements, unpacked as safely as the documents' ZIPs."""

import html
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from apps.banking.models import BankAccount, BankTransaction, StatementFile
from apps.billing.selectors import usage_get
from apps.companies.scoping import company_scope
from apps.core.crypto import encrypt
from apps.documents.models import Document, Source
from apps.inbox.messages import message_import
from apps.inbox.models import CloudFile, CloudFolder, InboundMessage
from apps.inbox.scanning import cloud_folder_scan
from tests import factories
from tests.banking.samples import read
from tests.inbox import mails
from tests.samples import PDF, zipped

pytestmark = pytest.mark.django_db
SINGLE = "Coda_v2_3_single_statement.txt"
SINGLE_IBAN = "BE86407051416150"
CAMT = "test-camt053.xml"
CAMT_IBAN = "NL77ABNA0574908765"
MT940 = (
    b"{1:F01KREDBEBBAXXX0000000000}{2:O9400000260101KREDBEBBAXXX00000000002601010000N}{4:\r\n"
    b":20:STMT2026-11\r\n:25:BE86407051416150\r\n:28C:11/1\r\n:60F:C261031EUR12500,00\r\n"
    b":61:2611031103D491,34NTRFNONREF//2026-0311\r\n:86:Drukkerij Van Damme NV 2026-0311\r\n"
    b":62F:C261130EUR12008,66\r\n-}"
)


@pytest.fixture
def banking(company):
    """``company`` on a plan with two bank accounts and two cloud folders."""
    factories.collecting(company, "collect-70")
    return company


def _account(company, iban: str = SINGLE_IBAN) -> BankAccount:
    with company_scope(company):
        return BankAccount.objects.create(company=company, iban=iban, name="Zichtrekening")


def _mail(company, filename: str, data: bytes, content_type: str = "text/plain"):
    raw = mails.message(
        "Uittreksels november",
        sender="KBC <uittreksels@kbc.example>",
        text="In bijlage je rekeninguittreksels.",
        attachments=[(filename, content_type, data)],
    )
    with company_scope(company):
        message, _created = message_import(
            company=company, raw=raw, channel=InboundMessage.Channel.FORWARDING
        )
    return message


def _no_document_nor_usage(company) -> None:
    with company_scope(company):
        assert not Document.objects.exists()
        assert usage_get(company=company).documents == 0


def _url(company, name: str, **kwargs: object) -> str:
    return reverse(name, kwargs={"company_id": company.public_id, **kwargs})


def test_a_coda_file_by_e_mail_is_imported_on_the_bank_page(banking, owner, client_for):
    # given the company's account, and its bank's CODA file forwarded by e-mail
    account = _account(banking)

    message = _mail(banking, "KBC-2026-11.cod", read(SINGLE))

    # then it is a statement file with where it came from, with its transactions
    with company_scope(banking):
        kept = StatementFile.objects.get()
        assert kept.status == StatementFile.Status.IMPORTED
        assert kept.source == Source.FORWARDING
        assert kept.source_details["sender"] == "KBC <uittreksels@kbc.example>"
        assert kept.source_details["subject"] == "Uittreksels november"
        new = BankTransaction.objects.filter(account=account).count()
        assert new > 0
    # and no document, nothing counted against the plan
    _no_document_nor_usage(banking)
    # and the message says what became of it
    assert message.status == InboundMessage.Status.IMPORTED
    assert (message.documents_created, message.statements) == (0, 1)
    [attachment] = message.attachment_results
    assert attachment["result"] == "statement"
    assert attachment["problem"] == ""
    client = client_for(owner)
    detail = client.get(
        _url(banking, "inbox:message-detail", message_id=message.public_id)
    ).content.decode()
    assert f"a bank statement: imported on the Bank page, {new} new transactions." in detail
    assert _url(banking, "banking:overview") in detail
    listing = client.get(_url(banking, "inbox:overview")).content.decode()
    assert "1 bank statement" in listing


def test_a_statement_for_an_unknown_account_by_e_mail_is_kept_and_said(banking, owner, client_for):
    # given no account for the statement's IBAN
    message = _mail(banking, "KBC-2026-11.cod", read(SINGLE))

    # then the file is kept, refused, on the Bank page; no document
    with company_scope(banking):
        kept = StatementFile.objects.get()
        assert kept.status == StatementFile.Status.REFUSED
        assert kept.error_code == "iban_unknown"
        assert kept.source == Source.FORWARDING
        assert not BankTransaction.objects.exists()
    _no_document_nor_usage(banking)
    # and the message failed with the bank import's reason, in the reader's language
    assert message.status == InboundMessage.Status.FAILED
    assert message.problem_code == "attachment_failed"
    [attachment] = message.attachment_results
    assert attachment["result"] == "statement_refused"
    assert f"account {SINGLE_IBAN}, which is not one of this company's" in attachment["problem"]
    assert attachment["problem"].startswith("A bank statement, kept on the Bank page")
    owner.language = "fr"
    owner.save()
    detail = client_for(owner).get(
        _url(banking, "inbox:message-detail", message_id=message.public_id)
    )
    page = html.unescape(detail.content.decode())
    assert "n'est pas un des comptes bancaires de cette entreprise" in page


def test_an_mt940_file_is_refused_as_not_supported_and_kept(banking):
    _account(banking)

    message = _mail(banking, "statement.sta", MT940, "application/octet-stream")

    with company_scope(banking):
        kept = StatementFile.objects.get()
        assert kept.status == StatementFile.Status.REFUSED
        assert kept.error_code == "not_supported"
        with kept.file.open("rb") as stored:
            assert stored.read() == MT940
    _no_document_nor_usage(banking)
    [attachment] = message.attachment_results
    assert "MT940 and PDF statements are not supported" in attachment["problem"]


def test_a_camt_statement_named_as_its_bank_names_it_is_taken_from_an_e_mail(banking):
    # an XML file that is not called .xml is taken only when it is a bank statement
    _account(banking, CAMT_IBAN)

    message = _mail(banking, "export.053", read(CAMT), "application/octet-stream")

    assert message.statements == 1
    with company_scope(banking):
        assert StatementFile.objects.get().status == StatementFile.Status.IMPORTED
        assert BankTransaction.objects.exists()


def test_a_statement_in_a_zip_with_an_invoice_goes_its_own_way(banking):
    # given an e-mail with a ZIP holding an invoice and a CODA file
    _account(banking)
    archive = zipped({"factuur.pdf": mails.pdf("ZIP-1"), "coda/KBC.cod": read(SINGLE)})

    message = _mail(banking, "bijlagen.zip", archive, "application/zip")

    # then the invoice is a document and the statement the bank import's
    assert message.status == InboundMessage.Status.IMPORTED
    assert (message.documents_created, message.statements) == (1, 1)
    with company_scope(banking):
        assert list(Document.objects.values_list("original_filename", flat=True)) == ["factuur.pdf"]
        kept = StatementFile.objects.get()
        assert kept.filename == "KBC.cod"
        assert kept.source_details["archive"] == "bijlagen.zip"
        assert kept.source_details["path_in_archive"] == "coda/KBC.cod"
        assert usage_get(company=banking).documents == 1  # the invoice only


def test_a_coda_file_uploaded_on_the_documents_page_goes_to_the_bank(banking, owner, client_for):
    _account(banking)

    response = client_for(owner).post(
        _url(banking, "documents:document-upload"),
        {"uploads": [SimpleUploadedFile("KBC.cod", read(SINGLE))]},
        follow=True,
    )

    page = response.content.decode()
    assert "Bank statement: imported on the Bank page (" in page
    assert _url(banking, "banking:overview") in page
    with company_scope(banking):
        kept = StatementFile.objects.get()
        assert (kept.status, kept.source) == (StatementFile.Status.IMPORTED, Source.UPLOAD)
        assert kept.imported_by == owner
        assert BankTransaction.objects.exists()
    _no_document_nor_usage(banking)


def test_a_coda_file_sent_to_the_api_goes_to_the_bank(banking, owner):
    _account(banking)
    client = APIClient()
    client.force_authenticate(owner)

    response = client.post(
        _url(banking, "documents-api:document-list"),
        {"files": [SimpleUploadedFile("KBC.cod", read(SINGLE))]},
        format="multipart",
    )

    assert response.status_code == 201
    [result] = response.json()
    assert result["bank_statement"] is True
    assert result["document"] is None
    assert result["new_transactions"] > 0
    assert result["error_code"] == ""
    with company_scope(banking):
        assert StatementFile.objects.get().source == Source.API
    _no_document_nor_usage(banking)


@pytest.mark.slow
def test_a_coda_file_in_a_cloud_folder_is_imported_and_moved(banking, webdav):
    # given a cloud folder holding an invoice and the bank's CODA file
    _account(banking)
    webdav.put("/Boekhouding/factuur.pdf", mails.pdf("cloud-coda"))
    webdav.put("/Boekhouding/KBC-2026-11.cod", read(SINGLE))
    with company_scope(banking):
        folder = CloudFolder.objects.create(
            company=banking,
            name="Boekhouding",
            url=webdav.url,
            username=webdav.user,
            secret=encrypt(webdav.password),
            path="/Boekhouding",
            move_to_folder="Verwerkt",
        )

    # when the folder is scanned
    with company_scope(banking):
        report = cloud_folder_scan(folder=folder)

    # then the statement is the bank import's, the invoice a document; both moved on
    assert report.error is None
    assert (report.documents, report.statements, report.failed) == (1, 1, 0)
    with company_scope(banking):
        kept = StatementFile.objects.get()
        assert kept.status == StatementFile.Status.IMPORTED
        assert kept.source == Source.CLOUD
        assert kept.source_details["path"] == "/Boekhouding/KBC-2026-11.cod"
        assert BankTransaction.objects.exists()
        assert list(Document.objects.values_list("original_filename", flat=True)) == ["factuur.pdf"]
        record = CloudFile.objects.get(path__endswith=".cod")
        assert record.is_bank_statement
        assert record.document is None
        assert record.problem_code == ""
        assert usage_get(company=banking).documents == 1
    moved = sorted(p.name for p in (webdav.root / "Boekhouding" / "Verwerkt").iterdir())
    assert moved == ["KBC-2026-11.cod", "factuur.pdf"]


# --- the Bank page takes ZIPs ----------------------------------------------------------------


def _upload(client, company, *files: tuple[str, bytes]):
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    response = client.post(
        _url(company, "banking:statement-upload"), {"statements": uploads}, follow=True
    )
    return html.unescape(response.content.decode())


def test_a_zip_of_statements_on_the_bank_page_imports_each_and_says_the_others(
    banking, owner, client_for
):
    # given two accounts and a ZIP with their statements, an invoice and a hidden file
    _account(banking)
    _account(banking, CAMT_IBAN)
    archive = zipped(
        {
            "november/KBC.cod": read(SINGLE),
            "november/ING.xml": read(CAMT),
            "factuur.pdf": PDF,
            "__MACOSX/._KBC.cod": b"resource fork",
        }
    )

    page = _upload(client_for(owner), banking, ("uittreksels.zip", archive))

    assert "2 statement(s) imported" in page
    assert "factuur.pdf: This file in the ZIP is not a bank statement: it was left out." in page
    with company_scope(banking):
        kept = {f.filename: f for f in StatementFile.objects.all()}
        assert set(kept) == {"KBC.cod", "ING.xml"}  # the invoice is not kept here
        assert all(f.status == StatementFile.Status.IMPORTED for f in kept.values())
        assert kept["KBC.cod"].source_details["archive"] == "uittreksels.zip"
        assert set(BankTransaction.objects.values_list("account__iban", flat=True)) == {
            SINGLE_IBAN,
            CAMT_IBAN,
        }
    _no_document_nor_usage(banking)


def test_a_zip_with_too_many_files_is_refused_whole(banking, owner, client_for, settings):
    settings.ZIP_MAX_MEMBERS = 3
    _account(banking)
    archive = zipped({f"KBC-{n}.cod": read(SINGLE) for n in range(4)})

    page = _upload(client_for(owner), banking, ("uittreksels.zip", archive))

    assert "uittreksels.zip: The ZIP file holds 4 files, more than the 3 we unpack." in page
    with company_scope(banking):
        assert not StatementFile.objects.exists()
        assert not BankTransaction.objects.exists()


def test_a_zip_bomb_is_refused_and_the_rest_imported(banking, owner, client_for):
    _account(banking)
    archive = zipped({"bomb.cod": b"0" * 5_000_000, "KBC.cod": read(SINGLE)})
    with zipfile.ZipFile(io.BytesIO(archive)) as check:
        bomb = check.getinfo("bomb.cod")
        assert bomb.file_size / bomb.compress_size > 200

    page = _upload(client_for(owner), banking, ("uittreksels.zip", archive))

    assert "bomb.cod: The ZIP file unpacks to more than we accept" in page
    assert "1 statement(s) imported" in page
    with company_scope(banking):
        assert list(StatementFile.objects.values_list("filename", flat=True)) == ["KBC.cod"]


def test_the_zips_of_one_upload_share_one_unpacking_budget(banking, owner, client_for, settings):
    _account(banking)
    coda = read(SINGLE)
    settings.ZIP_MAX_TOTAL_SIZE = len(coda) + 100
    first = zipped({"KBC-1.cod": coda})
    second = zipped({"KBC-2.cod": coda})

    page = _upload(client_for(owner), banking, ("een.zip", first), ("twee.zip", second))

    assert "1 statement(s) imported" in page
    assert "twee.zip: The ZIP file unpacks to" in page
    with company_scope(banking):
        assert list(StatementFile.objects.values_list("filename", flat=True)) == ["KBC-1.cod"]


def test_a_member_uploads_zips_but_an_accountant_does_not(banking, member, accountant, client_for):
    _account(banking)
    archive = zipped({"KBC.cod": read(SINGLE)})
    refused = client_for(accountant).post(
        _url(banking, "banking:statement-upload"),
        {"statements": [SimpleUploadedFile("a.zip", archive)]},
    )
    assert refused.status_code == 403
    with company_scope(banking):
        assert not StatementFile.objects.exists()
    page = _upload(client_for(member), banking, ("a.zip", archive))
    assert "1 statement(s) imported" in page
