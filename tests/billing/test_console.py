"""The staff console: plan tiers, companies' billing, failed payments, overrides, the log.

Where the console syncs a plan, Stripe is faked at its HTTP boundary (tests/fakes/stripe/,
the ``stripe_fake`` fixture): the official client talks to a loopback stand-in."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.billing import entitlements
from apps.billing.models import ConsoleChange, DocumentUsage, Plan, PlanOverride, Subscription
from apps.billing.services import usage_month
from apps.companies.scoping import all_companies, company_scope
from tests import factories
from tests.billing.console_rows import override, plan, subscription

# --- the plans -----------------------------------------------------------------------------


def _values(code: str, **changes):
    """The plan form's fields as posted, from the plan's current values."""
    current = plan(code)
    values = {
        "name": current.name,
        "description": current.description,
        "monthly_price": str(current.monthly_price),
        "documents_per_month": str(current.documents_per_month),
        "extra_document_price": (
            "" if current.extra_document_price is None else str(current.extra_document_price)
        ),
        "bank_accounts": str(current.bank_accounts),
        "mailboxes": str(current.mailboxes),
        "cloud_folders": str(current.cloud_folders),
    }
    if current.is_active:
        values["is_active"] = "on"
    if current.is_default:
        values["is_default"] = "on"
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def _edit(client: Client, code: str, **changes):
    url = reverse("console:plan-edit", kwargs={"plan_id": plan(code).public_id})
    return client.post(url, _values(code, **changes))


def test_a_plan_edit_is_saved_and_recorded_with_before_and_after(staff, client_for):
    client = client_for(staff)
    # when staff raise Collect 70's price and its documents
    response = _edit(client, "collect-70", monthly_price="39.00", documents_per_month="75")
    # then the plan has them, at once, and the log says who changed what from what
    assert response.status_code == 302
    edited = plan("collect-70")
    assert (edited.monthly_price, edited.documents_per_month) == (Decimal("39.00"), 75)
    change = ConsoleChange.objects.get()
    assert (change.actor, change.action, change.target) == (staff, "plan.update", "collect-70")
    assert change.data == {
        "before": {"monthly_price": "35.00", "documents_per_month": 70},
        "after": {"monthly_price": "39.00", "documents_per_month": 75},
    }
    # and the page shows it, with a reminder that Stripe's prices are now out of date
    page = client.get(response["Location"]).content.decode()
    assert "The plan Collect 70 is saved." in page
    assert "39.00" in page


def test_saving_a_plan_unchanged_records_nothing(staff, client_for):
    response = _edit(client_for(staff), "collect-25")
    assert response.status_code == 302
    assert not ConsoleChange.objects.exists()


def test_a_price_change_of_a_synced_plan_asks_for_a_sync(staff, client_for):
    Plan.objects.filter(code="collect-25").update(stripe_product_id="prod_1")
    client = client_for(staff)
    response = _edit(client, "collect-25", extra_document_price="0.45")
    page = client.get(response["Location"]).content.decode()
    assert "Its prices changed: sync the plan with Stripe" in page


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"monthly_price": "-1"}, "monthly_price", "greater than or equal to 0"),
        ({"monthly_price": "abc"}, "monthly_price", "Enter a number"),
        ({"extra_document_price": ""}, "extra_document_price", "needs a price per extra"),
        ({"name": ""}, "name", "This field is required"),
        ({"mailboxes": "-2"}, "mailboxes", "greater than or equal to 0"),
    ],
)
def test_plan_edit_validation(changes, field, error, staff, client_for):
    # when staff post a value a plan cannot have
    response = _edit(client_for(staff), "collect-70", **changes)
    # then the form comes back with the error at its field, and nothing is saved or recorded
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert plan("collect-70").monthly_price == Decimal("35.00")
    assert not ConsoleChange.objects.exists()


def test_a_plan_without_documents_has_no_extra_price(staff, client_for):
    response = _edit(client_for(staff), "start", extra_document_price="0.10")
    assert "has no price per extra document" in " ".join(
        response.context["form"].errors["extra_document_price"]
    )
    assert plan("start").extra_document_price is None


def test_one_default_plan_only_choosing_another_moves_it(staff, client_for):
    # when staff make Collect 25 the default
    response = _edit(client_for(staff), "collect-25", is_default="on")
    assert response.status_code == 302
    # then it is the only default, and both plans' changes are recorded
    assert list(Plan.objects.filter(is_default=True).values_list("code", flat=True)) == [
        "collect-25"
    ]
    changes = {change.target: change.data for change in ConsoleChange.objects.all()}
    assert changes == {
        "start": {"before": {"is_default": True}, "after": {"is_default": False}},
        "collect-25": {"before": {"is_default": False}, "after": {"is_default": True}},
    }
    # and new companies start on it
    assert factories.CompanyFactory().plan.code == "collect-25"


def test_the_default_plan_cannot_be_left_without_another(staff, client_for):
    client = client_for(staff)
    # unticking "default" on the default plan: there would be none
    response = _edit(client, "start", is_default=None)
    assert "make another plan the default" in " ".join(
        response.context["form"].errors["is_default"]
    )
    # no longer offering the default plan: new companies would start on a plan not offered
    response = _edit(client, "start", is_active=None)
    assert "The default plan must be offered" in " ".join(
        response.context["form"].errors["is_active"]
    )
    assert plan("start").is_default
    assert plan("start").is_active
    assert not ConsoleChange.objects.exists()


def test_the_database_keeps_one_default_too(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(code="collect-25").update(is_default=True)


def test_a_new_plan_is_created_and_recorded(staff, client_for):
    values = {
        **_values("collect-200", name="Collect 500", documents_per_month="500"),
        "code": "collect-500",
    }
    response = client_for(staff).post(reverse("console:plan-create"), values)
    assert response.status_code == 302
    created = Plan.objects.get(code="collect-500")
    assert (created.name, created.documents_per_month, created.is_default) == (
        "Collect 500",
        500,
        False,
    )
    assert created.sort_order > plan("collect-200").sort_order
    change = ConsoleChange.objects.get()
    assert (change.action, change.data["after"]["code"]) == ("plan.create", "collect-500")
    # a second plan with the same code is refused
    response = client_for(staff).post(reverse("console:plan-create"), values)
    assert "Another plan has this code." in " ".join(response.context["form"].errors["code"])


def test_the_stripe_ids_are_never_typed(staff, client_for):
    # given a post that carries Stripe ids along with the plan's values
    client = client_for(staff)
    _edit(client, "collect-25", monthly_price="20.00", stripe_product_id="prod_typed")
    # then they are ignored: only the sync writes them
    assert plan("collect-25").stripe_product_id == ""
    page = client.get(
        reverse("console:plan-edit", kwargs={"plan_id": plan("collect-25").public_id})
    ).content.decode()
    assert 'name="stripe_product_id"' not in page
    assert "Sync with Stripe" in page


def test_sync_without_stripe_says_so_and_records_nothing(staff, client_for, settings):
    settings.STRIPE_SECRET_KEY = ""
    client = client_for(staff)
    url = reverse("console:plan-sync", kwargs={"plan_id": plan("collect-70").public_id})
    response = client.post(url, follow=True)
    assert "Subscribing is not configured on this OkiOki yet." in response.content.decode()
    assert plan("collect-70").stripe_product_id == ""
    assert not ConsoleChange.objects.exists()


def test_sync_records_the_stripe_ids_before_and_after(staff, client_for, stripe_fake):
    # given a plan whose base price id is stale, and Stripe (faked at its HTTP boundary)
    Plan.objects.filter(code="collect-70").update(stripe_base_price_id="price_old")
    url = reverse("console:plan-sync", kwargs={"plan_id": plan("collect-70").public_id})
    response = client_for(staff).post(url, follow=True)
    assert "The plan Collect 70 is synced with Stripe." in response.content.decode()
    synced = plan("collect-70")
    assert synced.stripe_metered_price_id in response.content.decode()  # shown, read-only
    assert synced.stripe_product_id.startswith("prod_")
    change = ConsoleChange.objects.get()
    assert change.action == "plan.sync"
    assert change.data["before"]["stripe_base_price_id"] == "price_old"
    assert change.data["after"] == {
        "stripe_product_id": synced.stripe_product_id,
        "stripe_base_price_id": synced.stripe_base_price_id,
        "stripe_metered_price_id": synced.stripe_metered_price_id,
    }


def test_the_plans_page_lists_every_plan_with_its_companies(staff, client_for, company):
    Plan.objects.filter(code="collect-200").update(is_active=False)
    page = client_for(staff).get(reverse("console:plan-list")).content.decode()
    for name in ("Start", "Collect 25", "Collect 70", "Collect 200"):
        assert name in page
    assert "not offered" in page
    assert "not in Stripe" in page


# --- overrides -----------------------------------------------------------------------------


def _effective(company) -> str:
    """The code of the plan whose rights ``company`` has now."""
    with company_scope(company):
        return entitlements.effective_plan(company).code


def _give(client, company, code="collect-200", *, reason="Partner of OkiOki", days=30):
    ends_on = timezone.localdate() + datetime.timedelta(days=days)
    return client.post(
        reverse("console:override-create", kwargs={"company_public_id": company.public_id}),
        {"plan": plan(code).pk, "reason": reason, "ends_on": ends_on.isoformat()},
    )


def test_an_override_counts_at_once_and_ends_early(staff, client_for, company):
    client = client_for(staff)
    assert _effective(company) == "start"
    # when staff give the company Collect 200 for a month
    response = _give(client, company)
    assert response.status_code == 302
    # then it has Collect 200's rights at once
    assert _effective(company) == "collect-200"
    with company_scope(company):
        assert entitlements.allowed(company, "mailboxes") == 3
        assert entitlements.collection_allowed(company)
    # and the company's page says so, with the reason
    detail = reverse("console:company-detail", kwargs={"company_public_id": company.public_id})
    page = client.get(detail).content.decode()
    assert "Partner of OkiOki" in page
    assert "by a staff override" in page
    given = ConsoleChange.objects.get()
    assert (given.action, given.actor, given.about) == ("override.create", staff, company)
    assert given.data["after"]["plan"] == "collect-200"
    assert given.data["after"]["reason"] == "Partner of OkiOki"

    # when staff end it early
    with all_companies():
        running = PlanOverride.objects.get()
    end = reverse("console:override-end", kwargs={"override_id": running.public_id})
    response = client.post(end)
    assert response.status_code == 302
    # then the company is back on its own plan at once, and that is recorded
    assert _effective(company) == "start"
    ended = ConsoleChange.objects.get(action="override.end")
    assert ended.about == company
    assert ended.data["before"]["ended_at"] is None
    assert ended.data["after"]["ended_at"] is not None
    page = client.get(detail).content.decode()
    assert "ended early on" in page
    # ending it again is refused, and recorded once only
    response = client.post(end, follow=True)
    assert "This override has ended already." in response.content.decode()
    assert ConsoleChange.objects.filter(action="override.end").count() == 1


def test_an_override_ends_by_itself_after_its_end_date(staff, client_for, company):
    _give(client_for(staff), company, days=3)
    assert _effective(company) == "collect-200"
    with time_machine.travel(timezone.now() + datetime.timedelta(days=4)):
        assert _effective(company) == "start"


@pytest.mark.parametrize(
    ("reason", "days", "field", "error"),
    [
        ("", 30, "reason", "This field is required"),
        ("   ", 30, "reason", "This field is required"),
        ("Trial", 0, "ends_on", "must be in the future"),
        ("Trial", -5, "ends_on", "must be in the future"),
    ],
)
def test_an_override_needs_a_reason_and_a_future_end(
    reason, days, field, error, staff, client_for, company
):
    response = _give(client_for(staff), company, reason=reason, days=days)
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    with all_companies():
        assert not PlanOverride.objects.exists()
    assert not ConsoleChange.objects.exists()


def test_one_override_runs_at_a_time(staff, client_for, company):
    client = client_for(staff)
    _give(client, company)
    response = _give(client, company, "collect-25")
    assert "An override runs already (Collect 200" in str(response.context["form"].errors)
    with all_companies():
        assert PlanOverride.objects.count() == 1


# --- companies -----------------------------------------------------------------------------


def _usage(company, documents, month=None):
    with company_scope(company):
        DocumentUsage.objects.create(
            company=company, month=month or usage_month(), documents=documents
        )


def _many_companies(count: int) -> None:
    for n in range(count):
        company = factories.CompanyFactory(name=f"Bulk {n:04d} BV")
        _usage(company, n)
        if n % 2:
            subscription(
                company,
                last_payment_at=timezone.now(),
                last_payment_amount=Decimal("35.00"),
            )
        if n % 5 == 0:
            override(company, "collect-70")


def test_the_companies_list_is_one_query_for_its_page(
    staff, client_for, django_assert_max_num_queries
):
    client = client_for(staff)
    url = reverse("console:company-list")
    _many_companies(10)
    client.get(url)  # the session and the user, warmed as on any later page
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    # when there are many more companies (and the page is full)
    _many_companies(70)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(url)
    # then they cost no query more: the session, the user, the staff's authenticator, the
    # plans of the filter, the header's company switcher (three), and the page's rows with
    # their plan, subscription, override and usage in one query
    assert len(many.captured_queries) <= 8
    assert response.status_code == 200
    assert len(response.context["companies"]) == 50
    assert response.context["pager"].has_next
    listing = [
        query["sql"]
        for query in many.captured_queries
        if 'FROM "companies_company"' in query["sql"]
    ]
    assert len(listing) == 1, listing


def test_the_companies_list_shows_plan_status_usage_and_last_payment(staff, client_for, company):
    _usage(company, 12)
    subscription(
        company,
        plan=plan("collect-25"),
        last_payment_at=timezone.now(),
        last_payment_amount=Decimal("19.00"),
    )
    override(company, "collect-70")
    response = client_for(staff).get(reverse("console:company-list"))
    row = next(c for c in response.context["companies"] if c.pk == company.pk)
    assert (row.usage_this_month, row.override_plan) == (12, "Collect 70")
    assert row.subscription.status == Subscription.Status.ACTIVE
    page = response.content.decode()
    assert "override: Collect 70" in page
    assert "€19.00" in page


def test_the_companies_list_finds_by_name_number_plan_and_status(
    staff, client_for, company, other_company
):
    client = client_for(staff)
    subscription(other_company, status=Subscription.Status.PAST_DUE)
    url = reverse("console:company-list")

    def found(**query):
        return [c.name for c in client.get(url, query).context["companies"]]

    assert found(q="bakkerij") == ["Bakkerij Test BV"]
    number = company.enterprise_number_display  # typed with its dots
    assert found(q=number) == ["Bakkerij Test BV"]
    assert found(status="past_due") == ["Other Company NV"]
    assert found(status="none") == ["Bakkerij Test BV"]  # never subscribed
    assert found(plan="collect-70") == []
    assert found(q="nobody by this name") == []
    assert "No company matches this search." in client.get(url, {"q": "zzz"}).content.decode()


def test_the_company_page_shows_its_billing(staff, client_for, company):
    last_month = (usage_month() - datetime.timedelta(days=1)).replace(day=1)
    _usage(company, 30)
    _usage(company, 64, last_month)
    Plan.objects.filter(pk=company.plan_id)  # Start: collects nothing by itself
    company.plan = plan("collect-25")
    company.save(update_fields=["plan"])
    failed = timezone.now() - datetime.timedelta(days=2)
    subscription(
        company,
        status=Subscription.Status.PAST_DUE,
        last_payment_at=failed - datetime.timedelta(days=30),
        last_payment_amount=Decimal("19.00"),
        payment_failed_at=failed,
        grace_until=failed + datetime.timedelta(days=7),
    )
    response = client_for(staff).get(
        reverse("console:company-detail", kwargs={"company_public_id": company.public_id})
    )
    page = response.content.decode()
    billing = response.context["billing"]
    assert (billing.usage.documents, billing.usage.limit, billing.usage.extra) == (30, 25, 5)
    assert [usage.documents for usage in billing.past_usage] == [64]
    assert "30 of 25 documents" in page
    assert "5 extra, €2.50 so far" in page
    assert "payment overdue" in page
    assert "A payment failed on" in page
    assert "€19.00" in page
    assert billing.effective_plan.code == "collect-25"  # still within the grace period


def test_an_unknown_company_is_a_404(staff, client_for):
    url = reverse(
        "console:company-detail",
        kwargs={"company_public_id": "00000000-0000-4000-8000-000000000000"},
    )
    assert client_for(staff).get(url).status_code == 404


# --- failed payments and changes -----------------------------------------------------------


def test_failed_payments_lists_the_companies_behind_with_their_grace(
    staff, client_for, company, other_company
):
    now = timezone.now()
    subscription(
        company,
        status=Subscription.Status.PAST_DUE,
        payment_failed_at=now - datetime.timedelta(days=10),
        grace_until=now - datetime.timedelta(days=3),
    )
    subscription(other_company)  # paid up
    response = client_for(staff).get(reverse("console:failed-payment-list"))
    rows = response.context["subscriptions"]
    assert [row.company for row in rows] == [company]
    assert rows[0].is_grace_over
    assert "over: collection paused" in response.content.decode()
    assert _effective(company) == "start"


def test_the_changes_page_lists_every_change_with_its_values(staff, client_for, company):
    client = client_for(staff)
    _edit(client, "collect-25", monthly_price="21.00")
    _give(client, company)
    response = client.get(reverse("console:change-list"))
    page = response.content.decode()
    assert [item["change"].action for item in response.context["changes"]] == [
        "override.create",
        "plan.update",
    ]
    assert "Plan changed" in page
    assert "Override given" in page
    assert "19.00" in page  # before
    assert "21.00" in page  # and after
    assert staff.email in page
    only = client.get(reverse("console:change-list"), {"action": "plan.update"})
    assert [item["change"].action for item in only.context["changes"]] == ["plan.update"]


# --- landing and navigation ----------------------------------------------------------------


def test_staff_land_on_the_console_after_sign_in(db, settings):
    settings.STAFF_REQUIRE_2FA = True
    user = factories.UserFactory(is_staff=True)
    secret = factories.totp_enable(user)
    client = Client()
    client.post(reverse("account_login"), {"login": user.email, "password": factories.PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": factories.totp_code(secret)})
    assert response["Location"] == reverse("console:home")
    page = client.get(response["Location"]).content.decode()
    assert "Platform console" in page


def test_others_land_where_they_did(owner):
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": owner.email, "password": factories.PASSWORD}
    )
    assert response["Location"] == reverse("companies:home")


def test_a_next_address_still_wins_for_staff(db, settings):
    settings.STAFF_REQUIRE_2FA = False
    user = factories.UserFactory(is_staff=True)
    response = Client().post(
        reverse("account_login") + "?next=/admin/",
        {"login": user.email, "password": factories.PASSWORD},
    )
    assert response["Location"] == "/admin/"


def test_the_header_shows_the_console_to_staff_only(staff, owner, company, client_for):
    console = reverse("console:home")
    dashboard = reverse("companies:dashboard", kwargs={"company_id": company.public_id})
    assert f'href="{console}"' in client_for(staff).get(reverse("console:home")).content.decode()
    assert f'href="{console}"' not in client_for(owner).get(dashboard).content.decode()
