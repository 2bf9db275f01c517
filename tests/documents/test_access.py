"""Who may see and change a company's documents: every documents page and download, for
anonymous, outsider, accountant of another office, member, accountant and owner. Denied
requests change nothing, allowed changes are made."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents.models import Document
from tests import factories
from tests.access import cases, check_access
from tests.samples import PDF, UBL


@pytest.fixture
def company(company):
    """Uploads need a plan that collects documents (Start, the default, collects none)."""
    return factories.collecting(company)


SEE = [302, 404, 404, 200, 200, 200]
CHANGE = [302, 404, 404, 200, 403, 200]
# view, method, expected per role
MATRIX = [
    ("document-list", "get", SEE),
    ("document-upload", "get", CHANGE),
    ("document-detail", "get", SEE),
    ("document-original", "get", SEE),
    ("document-ubl", "get", SEE),
    ("document-upload", "post", [302, 404, 404, 302, 403, 302]),  # to its result page
    ("document-detail", "post", [302, 404, 404, 302, 403, 302]),  # a correction
]


def _document(company) -> Document:
    document = factories.DocumentFactory(company=company, counterparty_name="Before")
    with company_scope(company):
        document.envelope.save("envelope.xml", ContentFile(UBL))
    return document


def _snapshot():
    return sorted(Document.objects.values_list("pk", "counterparty_name", "kind", "status"))


@pytest.mark.parametrize(("view", "method", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, role, expected, request, company):
    document = _document(company)
    kwargs = {"company_id": company.public_id}
    if view not in ("document-list", "document-upload"):
        kwargs["document_id"] = document.public_id
    data = {}
    if view == "document-upload":
        data = {"uploads": [SimpleUploadedFile("a.pdf", PDF)]}
    elif view == "document-detail":
        data = {"kind": "purchase_invoice", "counterparty_name": "After", "currency": "EUR"}
    documents = Document.objects
    writes = {
        "document-upload": lambda: documents.filter(original_filename="a.pdf").exists(),
        "document-detail": lambda: documents.get(pk=document.pk).counterparty_name == "After",
    }

    url = reverse(f"documents:{view}", kwargs=kwargs)
    wrote = writes[view] if method == "post" else None
    response = check_access(
        request, role, method, url, data, expected=expected, unchanged=_snapshot, wrote=wrote
    )

    if view == "document-ubl" and expected == 200:
        assert b"".join(response.streaming_content) == UBL
        assert response["Content-Disposition"].startswith("attachment")


def test_a_document_without_ubl_has_no_ubl_download(company, owner, client_for):
    document = factories.DocumentFactory(company=company)
    url = reverse(
        "documents:document-ubl",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    assert client_for(owner).get(url).status_code == 404
