"""The plan page, the ways to Stripe Checkout and the customer portal, and OkiOki's invoices
(Stripe faked at its HTTP boundary: tests/fakes/stripe/): who may see and do what, and
what the page says."""

import pytest
from django.urls import reverse

from apps.billing.models import BillingInvoice, DocumentUsage, Plan, Subscription
from apps.billing.services import usage_month, usage_record
from apps.billing.subscriptions import customer_ensure
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from tests import factories
from tests.access import cases, check_access

SEE = [302, 404, 404, 200, 200, 200]
MANAGE = [302, 404, 404, 403, 403, 302]
MATRIX = [
    ("plan", "get", SEE),
    ("checkout", "post", MANAGE),
    ("portal", "post", MANAGE),
    ("invoice-pdf", "get", SEE),
    ("invoice-ubl", "get", SEE),
]


def own_invoice(company, number: str = "OKI-2027-0001") -> BillingInvoice:
    return factories.BillingInvoiceFactory(company=company, number=number)


def _snapshot():
    return (
        sorted(Subscription.objects.values_list("company_id", "stripe_customer_id", "status")),
        sorted(Company.objects.values_list("pk", "plan__code")),
        sorted(BillingInvoice.objects.values_list("number", "paid_at")),
    )


@pytest.mark.parametrize(("view", "method", "role", "expected"), cases(MATRIX))
def test_access_matrix(view, method, role, expected, request, company, stripe_fake, synced_plans):
    kwargs = {"company_id": company.public_id}
    data: dict[str, str] = {}
    wrote = None
    if view == "checkout":
        data = {"plan": "collect-70"}
        wrote = lambda: Subscription.objects.exclude(stripe_customer_id="").exists()  # noqa: E731
    elif view == "portal":
        with company_scope(company):
            customer_ensure(company=company)
    elif view.startswith("invoice-"):
        kwargs["billing_invoice_id"] = own_invoice(company).public_id
    url = reverse(f"billing:{view}", kwargs=kwargs)
    response = check_access(
        request, role, method, url, data, expected=expected, unchanged=_snapshot, wrote=wrote
    )
    if role == "owner" and view in ("checkout", "portal"):
        path = "/checkout/" if view == "checkout" else "/portal/"
        assert response["Location"].startswith(stripe_fake.base_url + path)


def test_another_companys_invoice_is_not_found(company, other_company, owner, client_for):
    # given an invoice of each company
    mine, theirs = own_invoice(company, "OKI-1"), own_invoice(other_company, "OKI-2")
    client = client_for(owner)
    # then the other company's invoice is missing, under my company or theirs
    for company_id, invoice in ((company, theirs), (other_company, theirs), (other_company, mine)):
        for kind in ("pdf", "ubl"):
            url = reverse(
                f"billing:invoice-{kind}",
                args=[company_id.public_id, invoice.public_id],
            )
            assert client.get(url).status_code == 404
    # and mine downloads
    url = reverse("billing:invoice-ubl", args=[company.public_id, mine.public_id])
    answer = client.get(url)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == b"<Invoice/>"
    assert "OkiOki-OKI-1.xml" in answer["Content-Disposition"]


def test_without_stripe_the_page_says_subscribing_is_not_configured(
    company, owner, client_for, settings
):
    settings.STRIPE_SECRET_KEY = ""
    page = client_for(owner).get(reverse("billing:plan", args=[company.public_id]))
    text = page.content.decode()
    assert 'id="billing-not-configured"' in text
    assert 'id="subscribe-' not in text
    assert "form-action 'self';" in page["Content-Security-Policy"] + ";"


def test_the_owner_sees_the_plans_to_subscribe_to_and_stripes_origin_is_allowed(
    company, owner, member, client_for, stripe_fake, synced_plans
):
    url = reverse("billing:plan", args=[company.public_id])
    page = client_for(owner).get(url)
    text = page.content.decode()
    for code in ("start", "collect-25", "collect-70", "collect-200"):
        assert f'id="subscribe-{code}"' in text
    assert stripe_fake.base_url in page["Content-Security-Policy"]
    assert 'id="stripe-standin"' not in text
    # a member sees the plans, without the buttons
    text = client_for(member).get(url).content.decode()
    assert 'id="plan-collect-70"' in text
    assert 'id="subscribe-' not in text
    assert "owners choose its plan." in text


