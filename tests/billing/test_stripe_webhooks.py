"""Stripe's webhooks (Stripe faked at its HTTP boundary: tests/fakes/stripe/ signs its
events with stripe-python's own signing code and answers the objects read back): verified,
processed once, in any order; subscribing, plan changes and cancelling move the company's
plan; a failed payment gives a grace period, then Start's rights, until it is paid."""

import copy
import datetime
import json
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.billing import hooks
from apps.billing.entitlements import collection_allowed, effective_plan, payment_overdue
from apps.billing.models import BillingInvoice, Plan, StripeEvent, Subscription
from apps.billing.subscriptions import checkout_return, checkout_start
from apps.billing.tasks import billing_fallback_sweep
from apps.billing.usage_reports import month_end
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from tests import factories
from tests.billing.conftest import webhook_post
from tests.conftest import require_postgres

pytestmark = pytest.mark.django_db


def mirror(company) -> Subscription:
    return Subscription.objects.unscoped().get(company=company)


def rights(company) -> tuple[bool, str, bool]:
    """Overdue?, the plan whose rights it has, may OkiOki collect for it?"""
    company.refresh_from_db()
    with company_scope(company):
        return payment_overdue(company), effective_plan(company).code, collection_allowed(company)


def plan_of(company) -> str:
    return Company.objects.get(pk=company.pk).plan.code


def send(fake, kind: str, data: dict, *, created: int | None = None) -> tuple[int, bytes]:
    body = json.dumps(fake.event(kind, data, created=created)).encode()
    return webhook_post(body, fake.signed(body)), body


def test_subscribing_moves_the_company_to_the_plan_paid_for(
    stripe_fake, subscribe, company, owner, legal_invoices
):
    # given a company on Start
    assert plan_of(company) == "start"

    # when it subscribes to Collect 70 through Checkout and pays
    subscription = subscribe(company, "collect-70")

    # then the four webhooks were processed, in Stripe's order
    assert [(d["type"], d["status"]) for d in stripe_fake.deliveries] == [
        ("checkout.session.completed", 200),
        ("customer.subscription.created", 200),
        ("invoice.finalized", 200),
        ("invoice.paid", 200),
    ]
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == 4
    # and the mirror and the company's plan follow
    found = mirror(company)
    assert found.stripe_subscription_id == subscription["id"]
    assert (found.status, found.plan.code) == ("active", "collect-70")
    assert plan_of(company) == "collect-70"
    assert found.current_period_end == month_end(timezone.localdate().replace(day=1))
    assert found.next_invoice_at == found.current_period_end
    assert found.next_invoice_amount == 35
    assert found.last_payment_at is not None
    assert found.last_payment_amount > 0
    # and OkiOki's own invoice was issued once and marked paid
    assert BillingInvoice.objects.unscoped().filter(company=company).count() == 1
    assert legal_invoices.paid == [subscription["latest_invoice"]]


def test_checkout_asks_for_the_vat_id_address_and_tax_and_anchors_to_the_first(
    stripe_fake, synced_plans, company, owner
):
    # given a company subscribing to Collect 70
    plan = synced_plans["collect-70"]
    with company_scope(company):
        url = checkout_start(company=company, plan=plan, email=owner.email)

    # then the Checkout session is the subscription with both prices
    session = stripe_fake.sessions[url.rsplit("/", 1)[1]]
    assert url == session["url"]
    assert url.startswith(stripe_fake.base_url + "/checkout/")
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == str(company.public_id)
    assert session["automatic_tax"]["enabled"] is True
    assert session["tax_id_collection"]["enabled"] is True
    assert session["billing_address_collection"] == "required"
    plan_page = "http://testserver" + reverse("billing:plan", args=[company.public_id])
    assert session["success_url"] == plan_page + "?checkout=done&session={CHECKOUT_SESSION_ID}"
    assert session["cancel_url"] == plan_page + "?checkout=cancelled"
    items = stripe_fake.session_items[session["id"]]
    assert [(i["price"], i.get("quantity")) for i in items] == [
        (plan.stripe_base_price_id, "1"),
        (plan.stripe_metered_price_id, None),
    ]
    anchor = int(items[0]["subscription_data"]["billing_cycle_anchor"])
    assert anchor == int(month_end(timezone.localdate().replace(day=1)).timestamp())
    # and the customer carries the company
    customer = stripe_fake.customers[session["customer"]]
    assert customer["metadata"] == {"company_id": str(company.public_id)}
    assert customer["name"] == company.name


