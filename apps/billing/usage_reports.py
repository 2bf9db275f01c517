"""The month's collected documents, told to Stripe's meter by a worker (never inline).

OkiOki's database is the meter of record (``DocumentUsage``); Stripe's meter keeps the last
value of the billing period (see ``plan_sync.METER_FORMULA`` for why). So a report is the
company's running total of the month, sent whenever it differs from the last total Stripe
accepted (``reported``), and once more for every company before the month closes: on its
last day at 23:00 and right after midnight (Stripe waits an hour before it finalizes an
invoice, for late usage), with a ``:final`` identifier.

Crash safety: before calling Stripe the report is claimed on the row (total and meter time,
committed); the event's identifier and idempotency key are made of them. A worker that dies
after Stripe accepted the event sends it again with the same key and Stripe replays its
answer; had the total moved on meanwhile, the newer total goes with a later time, and "last"
bills it. Nothing is ever added twice.
"""

import datetime
import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.billing.clients.stripe import StripeError, error_text, stripe_client
from apps.billing.errors import BillingNotConfigured, StripeUnavailable
from apps.billing.models import DocumentUsage, Subscription
from apps.billing.services import BILLING_ZONE, usage_month
from apps.companies.models import Company

logger = logging.getLogger(__name__)

# Subscriptions Stripe still invoices (metered usage included)
LIVE = (
    Subscription.Status.ACTIVE,
    Subscription.Status.TRIALING,
    Subscription.Status.PAST_DUE,
    Subscription.Status.UNPAID,
)
# Stripe takes usage for an invoice up to an hour after its period ended; we stop a little
# before, and a claim older than Stripe keeps idempotency keys is made afresh
INVOICE_GRACE = datetime.timedelta(minutes=55)
FINAL_EVE_HOUR = 23  # on the month's last day, Europe/Brussels


def month_end(month: date) -> datetime.datetime:
    """The first moment of the next month, Europe/Brussels (the end of billing ``month``)."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return datetime.datetime.combine(following, datetime.time(), tzinfo=BILLING_ZONE)


def _meter_time(month: date, now: datetime.datetime) -> datetime.datetime:
    """When the report happens on the meter: now, but never past the month (a report of a
    closed month counts in that month, at its last second)."""
    last_second = month_end(month) - datetime.timedelta(seconds=1)
    return min(now, last_second).replace(microsecond=0)


def report_identifier(
    *, company: Company, month: date, documents: int, at: datetime.datetime, final: bool
) -> str:
    """The meter event's identifier and idempotency key: the same report, the same key."""
    key = f"usage:{company.public_id}:{month:%Y-%m}:{documents}:{int(at.timestamp())}"
    return f"{key}:final" if final else key


def usage_report_due(*, month: date | None = None, final: bool = False) -> list[int]:
    """The companies (ids) whose total of ``month`` Stripe should get now: those with a live
    subscription whose total differs from the one Stripe has (``final``: every one with
    documents that month). Listed bypass: a periodic sweeper, it fans out per company."""
    month = month or usage_month()
    rows = DocumentUsage.objects.unscoped().filter(
        month=month,
        company__is_active=True,
        company__subscription__status__in=LIVE,
        # a plan that bills no extra documents (Start) has no metered price to report to
        company__subscription__plan__stripe_metered_price_id__gt="",
    )
    rows = rows.filter(documents__gt=0) if final else rows.exclude(documents=F("reported"))
    return list(rows.order_by("company_id").values_list("company_id", flat=True))


def usage_report(*, company: Company, month: date, final: bool = False) -> bool:
    """Tell Stripe's meter ``company``'s total of ``month``. True when Stripe accepted a
    report, False when there was nothing to tell (no live subscription, no customer, the
    total already there, the month closed for good).

    On a Stripe failure the row counts the attempt and keeps the error, and
    ``StripeUnavailable`` is raised: the next sweep (or the task's retry) sends it again."""
    subscription = (
        Subscription.objects.filter(company=company, status__in=LIVE)
        .exclude(stripe_customer_id="")
        .select_related("plan")
        .first()
    )
    if subscription is None or (
        subscription.plan is not None and not subscription.plan.stripe_metered_price_id
    ):
        return False
    now = timezone.now()
    if now >= month_end(month) + INVOICE_GRACE:
        return False  # Stripe has invoiced the month: a total now would land nowhere
    client = stripe_client()
    if client is None:
        raise BillingNotConfigured()
    claim = _claim(company=company, month=month, now=now, final=final)
    if claim is None:
        return False
    row_id, documents, at = claim
    identifier = report_identifier(
        company=company, month=month, documents=documents, at=at, final=final
    )
    try:
        client.v1.billing.meter_events.create(
            {
                "event_name": settings.STRIPE_METER_EVENT,
                "payload": {
                    "stripe_customer_id": subscription.stripe_customer_id,
                    "value": str(documents),
                },
                "identifier": identifier,
                "timestamp": int(at.timestamp()),
            },
            {"idempotency_key": identifier},
        )
    except StripeError as error:
        detail = error_text(error)
        DocumentUsage.objects.filter(company=company, pk=row_id).update(
            report_attempts=F("report_attempts") + 1, report_error=detail
        )
        logger.warning("usage report %s refused: %s", identifier, detail)
        raise StripeUnavailable(detail) from error
    _accepted(company=company, row_id=row_id, documents=documents)
    return True


def _claim(
    *, company: Company, month: date, now: datetime.datetime, final: bool
) -> tuple[int, int, datetime.datetime] | None:
    """The report to send (row, total, meter time), claimed on the row and committed before
    Stripe is called. A claim left by a failed or crashed attempt with the same total is
    sent again as it was (same time, so the same key and parameters)."""
    with transaction.atomic():
        row = DocumentUsage.objects.select_for_update().filter(company=company, month=month).first()
        if row is None or (not final and row.documents == row.reported):
            return None
        at = row.report_pending_at
        if row.report_pending != row.documents or at is None:
            at = _meter_time(month, now)
            row.report_pending, row.report_pending_at = row.documents, at
            row.save(update_fields=["report_pending", "report_pending_at", "updated_at"])
        return row.pk, row.documents, at


def _accepted(*, company: Company, row_id: int, documents: int) -> None:
    """Stripe has the total: remember it, and clear the claim (unless a newer one replaced
    it meanwhile)."""
    DocumentUsage.objects.filter(company=company, pk=row_id).update(
        reported=documents,
        reported_at=timezone.now(),
        report_attempts=0,
        report_error="",
    )
    DocumentUsage.objects.filter(company=company, pk=row_id, report_pending=documents).update(
        report_pending=None, report_pending_at=None
    )


def final_month_due(now: datetime.datetime | None = None) -> date | None:
    """The month whose totals go once more, as final, at this moment: this month on its
    last day from 23:00, the month just closed in the hour after midnight; else None."""
    local = (now or timezone.now()).astimezone(BILLING_ZONE)
    month = local.date().replace(day=1)
    if local.hour >= FINAL_EVE_HOUR and (local + datetime.timedelta(days=1)).day == 1:
        return month
    closed = (month - datetime.timedelta(days=1)).replace(day=1)
    if local - month_end(closed) < INVOICE_GRACE:
        return closed
    return None
