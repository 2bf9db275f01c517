"""Subscribing and paying through Stripe: Checkout, the customer portal, and the mirror of
what Stripe says about a company's subscription and its invoices.

Stripe is the truth of the payment, OkiOki of the meter. The ``Subscription`` row mirrors
the subscription as Stripe last told it (``subscription_apply``, from the webhooks, each
event re-fetching the object); the company's plan follows the plan paid for. A failed
payment opens a grace period (``BILLING_GRACE_DAYS``) after which the entitlements fall
back to Start's rights; a paid invoice ends it and everything resumes.
"""

import datetime
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.billing.clients.stripe import StripeError, as_dict, error_text, stripe_client
from apps.billing.errors import BillingNotConfigured, StripeUnavailable
from apps.billing.hooks import legal_invoice_issuer, legal_invoice_paid_hook
from apps.billing.models import BillingInvoice, Plan, Subscription
from apps.billing.selectors import plan_default
from apps.billing.services import usage_month
from apps.billing.usage_reports import LIVE, month_end
from apps.companies.models import Company
from apps.core.errors import DomainError

logger = logging.getLogger(__name__)

Status = Subscription.Status
# A subscription that ended: the company goes back to the default plan
ENDED = (Status.CANCELED, Status.INCOMPLETE_EXPIRED)
CHECKOUT_LANGUAGES = ("nl", "fr", "en")


def _client() -> Any:
    client = stripe_client()
    if client is None:
        raise BillingNotConfigured()
    return client


def plan_url(company: Company) -> str:
    return settings.SITE_URL + reverse("billing:plan", kwargs={"company_id": company.public_id})


def _language() -> str:
    language = (translation.get_language() or "en")[:2]
    return language if language in CHECKOUT_LANGUAGES else "en"


def _moment(value: object) -> datetime.datetime | None:
    if isinstance(value, int | float) and value:
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
    return None


def _euros(cents: object) -> Decimal | None:
    return Decimal(cents) / 100 if isinstance(cents, int) else None


def object_id(value: object) -> str:
    """An expandable field's id (the id itself, or the expanded object's)."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


# --- subscribing ------------------------------------------------------------------------------


def customer_ensure(*, company: Company, email: str = "") -> str:
    """The company's Stripe customer, made once (the row is locked while it is made, and the
    idempotency key is the company's: two clicks, one customer)."""
    client = _client()
    with transaction.atomic():
        subscription, _created = Subscription.objects.select_for_update().get_or_create(
            company=company
        )
        if subscription.stripe_customer_id:
            return subscription.stripe_customer_id
        params: dict[str, Any] = {
            "name": company.name,
            "metadata": {"company_id": str(company.public_id)},
            "preferred_locales": [company.default_language],
        }
        if company.email or email:
            params["email"] = company.email or email
        try:
            customer = as_dict(
                client.v1.customers.create(
                    params, {"idempotency_key": f"customer:{company.public_id}"}
                )
            )
        except StripeError as error:
            raise StripeUnavailable(error_text(error)) from error
        subscription.stripe_customer_id = str(customer["id"])
        subscription.save(update_fields=["stripe_customer_id", "updated_at"])
        return subscription.stripe_customer_id


def checkout_start(*, company: Company, plan: Plan, email: str = "") -> str:
    """The address of a Stripe Checkout page where the company subscribes to ``plan``: the
    monthly base price and the metered price of its extra documents, VAT id and billing
    address collected, tax computed by Stripe Tax, the billing cycle anchored to the first
    of the month (our usage months are calendar months, Europe/Brussels)."""
    client = _client()
    if not plan.is_active or not plan.stripe_base_price_id:
        raise DomainError(_("This plan cannot be subscribed to yet."), code="plan_not_offered")
    current = Subscription.objects.filter(company=company).first()
    if current is not None and current.status in LIVE and current.stripe_subscription_id:
        raise DomainError(
            _("Your company has a subscription already: change it with Manage billing."),
            code="already_subscribed",
        )
    customer = customer_ensure(company=company, email=email)
    items: list[dict[str, Any]] = [{"price": plan.stripe_base_price_id, "quantity": 1}]
    if plan.stripe_metered_price_id:
        items.append({"price": plan.stripe_metered_price_id})  # metered: no quantity
    metadata = {"company_id": str(company.public_id), "okioki_plan": plan.code}
    back = plan_url(company)
    try:
        session = as_dict(
            client.v1.checkout.sessions.create(
                {
                    "mode": "subscription",
                    "customer": customer,
                    "client_reference_id": str(company.public_id),
                    "line_items": items,
                    "subscription_data": {
                        "billing_cycle_anchor": int(month_end(usage_month()).timestamp()),
                        "metadata": metadata,
                    },
                    "automatic_tax": {"enabled": True},
                    "tax_id_collection": {"enabled": True},
                    "billing_address_collection": "required",
                    "customer_update": {"address": "auto", "name": "auto"},
                    "locale": _language(),
                    "metadata": metadata,
                    "success_url": back + "?checkout=done&session={CHECKOUT_SESSION_ID}",
                    "cancel_url": back + "?checkout=cancelled",
                }
            )
        )
    except StripeError as error:
        raise StripeUnavailable(error_text(error)) from error
    return str(session["url"])


