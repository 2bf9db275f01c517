"""Who may see and change a company's documents: every documents page and download, for
anonymous, outsider, accountant of another office, member, accountant and owner. Denied
requests change nothing."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents.models import Document
from tests import factories
from tests.samples import PDF, UBL

SEE = {
    "anonymous": 302,
    "outsider": 404,
    "other_accountant": 404,
    "member": 200,
    "accountant": 200,
    "owner": 200,
}
CHANGE = {**SEE, "accountant": 403}


def _document(company) -> Document:
    document = factories.DocumentFactory(company=company, counterparty_name="Before")
    with company_scope(company):
        document.envelope.save("envelope.xml", ContentFile(UBL))
    return document


def _client(role, request, client_for):
    return client_for(None if role == "anonymous" else request.getfixturevalue(role))


@pytest.mark.parametrize("role", list(SEE))
@pytest.mark.parametrize(
    "name",
    ["document-list", "document-upload", "document-detail", "document-original", "document-ubl"],
)
def test_reading_pages_and_downloads(role, name, request, company, client_for):
    document = _document(company)
    kwargs = {"company_id": company.public_id}
    if name not in ("document-list", "document-upload"):
        kwargs["document_id"] = document.public_id
    response = _client(role, request, client_for).get(reverse(f"documents:{name}", kwargs=kwargs))
    expected = CHANGE[role] if name == "document-upload" else SEE[role]
    assert response.status_code == expected
    if name == "document-ubl" and expected == 200:
        assert b"".join(response.streaming_content) == UBL
        assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("role", list(CHANGE))
def test_uploading(role, request, company, client_for):
    url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    response = _client(role, request, client_for).post(
        url, {"uploads": [SimpleUploadedFile("a.pdf", PDF)]}
    )
    assert response.status_code == CHANGE[role]
    with company_scope(company):
        assert Document.objects.count() == (1 if CHANGE[role] == 200 else 0)


@pytest.mark.parametrize("role", list(CHANGE))
def test_correcting(role, request, company, client_for):
    document = _document(company)
    url = reverse(
        "documents:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    response = _client(role, request, client_for).post(
        url, {"kind": "purchase_invoice", "counterparty_name": "After", "currency": "EUR"}
    )
    allowed = CHANGE[role] == 200
    assert response.status_code == (302 if allowed else CHANGE[role])
    with company_scope(company):
        document.refresh_from_db()
    assert document.counterparty_name == ("After" if allowed else "Before")


def test_a_document_without_ubl_has_no_ubl_download(company, owner, client_for):
    document = factories.DocumentFactory(company=company)
    url = reverse(
        "documents:document-ubl",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    assert client_for(owner).get(url).status_code == 404