def test_the_stand_in_is_labelled(company, owner, client_for, stripe_fake, settings):
    settings.STRIPE_STANDIN = True
    page = client_for(owner).get(reverse("billing:plan", args=[company.public_id]))
    assert 'id="stripe-standin"' in page.content.decode()


def test_the_plan_page_shows_plan_status_next_invoice_usage_and_invoices(
    company, owner, client_for, stripe_fake, subscribe, django_assert_max_num_queries
):
    # given a company subscribed to Collect 70 that collected 75 documents this month
    subscribe(company, "collect-70")
    with company_scope(company):
        usage_record(company=company, documents=75)
    url = reverse("billing:plan", args=[company.public_id])
    client = client_for(owner)

    # when its owner opens the plan page
    with django_assert_max_num_queries(30):
        page = client.get(url)

    # then it shows the plan, the subscription, the next invoice, usage and the invoice
    text = page.content.decode()
    assert '<strong id="plan-name">Collect 70</strong>' in text
    assert "active" in text
    assert 'id="next-invoice"' in text
    assert "€36.50" in text  # €35 and 5 extra documents at €0.30, excl. VAT
    assert "75 of 70 documents collected this month" in text
    assert "5 extra, €1.50 so far" in text
    assert 'id="manage-billing"' in text
    assert 'id="subscribe-' not in text
    invoice = BillingInvoice.objects.unscoped().get(company=company)
    assert reverse("billing:invoice-pdf", args=[company.public_id, invoice.public_id]) in text


def test_back_from_checkout_the_owner_sees_the_plan_at_once(
    company, owner, client_for, stripe_fake, synced_plans, legal_invoices
):
    # given an owner who paid on the Checkout page (the webhooks not arrived yet)
    stripe_fake.deliver_to = lambda body, headers: 0
    client = client_for(owner)
    answer = client.post(
        reverse("billing:checkout", args=[company.public_id]), {"plan": "collect-25"}
    )
    session_id = answer["Location"].rsplit("/", 1)[1]
    session = stripe_fake.checkout_complete(session_id)

    # when the browser comes back to the success address
    success = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
    page = client.get(success.removeprefix("http://testserver"), follow=True)

    # then the page says so and shows the plan
    text = page.content.decode()
    assert "Thank you: your subscription is active." in text
    assert '<strong id="plan-name">Collect 25</strong>' in text


def test_a_cancelled_checkout_changes_nothing(company, owner, client_for, stripe_fake):
    client = client_for(owner)
    url = reverse("billing:plan", args=[company.public_id])
    page = client.get(url + "?checkout=cancelled", follow=True)
    assert "Nothing was changed" in page.content.decode()
    assert Company.objects.get(pk=company.pk).plan.code == "start"


def test_the_plan_page_is_translated(company, owner, client_for, stripe_fake, synced_plans):
    client = client_for(owner)
    url = reverse("billing:plan", args=[company.public_id])
    client.post(reverse("accounts:set-language"), {"language": "nl", "next": url})
    text = client.get(url).content.decode()
    assert "Abonnement en facturatie" in text or "Plan en facturatie" in text
    assert "Alles van Start" in text  # a seeded plan's description, in Dutch


def test_an_unknown_plan_cannot_be_subscribed_to(company, owner, client_for, stripe_fake):
    answer = client_for(owner).post(
        reverse("billing:checkout", args=[company.public_id]), {"plan": "gold"}
    )
    assert answer.status_code == 404


def test_a_plan_without_stripe_prices_says_it_cannot_be_subscribed_to_yet(
    company, owner, client_for, stripe_fake
):
    Plan.objects.update(stripe_base_price_id="")
    answer = client_for(owner).post(
        reverse("billing:checkout", args=[company.public_id]), {"plan": "collect-70"}, follow=True
    )
    assert "This plan cannot be subscribed to yet." in answer.content.decode()
    assert not DocumentUsage.objects.unscoped().filter(month=usage_month()).exists()
