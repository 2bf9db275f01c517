"""Documents through the REST API."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from apps.documents.models import Document
from tests import factories
from tests.access import cases, check_access
from tests.samples import PDF


@pytest.fixture
def company(company):
    """Uploads need a plan that collects documents (Start, the default, collects none)."""
    return factories.collecting(company)


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


# method, expected per role (anonymous, outsider, other_accountant, member, accountant, owner)
MATRIX = [
    ("get", [403, 404, 404, 200, 200, 200]),
    ("post", [403, 404, 404, 201, 403, 201]),
]


@pytest.mark.parametrize(("method", "role", "expected"), cases(MATRIX))
def test_api_access_matrix(method, role, expected, request, company, api_for):
    url = reverse("documents-api:document-list", kwargs={"company_id": company.public_id})
    upload = {"files": [SimpleUploadedFile("a.pdf", PDF)]}, {"format": "multipart"}
    data, extra = upload if method == "post" else (None, {})
    check_access(
        request,
        role,
        method,
        url,
        data,
        expected=expected,
        unchanged=Document.objects.count,
        wrote=Document.objects.exists if method == "post" else None,
        client_for=api_for,
        **extra,
    )


def test_other_companys_document_is_404(company, other_company, owner, api_for):
    theirs = factories.DocumentFactory(company=other_company)
    url = reverse(
        "documents-api:document-detail",
        kwargs={"company_id": company.public_id, "document_id": theirs.public_id},
    )
    assert api_for(owner).get(url).status_code == 404


def test_the_openapi_schema_describes_the_documents_endpoints_as_they_answer(owner, api_for):
    import yaml

    response = api_for(owner).get(reverse("api-schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    documents = schema["paths"]["/api/v1/companies/{company_id}/documents/"]
    listing = documents["get"]
    assert listing["tags"] == ["documents"]
    assert listing["description"]
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page_schema = schema["components"]["schemas"][page.rsplit("/", 1)[-1]]
    assert set(page_schema["properties"]) == {"results", "page", "has_next"}
    assert page_schema["properties"]["results"]["type"] == "array"
    assert "400" in listing["responses"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert "needs_review" in parameters["status"]["schema"]["enum"]
    assert parameters["page"]["schema"]["type"] == "integer"
    upload = documents["post"]
    assert upload["tags"] == ["documents"]
    assert {"201", "400"} <= set(upload["responses"])
    assert "multipart/form-data" in upload["requestBody"]["content"]
    detail = schema["paths"]["/api/v1/companies/{company_id}/documents/{document_id}/"]["get"]
    assert detail["tags"] == ["documents"]
    fields = schema["components"]["schemas"]["Document"]["properties"]
    assert {"id", "status", "problem", "problems", "vat_breakdown", "field_sources"} <= set(fields)


def test_an_invalid_filter_is_a_400_naming_the_field(company, owner, api_for):
    url = reverse("documents-api:document-list", kwargs={"company_id": company.public_id})
    response = api_for(owner).get(url, {"amount_min": "lots", "status": "nope", "page": "0"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"amount_min", "status", "page"}


def test_api_list_query_budget(company, owner, api_for, django_assert_max_num_queries):
    for _ in range(60):
        factories.DocumentFactory(company=company)
    url = reverse("documents-api:document-list", kwargs={"company_id": company.public_id})
    client = api_for(owner)
    with django_assert_max_num_queries(8):
        response = client.get(url, {"sort": "date", "page": "2"})
    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["has_next"], len(body["results"])) == (2, False, 10)


def test_the_api_keeps_listing_the_last_arrived_first(company, owner, api_for):
    # given an old invoice that arrived last and a recent one that arrived first
    now = datetime.datetime(2026, 4, 20, 9, tzinfo=datetime.UTC)
    factories.DocumentFactory(
        company=company, number="OLD", issue_date=datetime.date(2014, 5, 2), received_at=now
    )
    factories.DocumentFactory(
        company=company,
        number="RECENT",
        issue_date=datetime.date(2026, 3, 18),
        received_at=now - datetime.timedelta(days=30),
    )
    # when an API client lists without a sort, then the order it relied on stays
    url = reverse("documents-api:document-list", kwargs={"company_id": company.public_id})
    listed = api_for(owner).get(url).json()["results"]
    assert [d["number"] for d in listed] == ["OLD", "RECENT"]


def test_the_problem_is_given_in_the_requests_language(company, owner, api_for):
    document = factories.DocumentFactory(
        company=company,
        problem_code="encrypted",
        problems=[{"catalogue": "pdf", "code": "encrypted", "params": {}}],
    )
    url = reverse(
        "documents-api:document-detail",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    body = api_for(owner).get(url, HTTP_ACCEPT_LANGUAGE="nl").json()
    assert body["problem"].startswith("De pdf is beveiligd met een wachtwoord")
    assert body["problems"][0]["code"] == "encrypted"
