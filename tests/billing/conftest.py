"""Stripe faked at its HTTP boundary: the official stripe-python client talks to a loopback
stand-in (tests/fakes/stripe/) that answers in Stripe's documented shapes, checks API
versions and idempotency keys, and sends webhooks signed with Stripe's own signing code to
our endpoint (through Django's test client here; over HTTP in the browser tests)."""

import datetime
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.billing import hooks
from apps.billing.models import BillingInvoice, Plan
from apps.billing.plan_sync import plan_stripe_sync
from apps.billing.subscriptions import checkout_start
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from tests import factories
from tests.fakes.stripe import FakeStripe, Server, configure


def webhook_post(body: bytes, headers: dict[str, str]) -> int:
    """One webhook call to our endpoint, as Stripe makes it (no session, no CSRF token; a
    failure is a 500 for Stripe to retry, not an exception here)."""
    response = Client(raise_request_exception=False).post(
        reverse("billing:stripe-webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=headers.get("Stripe-Signature", ""),
    )
    return response.status_code


@pytest.fixture
def stripe_fake(settings) -> Iterator[FakeStripe]:
    """The Stripe stand-in on a free loopback port, as the settings' Stripe; its webhooks go
    to our endpoint in this thread."""
    fake = FakeStripe(deliver_to=webhook_post)
    server = Server(fake).start()
    configure(settings, server)
    settings.SITE_URL = "http://testserver"
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
def synced_plans(stripe_fake, db) -> dict[str, Plan]:
    """Every plan's product and prices in the fake (the console's "sync with Stripe")."""
    return {plan.code: plan_stripe_sync(plan=plan) for plan in Plan.objects.all()}


class LegalInvoices:
    """A stand-in for the platform's sales engine behind ``hooks.legal_invoice_issuer``: one
    ``BillingInvoice`` per Stripe invoice, with a PDF and a UBL file."""

    def __init__(self) -> None:
        self.issued: list[dict[str, Any]] = []
        self.paid: list[str] = []

    def issue(self, company: Company, invoice: dict[str, Any]) -> BillingInvoice:
        self.issued.append(invoice)
        own, created = BillingInvoice.objects.get_or_create(
            company=company,
            stripe_invoice_id=invoice["id"],
            defaults={
                "number": f"OKI-{invoice['number']}",
                "issued_on": timezone.localdate(),
                "total": Decimal(invoice["total"]) / 100,
                "period_start": datetime.date.fromtimestamp(invoice["period_start"]),
                "period_end": datetime.date.fromtimestamp(invoice["period_end"]),
            },
        )
        if created:
            own.pdf.save("invoice.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
            own.xml.save("invoice.xml", ContentFile(b"<Invoice/>"), save=False)
            own.save()
        return own

    def mark_paid(self, own: BillingInvoice) -> None:
        self.paid.append(own.stripe_invoice_id)
        BillingInvoice.objects.filter(pk=own.pk).update(paid_at=timezone.now())


@pytest.fixture
def legal_invoices(monkeypatch) -> LegalInvoices:
    issuer = LegalInvoices()
    monkeypatch.setattr(hooks, "_issuer", issuer.issue)
    monkeypatch.setattr(hooks, "_paid", issuer.mark_paid)
    return issuer


@pytest.fixture
def signed_event(stripe_fake) -> Callable[..., bytes]:
    """An event's body as Stripe would send it (``fake.signed(body)`` gives its headers)."""

    def make(kind: str, data: dict[str, Any], *, created: int | None = None) -> bytes:
        import json

        return json.dumps(stripe_fake.event(kind, data, created=created)).encode()

    return make


@pytest.fixture
def subscribe(stripe_fake, synced_plans, legal_invoices) -> Callable[[Company, str], dict]:
    """A company subscribes through Checkout and pays on the fake's page (its webhooks
    processed): returns the fake's subscription."""

    def run(company: Company, code: str) -> dict[str, Any]:
        with company_scope(company):
            url = checkout_start(company=company, plan=synced_plans[code])
        session_id = url.rsplit("/", 1)[1]
        stripe_fake.checkout_complete(session_id)
        return stripe_fake.subscriptions[stripe_fake.sessions[session_id]["subscription"]]

    return run


@pytest.fixture
def staff(db: None, settings: Any) -> User:
    """A platform admin with an authenticator app, where staff must have one."""
    settings.STAFF_REQUIRE_2FA = True
    user = factories.UserFactory(is_staff=True, email="staff@okioki.be")
    factories.totp_enable(user)
    return user
