"""Bank accounts, mailboxes and cloud folders are limited by the plan in force (an override,
Start after a failed payment's grace, else the company's plan), all in one message style;
the dashboard's usage line reads the same plan; the period's totals of every company come
in a few queries."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.banking.services.accounts import bank_account_create
from apps.billing.models import DocumentUsage, Plan, PlanOverride, Subscription
from apps.billing.selectors import usage_period_totals
from apps.billing.services import usage_record
from apps.companies.scoping import all_companies, company_scope
from apps.core.errors import LimitReached
from apps.inbox.services import cloud_folder_create, mailbox_create
from tests import factories

pytestmark = pytest.mark.django_db

MAILBOX = {
    "name": "Facturen",
    "provider": "other",
    "host": "127.0.0.1",
    "port": 993,
    "security": "ssl",
    "auth_method": "password",
    "username": "facturen@bakkerij.example",
    "folders": ["INBOX"],
    "move_to_folder": "",
    "scan_interval_minutes": 15,
}
FOLDER = {
    "name": "Facturen",
    "provider": "webdav",
    "url": "http://127.0.0.1:9/",
    "username": "cloud-user",
    "path": "/Invoices",
    "move_to_folder": "",
    "scan_interval_minutes": 15,
}


def _override(company, code: str) -> None:
    with company_scope(company):
        PlanOverride.objects.create(
            company=company,
            plan=Plan.objects.get(code=code),
            reason="partner",
            ends_on=timezone.localdate() + datetime.timedelta(days=10),
        )


def _add(company, owner, what: str, n: int) -> None:
    if what == "bank_accounts":
        bank_account_create(company=company, iban=["BE86407051416150", "BE71096123456769"][n])
    elif what == "mailboxes":
        mailbox_create(
            company=company,
            actor=owner,
            password="secret",
            **{**MAILBOX, "username": f"f{n}@bakkerij.example"},
        )
    else:
        cloud_folder_create(
            company=company, actor=owner, password="secret", **{**FOLDER, "path": f"/{n}"}
        )


@pytest.mark.parametrize(
    ("what", "words"),
    [
        ("bank_accounts", "Your plan Collect 25 includes 1 bank account(s) and all are in use."),
        ("mailboxes", "Your plan Collect 25 includes 1 mailbox(es) and all are in use."),
        ("cloud_folders", "Your plan Collect 25 includes 1 cloud folder(s) and all are in use."),
    ],
)
def test_each_limit_refuses_in_one_style(company, owner, what, words):
    factories.collecting(company)
    with company_scope(company):
        _add(company, owner, what, 0)
        with pytest.raises(LimitReached) as refused:
            _add(company, owner, what, 1)
    assert str(refused.value.message).startswith(words)
    assert refused.value.code == "limit_reached"


@pytest.mark.parametrize("what", ["bank_accounts", "mailboxes", "cloud_folders"])
def test_a_staff_override_raises_the_limit(company, owner, what):
    # given a company on Start (none of each) with an override to Collect 70 (two of each)
    _override(company, "collect-70")
    with company_scope(company):
        _add(company, owner, what, 0)
        _add(company, owner, what, 1)


@pytest.mark.parametrize("what", ["bank_accounts", "mailboxes", "cloud_folders"])
def test_after_a_failed_payments_grace_nothing_more_is_added(company, owner, what):
    factories.collecting(company)
    with company_scope(company):
        Subscription.objects.create(
            company=company,
            status=Subscription.Status.UNPAID,
            grace_until=timezone.now() - datetime.timedelta(hours=1),
        )
        with pytest.raises(LimitReached, match="Your plan Start includes 0"):
            _add(company, owner, what, 0)


def test_the_dashboard_reads_documents_of_the_plan_in_force_and_the_reset_day(
    company, owner, client_for
):
    factories.collecting(company, "collect-70")
    with (
        time_machine.travel(datetime.datetime(2026, 12, 7, 10, tzinfo=datetime.UTC)),
        company_scope(company),
    ):
        usage_record(company=company, documents=47)
        page = client_for(owner).get(
            reverse("companies:dashboard", kwargs={"company_id": company.public_id})
        )
        text = page.content.decode()
        assert "47 of 70 documents this month, 0 extra" in text
        assert "counted again from 01/01/2027" in text
        # an override to Collect 25 bills the same 47 at its own numbers
        _override(company, "collect-25")
        text = client_for(owner).get(
            reverse("companies:dashboard", kwargs={"company_id": company.public_id})
        )
        assert "47 of 25 documents this month, 22 extra (€11.00 so far, €0.50 each)" in (
            text.content.decode()
        )


def test_the_period_totals_of_every_company_come_in_three_queries(
    company, other_company, django_assert_num_queries
):
    # given a month with 75 documents on Collect 70, 12 on Collect 25 with an override to
    # Collect 200, and a hundred more companies
    november = datetime.date(2026, 11, 1)
    factories.collecting(company, "collect-70")
    factories.collecting(other_company)
    with time_machine.travel(datetime.datetime(2026, 11, 20, 10, tzinfo=datetime.UTC)):
        _override(other_company, "collect-200")
    rows = [
        DocumentUsage(company=company, month=november, documents=75, reported=70),
        DocumentUsage(company=other_company, month=november, documents=12),
    ]
    for _ in range(100):
        rows.append(
            DocumentUsage(
                company=factories.CompanyFactory(collecting=True), month=november, documents=3
            )
        )
    with all_companies():
        DocumentUsage.objects.bulk_create(rows)
    # when the period's totals are read after the month closed
    with (
        time_machine.travel(datetime.datetime(2026, 12, 1, 1, tzinfo=datetime.UTC)),
        django_assert_num_queries(3),
    ):
        totals = {row.company_id: row for row in usage_period_totals(november)}
    # then each company has its documents and what they cost past its plan's number
    assert len(totals) == 102
    ours = totals[company.pk]
    assert (ours.documents, ours.included, ours.extra) == (75, 70, 5)
    assert ours.extra_cost == Decimal("1.50")  # 5 × €0.30
    assert ours.needs_report
    theirs = totals[other_company.pk]
    assert (theirs.included, theirs.extra, theirs.extra_cost) == (200, 0, Decimal("0"))
