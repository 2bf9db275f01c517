"""The four plans of the offer, seeded by migrations and editable in the admin."""

from decimal import Decimal

import pytest

from apps.billing.models import Plan
from apps.billing.selectors import plan_default, plan_list

# code: documents a month, bank accounts, mailboxes, cloud folders, price per extra document
SEEDED = {
    "start": (0, 0, 0, 0, None),
    "collect-25": (25, 1, 1, 1, Decimal("0.50")),
    "collect-70": (70, 2, 2, 2, Decimal("0.30")),
    "collect-200": (200, 3, 3, 3, Decimal("0.20")),
}


@pytest.mark.django_db
def test_the_four_plans_and_their_numbers():
    plans = plan_list()
    assert [plan.code for plan in plans] == list(SEEDED)
    for plan in plans:
        assert (
            plan.documents_per_month,
            plan.bank_accounts,
            plan.mailboxes,
            plan.cloud_folders,
            plan.extra_document_price,
        ) == SEEDED[plan.code], plan.code
        assert plan.includes_einvoicing
        assert plan.monthly_price > 0
        assert plan.includes_collection == (plan.code != "start")


@pytest.mark.django_db
def test_start_is_the_default_plan():
    assert plan_default().code == "start"
    assert Plan.objects.filter(is_default=True).count() == 1


@pytest.mark.django_db
def test_plans_describe_what_they_include():
    start = Plan.objects.get(code="start")
    for words in ("quotes", "e-invoices", "accountant"):
        assert words in start.description
    for code, (documents, *_rest) in SEEDED.items():
        if code == "start":
            continue
        description = Plan.objects.get(code=code).description
        assert f"{documents} documents a month" in description
        for source in ("mailboxes", "forwarding address", "cloud folders"):
            assert source in description, (code, source)
