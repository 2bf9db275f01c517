"""The document list, page and file download, as each role sees them."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.documents.models import Document, Kind
from tests import factories


def _list(company, **params):
    return reverse("documents:document-list", kwargs={"company_id": company.public_id}), params


def test_list_filters_by_status_kind_amount_and_search(company, owner, client_for):
    factories.DocumentFactory(
        company=company,
        counterparty_name="Proximus NV",
        number="P-1",
        total_incl_vat=Decimal("121.00"),
        issue_date=datetime.date(2026, 3, 1),
    )
    factories.DocumentFactory(
        company=company,
        counterparty_name="Colruyt",
        kind=Kind.RECEIPT,
        total_incl_vat=Decimal("12.50"),
        status=Document.Status.NEEDS_REVIEW,
    )
    factories.DocumentFactory(
        company=company, counterparty_name="Telenet", total_incl_vat=Decimal("60")
    )
    client = client_for(owner)
    url, _ = _list(company)

    def names(**params):
        html = client.get(url, params).content.decode()
        return [n for n in ("Proximus NV", "Colruyt", "Telenet") if n in html]

    assert names() == ["Proximus NV", "Colruyt", "Telenet"]
    assert names(status="needs_review") == ["Colruyt"]
    assert names(kind="receipt") == ["Colruyt"]
    assert names(amount_min="50", amount_max="100") == ["Telenet"]
    assert names(q="P-1") == ["Proximus NV"]
    assert names(date_from="2026-02-01", date_to="2026-03-31") == ["Proximus NV"]
    assert "No document matches these filters" in client.get(url, {"q": "nothing"}).content.decode()


def test_empty_list_invites_to_upload(company, owner, client_for):
    url, _ = _list(company)
    assert "No documents yet" in client_for(owner).get(url).content.decode()


def test_list_query_count_is_flat(company, owner, client_for, django_assert_max_num_queries):
    for _ in range(60):
        factories.DocumentFactory(company=company)
    url, _ = _list(company)
    client = client_for(owner)
    with django_assert_max_num_queries(10):
        response = client.get(url, {"sort": "amount"})
    assert response.status_code == 200
    assert response.context["has_next"] is True
    assert len(response.context["documents"]) == 50


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("other_accountant", 404),
        ("member", 200),
        ("accountant", 200),
        ("owner", 200),
    ],
)
def test_document_pages_access(role, expected, request, company, client_for):
    document = factories.DocumentFactory(company=company)
    client = client_for(None if role == "anonymous" else request.getfixturevalue(role))
    kwargs = {"company_id": company.public_id}
    for url in (
        reverse("documents:document-list", kwargs=kwargs),
        reverse("documents:document-detail", kwargs={**kwargs, "document_id": document.public_id}),
        reverse(
            "documents:document-original", kwargs={**kwargs, "document_id": document.public_id}
        ),
    ):
        assert client.get(url).status_code == expected, url


def test_original_is_streamed_inline_with_its_type(company, owner, client_for):
    document = factories.DocumentFactory(company=company)
    url = reverse(
        "documents:document-original",
        kwargs={"company_id": company.public_id, "document_id": document.public_id},
    )
    response = client_for(owner).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    download = client_for(owner).get(url, {"download": "1"})
    assert download["Content-Disposition"].startswith("attachment")