def test_checkout_creates_the_customer_once(stripe_fake, synced_plans, company):
    # given a company that opened Checkout twice (and went back the first time)
    with company_scope(company):
        checkout_start(company=company, plan=synced_plans["collect-25"])
        checkout_start(company=company, plan=synced_plans["collect-70"])
    # then it has one Stripe customer, made by one call
    assert len(stripe_fake.customers) == 1
    assert stripe_fake.requests["POST /v1/customers"] == 1
    assert mirror(company).stripe_customer_id in stripe_fake.customers


def test_back_from_checkout_the_subscription_shows_before_its_webhooks(
    stripe_fake, synced_plans, company, legal_invoices
):
    # given webhooks that are late (not delivered yet)
    stripe_fake.deliver_to = lambda body, headers: 0
    with company_scope(company):
        url = checkout_start(company=company, plan=synced_plans["collect-70"])
    session = stripe_fake.checkout_complete(url.rsplit("/", 1)[1])
    # when the owner comes back to the plan page
    with company_scope(company):
        assert checkout_return(company=company, session_id=session["id"])
    # then the subscription is mirrored and the plan is Collect 70
    assert (mirror(company).status, plan_of(company)) == ("active", "collect-70")


def test_a_bad_signature_is_refused_and_changes_nothing(stripe_fake, subscribe, company):
    # given a subscribed company, and an event saying its subscription ended
    subscription = subscribe(company, "collect-70")
    before = StripeEvent.objects.count()
    ended = {**subscription, "status": "canceled"}
    event = stripe_fake.event("customer.subscription.deleted", ended)
    body = json.dumps(event).encode()

    # when the event comes signed with another secret, stale, unsigned or altered
    stale = stripe_fake.signed(body, timestamp=int(timezone.now().timestamp()) - 400)
    altered = body.replace(b'"collect-70"', b'"collect-200"')
    assert webhook_post(body, stripe_fake.signed(body, secret="whsec_someone_else")) == 400
    assert webhook_post(body, stale) == 400
    assert webhook_post(body, {}) == 400
    assert webhook_post(altered, stripe_fake.signed(body)) == 400

    # then nothing was recorded or changed
    assert StripeEvent.objects.count() == before
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()
    assert (mirror(company).status, plan_of(company)) == ("active", "collect-70")


def test_the_webhook_needs_no_sign_in_only_a_valid_signature(client, stripe_fake, settings):
    # given an event of a customer we don't know, properly signed
    body = json.dumps(stripe_fake.event("invoice.paid", {"id": "in_x", "customer": "cus_x"}))
    url = reverse("billing:stripe-webhook")
    # when Stripe posts it without any session or CSRF token
    answer = client.post(
        url,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=stripe_fake.signed(body.encode())["Stripe-Signature"],
    )
    # then it is received (and ignored: no company of ours)
    assert answer.status_code == 200
    assert answer.json() == {"received": True, "outcome": "ignored"}
    assert client.get(url).status_code == 405
    # and without Stripe configured there is no webhook at all
    settings.STRIPE_SECRET_KEY = ""
    assert client.post(url, body, content_type="application/json").status_code == 404


def test_a_duplicated_event_is_processed_once(
    stripe_fake, subscribe, company, owner, django_capture_on_commit_callbacks
):
    # given a subscribed company whose bank wants a payment confirmed
    subscription = subscribe(company, "collect-70")
    invoice = stripe_fake.invoice_period(subscription["id"], pay=False)
    event = stripe_fake.event("invoice.payment_action_required", invoice)
    body = json.dumps(event).encode()
    mail.outbox.clear()

    # when Stripe sends the event twice
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_post(body, stripe_fake.signed(body)) == 200
        assert webhook_post(body, stripe_fake.signed(body)) == 200

    # then it was processed once: one e-mail to the owner, with Stripe's page of the invoice
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert invoice["hosted_invoice_url"] in mail.outbox[0].body


