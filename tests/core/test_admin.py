"""The platform admin: every list a platform admin works with renders."""

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.billing.models import Plan
from apps.companies.models import AccountingOffice, Company
from tests import factories


@pytest.fixture
def admin_client(client, company, owner, accountant):
    client.force_login(User.objects.create_superuser("root@okioki.be", "x"))
    return client


@pytest.mark.parametrize(
    ("model", "shown"),
    [
        (User, "root@okioki.be"),
        (Company, "Bakkerij Test BV"),
        (AccountingOffice, "Office"),
        (Plan, "Collect 200"),
    ],
)
def test_changelist_and_change_page_render(admin_client, model, shown):
    meta = model._meta
    response = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert response.status_code == 200
    assert shown in response.content.decode()
    obj = model.objects.order_by("pk").first()
    change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200


def test_admin_is_for_platform_admins_only(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:companies_company_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_company_search_spans_companies(admin_client):
    factories.CompanyFactory(name="Zoekbaar NV")
    response = admin_client.get(reverse("admin:companies_company_changelist") + "?q=Zoekbaar")
    assert "Zoekbaar NV" in response.content.decode()
