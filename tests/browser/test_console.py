"""The staff console in a real browser: a platform admin signs in with their authenticator
and lands on the console; finds a company, gives it another plan for a partner deal and ends
it; edits a plan tier (a wrong value is refused, then saved) and asks for a Stripe sync
(Stripe is not configured here: the console says so); reads the failed payments and the
change log. Each page on a desktop and on a 390 px phone."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.billing.models import ConsoleChange, Plan, PlanOverride, Subscription
from apps.companies.scoping import all_companies, company_scope
from tests import factories
from tests.browser.conftest import PHONE, fits_the_phone, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1280, "height": 900}


def _both_sizes(page, name: str) -> None:
    """Screenshots of the page as it is, on a desktop and on a phone (nothing sideways)."""
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"console-{name}-desktop")
    page.set_viewport_size(PHONE)
    assert fits_the_phone(page), name
    screenshot(page, f"console-{name}-phone")
    page.set_viewport_size(DESKTOP)


def _companies() -> None:
    """A few customers of the platform: paying, behind on a payment, never subscribed."""
    collect_70 = Plan.objects.get(code="collect-70")
    now = timezone.now()
    paying = factories.CompanyFactory(name="Bakkerij De Zon BV", plan=collect_70)
    behind = factories.CompanyFactory(name="Studio Lumière SRL", plan=collect_70)
    factories.CompanyFactory(name="Brouwerij Hop BV")
    with company_scope(paying):
        Subscription.objects.create(
            company=paying,
            plan=collect_70,
            status=Subscription.Status.ACTIVE,
            last_payment_at=now - datetime.timedelta(days=3),
            last_payment_amount=Decimal("35.00"),
        )
    with company_scope(behind):
        Subscription.objects.create(
            company=behind,
            plan=collect_70,
            status=Subscription.Status.PAST_DUE,
            last_payment_at=now - datetime.timedelta(days=40),
            last_payment_amount=Decimal("35.00"),
            payment_failed_at=now - datetime.timedelta(days=9),
            grace_until=now - datetime.timedelta(days=2),
        )


def test_staff_run_the_console(live_server, browser_page, settings):
    settings.STAFF_REQUIRE_2FA = True
    settings.STRIPE_SECRET_KEY = ""
    staff = factories.UserFactory(is_staff=True, email="admin@okioki.be")
    secret = factories.totp_enable(staff)
    _companies()
    page = browser_page

    # sign in with the password and the authenticator's code: the console opens
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", staff.email)
    page.fill("input[name=password]", factories.PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.fill("input[name=code]", factories.totp_code(secret))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/console/")
    assert page.locator("h1").inner_text() == "Platform console"
    assert page.locator("a.console-link[aria-current=page]").inner_text() == "Console"
    _both_sizes(page, "1-overview")

    # the companies, searched
    page.click(".console-tabs >> text=Companies")
    page.wait_for_url(re.compile(r"/console/companies/$"))
    assert page.locator(".console-companies tbody tr").count() == 3
    _both_sizes(page, "2-companies")
    page.fill("input[name=q]", "lumière")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    rows = page.locator(".console-companies tbody tr")
    assert rows.count() == 1
    assert "payment failed" in rows.first.inner_text()

    # a company's page, and a plan given for a partner deal
    page.goto(f"{live_server.url}/console/companies/?q=zon")
    with page.expect_navigation():
        page.click(".console-companies >> text=Bakkerij De Zon BV")
    assert "35.00" in page.locator(".console-subscription").inner_text()
    page.click("summary:has-text('Give another plan')")
    page.select_option("select[name=plan]", label="Collect 200")
    page.fill("input[name=reason]", "Partner: accountant's own file")
    ends_on = timezone.localdate() + datetime.timedelta(days=60)
    page.fill("input[name=ends_on]", ends_on.isoformat())
    with page.expect_navigation():
        page.click("form >> text=Give the plan")
    assert "has Collect 200 until" in page.locator(".messages").inner_text()
    assert "Collect 200" in page.locator(".console-plan").inner_text()
    assert "by a staff override" in page.locator(".console-plan").inner_text()
    _both_sizes(page, "3-company-override")
    with page.expect_navigation():
        page.click("button:has-text('End now')")
    assert "has its own plan again" in page.locator(".messages").inner_text()
    with all_companies():
        assert PlanOverride.objects.get().ended_at is not None

    # a plan tier: a wrong value refused, then a new price saved; a sync asked for
    page.click(".console-tabs >> text=Plans")
    _both_sizes(page, "4-plans")
    with page.expect_navigation():
        page.click(".console-plans >> text=Collect 70")
    page.fill("input[name=extra_document_price]", "")
    with page.expect_navigation():
        page.click("form.plan-form button[type=submit]")
    assert "needs a price per extra document" in page.locator(".field-error").inner_text()
    _both_sizes(page, "5-plan-invalid")
    page.fill("input[name=extra_document_price]", "0.30")
    page.fill("input[name=monthly_price]", "39.00")
    with page.expect_navigation():
        page.click("form.plan-form button[type=submit]")
    assert "The plan Collect 70 is saved." in page.locator(".messages").inner_text()
    with page.expect_navigation():
        page.click("button:has-text('Sync with Stripe')")
    assert (
        "Subscribing is not configured on this OkiOki yet."
        in page.locator(".messages").inner_text()
    )
    assert Plan.objects.get(code="collect-70").monthly_price == Decimal("39.00")
    _both_sizes(page, "6-plan-saved")

    # the failed payments, and every change with its values
    page.click(".console-tabs >> text=Failed payments")
    assert "Studio Lumière SRL" in page.locator(".console-failed-payments").inner_text()
    assert "over: collection paused" in page.locator(".console-failed-payments").inner_text()
    _both_sizes(page, "7-failed-payments")
    page.click(".console-tabs >> text=Changes")
    changes = page.locator(".console-changes > li")
    assert changes.count() == 3  # the plan's edit, the override given and ended
    assert "39.00" in changes.first.inner_text()
    _both_sizes(page, "8-changes")
    assert ConsoleChange.objects.count() == 3
    assert page.console_errors == []