def checkout_return(*, company: Company, session_id: str) -> bool:
    """Back from Checkout: the subscription is applied at once (its webhooks may come a
    little later and find it done). True when the session was this company's and complete."""
    client = _client()
    try:
        session = as_dict(client.v1.checkout.sessions.retrieve(session_id))
    except StripeError as error:
        logger.warning("checkout session %s not read: %s", session_id, error_text(error))
        return False
    mine = Subscription.objects.filter(
        company=company, stripe_customer_id=object_id(session.get("customer"))
    ).exists()
    if not mine or session.get("client_reference_id") != str(company.public_id):
        return False
    if session.get("status") != "complete" or not session.get("subscription"):
        return False
    subscription_refresh(company=company, subscription_id=object_id(session["subscription"]))
    return True


def portal_start(*, company: Company) -> str:
    """The address of the Stripe customer portal for the company: card, invoices, plan
    changes and cancellation; it comes back to the plan page."""
    client = _client()
    subscription = Subscription.objects.filter(company=company).exclude(stripe_customer_id="")
    found = subscription.first()
    if found is None:
        raise DomainError(
            _("Your company has no subscription to manage yet."), code="no_subscription"
        )
    try:
        session = as_dict(
            client.v1.billing_portal.sessions.create(
                {
                    "customer": found.stripe_customer_id,
                    "return_url": plan_url(company),
                    "locale": _language(),
                }
            )
        )
    except StripeError as error:
        raise StripeUnavailable(error_text(error)) from error
    return str(session["url"])


# --- the mirror -------------------------------------------------------------------------------


def plan_for_items(items: list[dict[str, Any]]) -> Plan | None:
    """The plan a subscription's items pay for: by their product (a plan keeps its product
    when its prices change), else by the prices' ``okioki_plan``."""
    products, codes = set(), set()
    for item in items:
        price = item.get("price") or {}
        if isinstance(price, dict):
            products.add(object_id(price.get("product")))
            codes.add((price.get("metadata") or {}).get("okioki_plan") or "")
    found = Plan.objects.filter(stripe_product_id__in=products - {""}).first()
    if found is None:
        found = Plan.objects.filter(code__in=codes - {""}).first()
    return found


def subscription_refresh(
    *, company: Company, subscription_id: str, at: datetime.datetime | None = None
) -> Subscription | None:
    """Read the subscription again from Stripe (events come in any order; the object as it
    is now does not) and mirror it."""
    client = _client()
    data = as_dict(client.v1.subscriptions.retrieve(subscription_id))
    return subscription_apply(company=company, data=data, at=at)


def subscription_apply(
    *, company: Company, data: dict[str, Any], at: datetime.datetime | None = None
) -> Subscription | None:
    """Mirror Stripe's subscription ``data`` on the company, and have the company's plan
    follow it (ended: back to the default plan).

    ``at`` is Stripe's time of the news (an event's ``created``): news older than what was
    applied already changes nothing, nor does the end of a previous subscription once a
    newer one is live. Returns None when nothing was applied."""
    with transaction.atomic():
        subscription, _created = Subscription.objects.select_for_update().get_or_create(
            company=company
        )
        if at is not None and subscription.stripe_updated and at < subscription.stripe_updated:
            return None
        status = data.get("status") or ""
        if status not in Status.values:
            logger.warning("subscription %s: unknown status %r", data.get("id"), status)
            return None
        other = subscription.stripe_subscription_id and data["id"] != (
            subscription.stripe_subscription_id
        )
        if other and subscription.status in LIVE and status not in LIVE:
            return None
        items = (data.get("items") or {}).get("data") or []
        plan = plan_for_items(items)
        ends = max((item.get("current_period_end") or 0 for item in items), default=0)
        subscription.stripe_subscription_id = str(data["id"])
        subscription.stripe_customer_id = (
            object_id(data.get("customer")) or subscription.stripe_customer_id
        )
        subscription.status = status
        subscription.plan = plan or subscription.plan
        subscription.current_period_end = _moment(ends)
        subscription.cancel_at_period_end = bool(
            data.get("cancel_at_period_end") or data.get("cancel_at")
        )
        upcoming = status in LIVE and not subscription.cancel_at_period_end
        subscription.next_invoice_at = subscription.current_period_end if upcoming else None
        base = sum(
            ((item.get("price") or {}).get("unit_amount") or 0) * (item.get("quantity") or 1)
            for item in items
            if ((item.get("price") or {}).get("recurring") or {}).get("usage_type") == "licensed"
        )
        subscription.next_invoice_amount = _euros(base) if upcoming else None
        if at is not None:
            subscription.stripe_updated = at
        subscription.save()
        _company_plan_follow(company, subscription)
    return subscription


