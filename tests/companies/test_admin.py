"""The company admin refuses what the sign-up form refuses."""

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.billing.selectors import plan_default
from apps.companies.models import Company


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root@okioki.be", "x"))
    return client


def _add(admin_client, enterprise_number):
    data = {
        "name": "Admin Made BV",
        "slug": "admin-made",
        "enterprise_number": enterprise_number,
        "country": "BE",
        "default_language": "nl",
        "plan": plan_default().pk,
        "is_active": "on",
    }
    for prefix in ("memberships", "office_links"):  # the inlines' management forms
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return admin_client.post(reverse("admin:companies_company_add"), data)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("0412345615", "its check digits do not match"),
        ("12345", "An enterprise number has 10 digits"),
        ("412345614", "Store the enterprise number as its 10 digits"),
    ],
)
def test_admin_refuses_an_invalid_enterprise_number(admin_client, number, message):
    response = _add(admin_client, number)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Company.objects.filter(slug="admin-made").exists()


def test_admin_adds_a_company_with_a_valid_number(admin_client):
    response = _add(admin_client, "0412345614")
    assert response.status_code == 302
    assert Company.objects.get(slug="admin-made").enterprise_number == "0412345614"