def test_an_older_subscription_update_after_a_newer_one_changes_nothing(
    stripe_fake, subscribe, company
):
    # given a company on Collect 25, and the update Stripe made as it subscribed
    subscription = subscribe(company, "collect-25")
    on_collect_25 = copy.deepcopy(stripe_fake.subscriptions[subscription["id"]])
    old_time = int(timezone.now().timestamp()) - 60

    # when it switches to Collect 70 (the newer update arrives first)
    collect_70 = Plan.objects.get(code="collect-70")
    stripe_fake.subscription_switch(subscription["id"], collect_70.stripe_product_id)
    assert plan_of(company) == "collect-70"
    applied = mirror(company).stripe_updated

    # and the older update, still on Collect 25, arrives after it
    status, _body = send(
        stripe_fake, "customer.subscription.updated", on_collect_25, created=old_time
    )

    # then nothing changes
    assert status == 200
    assert plan_of(company) == "collect-70"
    assert mirror(company).plan == collect_70
    assert mirror(company).stripe_updated == applied


def test_a_cancelled_subscription_brings_the_company_back_to_the_default_plan(
    stripe_fake, subscribe, company
):
    subscription = subscribe(company, "collect-70")
    # cancelled at the period's end (the portal's way): still Collect 70 until then
    stripe_fake.subscription_cancel(subscription["id"])
    found = mirror(company)
    assert (found.cancel_at_period_end, found.next_invoice_at) == (True, None)
    assert plan_of(company) == "collect-70"
    # the period ends: Stripe deletes it
    stripe_fake.subscription_cancel(subscription["id"], now=True)
    assert (mirror(company).status, plan_of(company)) == ("canceled", "start")


def test_the_end_of_an_old_subscription_does_not_undo_a_newer_one(stripe_fake, subscribe, company):
    # given a company that cancelled, then subscribed again
    first = subscribe(company, "collect-25")
    stripe_fake.subscription_cancel(first["id"], now=True)
    old_deleted = copy.deepcopy(stripe_fake.subscriptions[first["id"]])
    second = subscribe(company, "collect-70")
    assert mirror(company).stripe_subscription_id == second["id"]
    # when the first one's deletion arrives again (later, by Stripe's clock)
    status, _body = send(stripe_fake, "customer.subscription.deleted", old_deleted)
    # then the new subscription stands
    assert status == 200
    assert mirror(company).stripe_subscription_id == second["id"]
    assert plan_of(company) == "collect-70"


def test_failed_payment_grace_then_start_rights_then_paid_and_everything_resumes(
    stripe_fake, subscribe, company, owner, settings, django_capture_on_commit_callbacks
):
    settings.BILLING_GRACE_DAYS = 14
    start = datetime.datetime(2027, 3, 10, 9, tzinfo=datetime.UTC)
    # given a company on Collect 70 whose next payment fails
    with time_machine.travel(start):
        subscribe(company, "collect-70")
        subscription_id = mirror(company).stripe_subscription_id
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            invoice = stripe_fake.invoice_period(subscription_id, pay=False)
        found = mirror(company)
        assert found.status == "past_due"
        assert found.grace_until == found.payment_failed_at + datetime.timedelta(days=14)
        # the owners are told once, with Stripe's page to pay
        assert [m.to for m in mail.outbox] == [[owner.email]]
        assert invoice["hosted_invoice_url"] in mail.outbox[0].body
        # Stripe's retry fails again: the same streak, no second e-mail
        with django_capture_on_commit_callbacks(execute=True):
            send(stripe_fake, "invoice.payment_failed", stripe_fake.invoices[invoice["id"]])
        assert len(mail.outbox) == 1
        # during the grace period everything goes on
        assert rights(company) == (False, "collect-70", True)

    # when the grace period is over, still unpaid
    with time_machine.travel(start + datetime.timedelta(days=15)):
        # then the company has Start's rights: collection pauses
        assert rights(company) == (True, "start", False)
        # and the morning sweep tells the owners, once
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert billing_fallback_sweep() == 1
            assert billing_fallback_sweep() == 0
        assert [m.to for m in mail.outbox] == [[owner.email]]

        # when the invoice is paid after all
        stripe_fake.invoice_settle(invoice["id"])

        # then everything resumes
        found = mirror(company)
        assert (found.status, found.payment_failed_at, found.grace_until) == ("active", None, None)
        assert rights(company) == (False, "collect-70", True)
        assert found.last_payment_amount * 100 == invoice["total"]


