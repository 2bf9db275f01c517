"""Documents through the REST API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from apps.companies.scoping import company_scope
from apps.documents.models import Document
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def api_for():
    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def test_upload_list_and_get_through_the_api(company, owner, api_for):
    client = api_for(owner)
    url = reverse("documents-api:document-list", kwargs={"company_id": company.public_id})
    response = client.post(
        url,
        {"files": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("bad.exe", b"MZ...")]},
        format="multipart",
    )
    assert response.status_code == 201
    results = {row["filename"]: row for row in response.json()}
    assert results["a.pdf"]["error_code"] == ""
    assert results["bad.exe"]["error_code"] == "unsupported"
    listing = client.get(url).json()
    assert [row["original_filename"] for row in listing["results"]] == ["a.pdf"]
    detail = client.get(
        reverse(
            "documents-api:document-detail",
            kwargs={"company_id": company.public_id, "document_id": results["a.pdf"]["document"]},
        )
    )
    assert detail.json()["source"] == "api"


def test_upload_without_files_is_a_clear_400(company, owner, api_for):
    url = reverse("documents-api:document-list", kwargs={"company_id": company.public_id})
    response = api_for(owner).post(url, {}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()["detail"]


@pytest.mark.parametrize(
    ("role", "get_status", "post_status"),
    [
        ("anonymous", 403, 403),
        ("outsider", 404, 404),
        ("other_accountant", 404, 404),
        ("member", 200, 201),
        ("accountant", 200, 403),
        ("owner", 200, 201),
    ],
)
def test_api_access_matrix(role, get_status, post_status, request, company, api_for):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = api_for(user)
    url = reverse("documents-api:document-list", kwargs={"company_id": company.public_id})
    assert client.get(url).status_code == get_status
    response = client.post(url, {"files": [SimpleUploadedFile("a.pdf", PDF)]}, format="multipart")
    assert response.status_code == post_status
    with company_scope(company):
        assert Document.objects.count() == (1 if post_status == 201 else 0)


def test_other_companys_document_is_404(company, other_company, owner, api_for):
    theirs = factories.DocumentFactory(company=other_company)
    url = reverse(
        "documents-api:document-detail",
        kwargs={"company_id": company.public_id, "document_id": theirs.public_id},
    )
    assert api_for(owner).get(url).status_code == 404
