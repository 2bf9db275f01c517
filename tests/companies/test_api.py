"""The companies API: scoped by the DRF base view, 404 for other companies."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.access import user_of


@pytest.fixture
def api_for():
    def make(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def test_lists_only_the_users_companies(company, other_company, owner, api_for):
    response = api_for(owner).get(reverse("companies-api:company-list"))
    assert response.status_code == 200
    assert [row["company"]["id"] for row in response.json()] == [str(company.public_id)]
    assert response.json()[0]["role"] == "owner"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 403),
        ("outsider", 404),
        ("other_accountant", 404),
        ("member", 200),
        ("accountant", 200),
        ("owner", 200),
    ],
)
def test_company_detail_access(role, expected, request, company, api_for):
    response = api_for(user_of(role, request)).get(
        reverse("companies-api:company-detail", kwargs={"company_id": company.public_id})
    )
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["peppol_id"] == f"0208:{company.enterprise_number}"


def test_other_company_is_404_like_a_missing_one(company, other_company, owner, api_for):
    client = api_for(owner)
    foreign = client.get(
        reverse("companies-api:company-detail", kwargs={"company_id": other_company.public_id})
    )
    missing = client.get(
        reverse(
            "companies-api:company-detail",
            kwargs={"company_id": "00000000-0000-4000-8000-000000000000"},
        )
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_openapi_schema_is_served(owner, api_for):
    response = api_for(owner).get(reverse("api-schema"))
    assert response.status_code == 200
    assert b"/api/v1/companies/" in response.content