def test_a_failed_event_is_left_for_stripe_to_send_again(
    stripe_fake, subscribe, company, monkeypatch, legal_invoices
):
    # given a subscribed company, and the legal invoice's issuer failing once
    subscription = subscribe(company, "collect-70")

    def broken(company, invoice):
        raise RuntimeError("the platform's numbering is locked")

    monkeypatch.setattr(hooks, "_issuer", broken)
    invoice = stripe_fake.invoice_period(subscription["id"], pay=False)
    event = next(
        e
        for e in stripe_fake.events
        if e["type"] == "invoice.finalized" and e["data"]["object"]["id"] == invoice["id"]
    )
    body = json.dumps(event).encode()
    # then the finalized event failed (500: Stripe sends it again), its error noted
    kept = StripeEvent.objects.get(event_id=event["id"])
    assert kept.processed_at is None
    assert "numbering" in kept.error

    # when Stripe sends it again, the issuer working
    monkeypatch.setattr(hooks, "_issuer", legal_invoices.issue)
    assert webhook_post(body, stripe_fake.signed(body)) == 200

    # then it is processed, once
    kept.refresh_from_db()
    assert kept.processed_at is not None
    assert kept.error == ""
    assert BillingInvoice.objects.unscoped().filter(stripe_invoice_id=invoice["id"]).count() == 1


def test_an_invoice_paid_before_its_finalized_event_is_issued_once(
    stripe_fake, subscribe, company, legal_invoices
):
    # given a period invoiced, whose finalized event is late
    subscription = subscribe(company, "collect-70")
    late: list[tuple[bytes, dict]] = []

    def finalized_later(body: bytes, headers: dict) -> int:
        if b'"invoice.finalized"' in body:
            late.append((body, headers))
            return 0
        return webhook_post(body, headers)

    stripe_fake.deliver_to = finalized_later
    invoice = stripe_fake.invoice_period(subscription["id"])
    # then paid made OkiOki's invoice (and marked it paid); the late finalized adds nothing
    assert BillingInvoice.objects.unscoped().filter(stripe_invoice_id=invoice["id"]).count() == 1
    [(body, headers)] = late
    assert webhook_post(body, headers) == 200
    assert BillingInvoice.objects.unscoped().filter(stripe_invoice_id=invoice["id"]).count() == 1
    assert invoice["id"] in legal_invoices.paid


def test_an_event_of_another_companys_customer_never_touches_this_one(
    stripe_fake, subscribe, company, other_company
):
    # given two subscribed companies
    subscribe(company, "collect-25")
    factories.MembershipFactory(company=other_company, role="owner")
    subscription = subscribe(other_company, "collect-70")
    # when the other one's subscription is cancelled
    stripe_fake.subscription_cancel(subscription["id"], now=True)
    # then only the other company went back to Start
    assert (plan_of(company), plan_of(other_company)) == ("collect-25", "start")


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_event_delivered_twice_at_once_is_processed_once(
    stripe_fake, subscribe, company, owner
):
    require_postgres()
    # given a subscribed company whose bank wants a payment confirmed
    subscription = subscribe(company, "collect-70")
    invoice = stripe_fake.invoice_period(subscription["id"], pay=False)
    body = json.dumps(stripe_fake.event("invoice.payment_action_required", invoice)).encode()
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def deliver() -> None:
        barrier.wait()
        try:
            answers.append(webhook_post(body, stripe_fake.signed(body)))
        finally:
            connection.close()

    # when Stripe's two deliveries of the event arrive at the same moment
    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then both are answered, and the owner is told once
    assert answers == [200, 200]
    assert [m.to for m in mail.outbox] == [[owner.email]]


def test_a_sepa_payment_that_fails_after_checkout_starts_the_grace_period(
    stripe_fake, subscribe, company, owner, django_capture_on_commit_callbacks
):
    # given a company that subscribed with a SEPA debit, whose bank later refuses it
    subscription = subscribe(company, "collect-70")
    session = next(iter(stripe_fake.sessions.values()))
    with stripe_fake.lock:  # the debit's invoice, still open at the bank's refusal
        unpaid = stripe_fake._invoice_new(
            subscription, 0, 1, billing_reason="subscription_create", prorate=False
        )
    failed = {**session, "payment_status": "unpaid", "invoice": unpaid["id"]}
    mail.outbox.clear()

    # when Stripe says the asynchronous payment failed
    with django_capture_on_commit_callbacks(execute=True):
        status, _body = send(stripe_fake, "checkout.session.async_payment_failed", failed)

    # then the grace period starts and the owner is told, with the invoice's page
    assert status == 200
    assert mirror(company).grace_until is not None
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert unpaid["hosted_invoice_url"] in mail.outbox[0].body