def _company_plan_follow(company: Company, subscription: Subscription) -> None:
    if subscription.status in LIVE and subscription.plan is not None:
        plan = subscription.plan
    elif subscription.status in ENDED:
        plan = plan_default()
    else:
        return  # waiting for the first payment: the plan changes once it is made
    if company.plan_id != plan.pk:
        company.plan = plan
        Company.objects.filter(pk=company.pk).update(plan=plan)


# --- invoices and payments --------------------------------------------------------------------


def invoice_fetch(invoice_id: str) -> dict[str, Any]:
    return as_dict(_client().v1.invoices.retrieve(invoice_id))


def invoice_finalized(*, company: Company, invoice: dict[str, Any]) -> BillingInvoice:
    """OkiOki's own legal invoice for a finalized Stripe invoice (the issuer makes it once:
    a second call for the same Stripe invoice returns the first)."""
    return legal_invoice_issuer()(company, invoice)


def invoice_paid(*, company: Company, invoice: dict[str, Any]) -> None:
    """A paid invoice: the last payment is recorded, a failed payment's grace period ends
    (everything resumes), and OkiOki's own invoice is marked paid."""
    paid_at = _moment((invoice.get("status_transitions") or {}).get("paid_at")) or timezone.now()
    with transaction.atomic():
        subscription, _created = Subscription.objects.select_for_update().get_or_create(
            company=company
        )
        if subscription.last_payment_at is None or paid_at >= subscription.last_payment_at:
            subscription.last_payment_at = paid_at
            subscription.last_payment_amount = _euros(invoice.get("amount_paid"))
        subscription.payment_failed_at = None
        subscription.grace_until = None
        subscription.fallback_notified_at = None
        subscription.save()
    own = BillingInvoice.objects.filter(company=company, stripe_invoice_id=invoice["id"]).first()
    if own is None:  # paid before its finalized event was handled: issue it now (once)
        own = invoice_finalized(company=company, invoice=invoice)
    paid = legal_invoice_paid_hook()
    if paid is not None:
        paid(own)


def invoice_payment_failed(
    *, company: Company, invoice: dict[str, Any], at: datetime.datetime
) -> bool:
    """A payment failed: the grace period starts and the owners are told, once per streak
    of failures (the retries of the same invoice, and the next ones until one is paid).
    Nothing happens for an invoice that is paid by now."""
    if invoice.get("status") == "paid":
        return False
    with transaction.atomic():
        subscription, _created = Subscription.objects.select_for_update().get_or_create(
            company=company
        )
        if subscription.payment_failed_at is not None:
            return False
        subscription.payment_failed_at = at
        subscription.grace_until = at + datetime.timedelta(days=settings.BILLING_GRACE_DAYS)
        subscription.save()
        _owners_tell(
            company,
            "billing/payment_failed",
            {
                "grace_until": subscription.grace_until,
                "amount": _euros(invoice.get("amount_due")),
                "invoice_url": invoice.get("hosted_invoice_url") or "",
                "plan_url": plan_url(company),
            },
        )
    return True


def invoice_action_required(*, company: Company, invoice: dict[str, Any]) -> None:
    """The bank wants the customer to confirm the payment (3-D Secure, a SEPA mandate):
    the owners get the link to Stripe's page of the invoice."""
    if invoice.get("status") == "paid":
        return
    _owners_tell(
        company,
        "billing/payment_action_required",
        {
            "amount": _euros(invoice.get("amount_due")),
            "invoice_url": invoice.get("hosted_invoice_url") or "",
            "plan_url": plan_url(company),
        },
    )


def fallback_due() -> list[int]:
    """Companies (ids) whose grace period ended unpaid and whose owners were not told yet.
    Listed bypass: a periodic sweeper, it fans out per company."""
    return list(
        Subscription.objects.unscoped()
        .filter(
            status__in=(Status.PAST_DUE, Status.UNPAID),
            grace_until__lt=timezone.now(),
            fallback_notified_at__isnull=True,
            company__is_active=True,
        )
        .values_list("company_id", flat=True)
    )


def fallback_notify(*, company: Company) -> bool:
    """Tell the owners, once per streak, that the grace period is over: collection pauses
    (nothing is deleted; sales and the transfer to the accountant go on) until it is paid."""
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .filter(
                company=company,
                status__in=(Status.PAST_DUE, Status.UNPAID),
                grace_until__lt=timezone.now(),
                fallback_notified_at__isnull=True,
            )
            .first()
        )
        if subscription is None:
            return False
        subscription.fallback_notified_at = timezone.now()
        subscription.save(update_fields=["fallback_notified_at", "updated_at"])
        _owners_tell(company, "billing/collection_paused", {"plan_url": plan_url(company)})
    return True


def _owners_tell(company: Company, template: str, context: dict[str, Any]) -> None:
    # companies.services reads billing (a new company's default plan): imported where used
    from apps.companies.services import owners_notify

    owners_notify(company=company, template=template, context=context)
