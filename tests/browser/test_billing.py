"""Subscribing in a real browser, Stripe faked at its HTTP boundary: the owner picks Collect
70 on the plan page, pays on the stand-in Checkout page of the fake Stripe (which then sends
its signed webhooks to the live server), comes back to the plan page with the plan, the
subscription and this month's usage, and opens the customer portal. The plan page in Dutch
and French, on a desktop and on a 390 px phone."""

import pytest

from apps.billing import hooks
from apps.billing.models import Plan, Subscription
from apps.billing.plan_sync import plan_stripe_sync
from apps.billing.services import usage_record
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from tests.billing.conftest import LegalInvoices
from tests.browser.conftest import PHONE, choose_language, fits_the_phone, log_in, screenshot
from tests.fakes.stripe import FakeStripe, Server, configure

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def stripe_standin(settings, live_server, monkeypatch):
    fake = FakeStripe(webhook_url=f"{live_server.url}/billing/stripe/webhook/")
    server = Server(fake).start()
    configure(settings, server)
    settings.SITE_URL = live_server.url
    settings.STRIPE_STANDIN = True
    invoices = LegalInvoices()
    monkeypatch.setattr(hooks, "_issuer", invoices.issue)
    monkeypatch.setattr(hooks, "_paid", invoices.mark_paid)
    for plan in Plan.objects.all():
        plan_stripe_sync(plan=plan)
    try:
        yield fake
    finally:
        server.stop()


def test_subscribe_through_checkout_see_plan_and_usage_and_open_the_portal(
    stripe_standin, live_server, browser_page, company, owner
):
    # given a company on Start that collected 12 documents this month
    with company_scope(company):
        usage_record(company=company, documents=12)
    page = browser_page
    log_in(page, live_server, owner)
    plan_page = f"{live_server.url}/c/{company.public_id}/plan/"
    page.goto(plan_page)
    choose_language(page, "nl")
    assert page.locator("#stripe-standin").count() == 1
    screenshot(page, "billing-plan-nl-desktop")

    # when the owner subscribes to Collect 70 and pays on the stand-in Checkout page
    with page.expect_navigation():
        page.click("#subscribe-collect-70")
    assert page.url.startswith(stripe_standin.base_url + "/checkout/")
    assert "no real payment" in page.inner_text("#standin")
    screenshot(page, "billing-checkout-standin")
    with page.expect_navigation(url=plan_page):
        page.click("#pay")

    # then the plan page shows the plan, the subscription and the month's usage
    assert [d["type"] for d in stripe_standin.deliveries] == [
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.finalized",
        "invoice.paid",
    ]
    assert all(d["status"] == 200 for d in stripe_standin.deliveries)
    assert Company.objects.get(pk=company.pk).plan.code == "collect-70"
    assert Subscription.objects.unscoped().get(company=company).status == "active"
    assert page.inner_text("#plan-name") == "Collect 70"
    text = page.inner_text("main")
    assert "12 van 70 documenten" in text
    assert page.locator("#manage-billing").count() == 1
    assert page.locator("#invoices tbody tr").count() == 1
    screenshot(page, "billing-plan-subscribed-nl-desktop")
    page.set_viewport_size(PHONE)
    assert fits_the_phone(page)
    screenshot(page, "billing-plan-subscribed-nl-phone")
    choose_language(page, "fr")
    assert "12 documents collectés sur 70" in page.inner_text("main")
    assert fits_the_phone(page)
    screenshot(page, "billing-plan-subscribed-fr-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "billing-plan-subscribed-fr-desktop")

    # when the owner opens the customer portal
    with page.expect_navigation():
        page.click("#manage-billing")

    # then it is the stand-in portal of this customer's subscription, and it comes back
    assert page.url.startswith(stripe_standin.base_url + "/portal/")
    assert "OkiOki Collect 70" in page.inner_text("#current")
    screenshot(page, "billing-portal-standin")
    with page.expect_navigation(url=plan_page):
        page.click("#return")
    assert page.console_errors == []
