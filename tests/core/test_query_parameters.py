"""Query parameters of every list page and API: any value is a clear 400 or is ignored, never
a 500. The pages are found by walking the URL patterns, as the isolation walk does."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.companies.test_isolation import url_patterns

# Every parameter a list page or API reads, and some it doesn't.
KNOWN = (
    "page",
    "q",
    "kind",
    "category",
    "status",
    "date_from",
    "date_to",
    "counterparty",
    "amount_min",
    "amount_max",
    "sort",
    "customer",
    "inactive",
    "all",
    "download",
    "cursor",
)
UNKNOWN = ("p", "o", "limit", "offset", "format", "page_size", "ordering", "\x00", "ü")

HOSTILE = st.sampled_from(
    [
        "99999999999999999999999",
        "-99999999999999999999999",
        "1e999999",
        "-1e999999",
        "1E+999999999",
        "NaN",
        "sNaN",
        "Infinity",
        "-inf",
        "0",
        "-1",
        "1.5",
        "1_000",
        "٣",  # an Arabic-Indic digit: int() takes it
        "9" * 5000,
        "\x00",
        "1\x00",
        "a\x00b",
        b"\xff\xfe",  # not UTF-8
        b"%",
        "‮gpj.exe",
        "0001-01-01",
        "9999-12-31",
        "10000-01-01",
        "2026-02-30",
        "00000000-0000-4000-8000-000000000000",
        "' OR 1=1 --",
        "%",
        "_",
        "",
        " ",
    ]
)
VALUES = st.one_of(
    HOSTILE,
    st.text(max_size=40),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
PARAMETERS = st.dictionaries(
    st.sampled_from(KNOWN + UNKNOWN), st.lists(VALUES, min_size=1, max_size=2), max_size=5
)


def list_and_api_patterns() -> list[tuple[str, list[str]]]:
    """Pages that take no object but the company or the office: the lists, overviews and APIs
    (a GET there is harmless); the sign-in pages and the admin are left out."""
    names = []
    for name, _route, kwargs in url_patterns():
        if name.startswith(("admin:", "account_", "mfa_", "api-")) or not set(kwargs) <= {
            "company_id",
            "office_id",
        }:
            continue
        names.append((name, kwargs))
    assert ("documents-api:document-list", ["company_id"]) in names
    return names


@pytest.fixture
def kwargs_for(company, owner):
    """The URL kwargs of a page, with a few rows to show so that filters act on something."""
    office = factories.OfficeMemberFactory(user=owner).office
    factories.OfficeClientLinkFactory(company=company, office=office)
    factories.DocumentFactory(company=company)
    factories.CustomerFactory(company=company)
    factories.ProductFactory(company=company)
    factories.InvoiceFactory(company=company)
    factories.QuoteFactory(company=company)
    factories.DeliveryFactory(company=company)
    values = {"company_id": company.public_id, "office_id": office.public_id}
    return lambda kwargs: {key: values[key] for key in kwargs}


@pytest.mark.parametrize(
    "url",
    [
        "documents-api:document-list?page=99999999999999999999999",
        "documents:document-list?amount_min=1e999999",
        "documents:document-list?amount_max=-1e999999&page=99999999999999999999999",
        "documents-api:document-list?amount_min=1e999999",
        "documents:document-list?q=a%00b&counterparty=%00",
        "sales:customer-list?q=a%00b",
        "sales:product-list?q=%00&page=99999999999999999999999",
        "connections:delivery-list?status=%00",
        "sales:quote-list?page=-99999999999999999999999",
    ],
)
def test_the_reported_parameters_are_not_a_500(url, company, owner, client_for):
    name, query = url.split("?")
    path = reverse(name, kwargs={"company_id": company.public_id})
    response = client_for(owner).get(f"{path}?{query}")
    assert response.status_code in (200, 400)


def test_a_page_number_past_any_list_is_a_400_on_the_api(company, owner, client_for):
    path = reverse("documents-api:document-list", kwargs={"company_id": company.public_id})
    response = client_for(owner).get(path, {"page": "99999999999999999999999"})
    assert response.status_code == 400
    assert "page" in response.json()["errors"]


def test_an_amount_too_large_is_a_field_error_on_the_list(company, owner, client_for):
    path = reverse("documents:document-list", kwargs={"company_id": company.public_id})
    response = client_for(owner).get(path, {"amount_min": "1e999999"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount_min"]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "kwargs"), list_and_api_patterns())
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parameters=PARAMETERS)
def test_no_query_parameter_makes_a_list_page_or_api_fail(
    parameters, name, kwargs, kwargs_for, owner, client_for
):
    query = urlencode(parameters, doseq=True)
    response = client_for(owner).get(f"{reverse(name, kwargs=kwargs_for(kwargs))}?{query}")
    assert response.status_code < 500, (name, parameters)
