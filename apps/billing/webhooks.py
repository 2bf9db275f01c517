"""Stripe's webhook events, each processed once.

The view has verified the signature (``clients.stripe.event_verify``) before this runs. An
event id is processed once: its ``StripeEvent`` row is inserted (or locked, when Stripe sends
it again) in the same transaction as its effect, so a duplicate waits for the first and then
finds it done, and an effect that fails leaves the event unprocessed (the error noted) for
Stripe to send again. Stripe does not keep events in order: the subscription and invoice are
read again from Stripe where order matters, and news older than what was applied changes
nothing (``Subscription.stripe_updated``).
"""

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.billing import subscriptions as billing
from apps.billing.clients.stripe import error_text
from apps.billing.models import StripeEvent, Subscription
from apps.companies.models import Company
from apps.companies.scoping import company_scope

logger = logging.getLogger(__name__)

Handler = Callable[[Company, dict[str, Any], datetime.datetime], None]


def _subscription_event(company: Company, data: dict[str, Any], at: datetime.datetime) -> None:
    billing.subscription_refresh(company=company, subscription_id=data["id"], at=at)


def _checkout_event(company: Company, data: dict[str, Any], at: datetime.datetime) -> None:
    """Checkout done (or its SEPA / Bancontact payment settled either way): the
    subscription it made, as it is now."""
    subscription = billing.object_id(data.get("subscription"))
    if data.get("mode") == "subscription" and subscription:
        billing.subscription_refresh(company=company, subscription_id=subscription)


def _checkout_failed(company: Company, data: dict[str, Any], at: datetime.datetime) -> None:
    _checkout_event(company, data, at)
    invoice = billing.object_id(data.get("invoice"))
    if invoice:
        billing.invoice_payment_failed(
            company=company, invoice=billing.invoice_fetch(invoice), at=at
        )


def _invoice_finalized(company: Company, data: dict[str, Any], at: datetime.datetime) -> None:
    billing.invoice_finalized(company=company, invoice=billing.invoice_fetch(data["id"]))


def _invoice_paid(company: Company, data: dict[str, Any], at: datetime.datetime) -> None:
    billing.invoice_paid(company=company, invoice=billing.invoice_fetch(data["id"]))


def _invoice_failed(company: Company, data: dict[str, Any], at: datetime.datetime) -> None:
    billing.invoice_payment_failed(
        company=company, invoice=billing.invoice_fetch(data["id"]), at=at
    )


def _invoice_action(company: Company, data: dict[str, Any], at: datetime.datetime) -> None:
    billing.invoice_action_required(company=company, invoice=billing.invoice_fetch(data["id"]))


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_event,
    "checkout.session.async_payment_succeeded": _checkout_event,
    "checkout.session.async_payment_failed": _checkout_failed,
    "customer.subscription.created": _subscription_event,
    "customer.subscription.updated": _subscription_event,
    "customer.subscription.deleted": _subscription_event,
    "invoice.finalized": _invoice_finalized,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_failed,
    "invoice.payment_action_required": _invoice_action,
}


def _company_of(data: dict[str, Any]) -> Company | None:
    """The company whose Stripe customer the object belongs to. Listed bypass: Stripe's
    verified event names the customer, which names the company."""
    customer = billing.object_id(data.get("customer"))
    if not customer:
        return None
    found = (
        Subscription.objects.unscoped()
        .filter(stripe_customer_id=customer, company__is_active=True)
        .select_related("company")
        .first()
    )
    return found.company if found is not None else None


def stripe_event_receive(*, event: dict[str, Any]) -> str:
    """Process a verified event once: "processed", "duplicate" (done before) or "ignored"
    (a type we don't handle, or a customer that is no company's). An effect that fails
    raises, after the error is noted on the event."""
    event_id = str(event.get("id") or "")
    kind = str(event.get("type") or "")
    created = datetime.datetime.fromtimestamp(int(event.get("created") or 0), tz=datetime.UTC)
    data = ((event.get("data") or {}).get("object")) or {}
    try:
        with transaction.atomic():
            row, _created = StripeEvent.objects.select_for_update().get_or_create(
                event_id=event_id, defaults={"type": kind, "created": created}
            )
            if row.processed_at is not None:
                return "duplicate"
            outcome = "ignored"
            handler = HANDLERS.get(kind)
            company = _company_of(data) if handler is not None else None
            if handler is not None and company is not None:
                with company_scope(company):
                    handler(company, data, created)
                outcome = "processed"
            row.processed_at, row.error = timezone.now(), ""
            row.save(update_fields=["processed_at", "error", "updated_at"])
            return outcome
    except Exception as error:
        StripeEvent.objects.update_or_create(
            event_id=event_id,
            defaults={"type": kind, "created": created, "error": error_text(error)},
        )
        logger.exception("Stripe event %s (%s) failed", event_id, kind)
        raise
