"""Writes of billing: the monthly count of billable documents (``apps.billing.metering``
says which ones are), raised by ``usage_record`` and given back by ``usage_release``."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from apps.billing.entitlements import effective_plan
from apps.billing.models import DocumentUsage
from apps.companies.models import Company

# Plans count calendar months as the customer lives them, whatever the server's zone.
BILLING_ZONE = ZoneInfo("Europe/Brussels")


def usage_month(moment: datetime | None = None) -> date:
    """The first day of the billing month that ``moment`` (default: now) falls in."""
    return (moment or timezone.now()).astimezone(BILLING_ZONE).date().replace(day=1)


def usage_record(*, company: Company, documents: int = 1, at: datetime | None = None) -> date:
    """Count ``documents`` more billable documents for the month of ``at`` (default: now);
    the month counted (its first day), for the document to remember.

    Atomic under concurrency: an UPDATE with F(), and the month's row created once (a second
    worker that loses the race on the unique constraint adds to the row the first one made).
    It joins the caller's transaction, so a document rolled back is not counted."""
    month = usage_month(at)
    rows = DocumentUsage.objects.filter(company=company, month=month)
    if not rows.update(documents=F("documents") + documents):
        try:
            with transaction.atomic():
                DocumentUsage.objects.create(company=company, month=month, documents=documents)
        except IntegrityError:
            rows.update(documents=F("documents") + documents)
    _warn_owners(company, rows)
    return month


def usage_release(*, company: Company, month: date) -> bool:
    """Give one document back to ``month``: a document counted then that is not billable
    after all (deleted as junk within the grace period). True when one was given back.

    One atomic conditional UPDATE: never below 0, whatever runs beside it. The caller makes
    sure one document is released once (``apps.documents`` forgets the document's counted
    month in the same transaction). A month Stripe already has a higher total of gets the
    lower one at the next report (the meter takes the running total, the last one wins)."""
    released = DocumentUsage.objects.filter(company=company, month=month, documents__gt=0).update(
        documents=F("documents") - 1
    )
    return released == 1


WARN_AT = (80, 100)  # per cent of the plan's documents


def _warn_owners(company: Company, rows: QuerySet[DocumentUsage]) -> None:
    """At 80 % and 100 % of the plan's documents the owners hear it, once per level and
    month: the conditional UPDATE lets one worker only claim a level."""
    plan = effective_plan(company)
    limit = plan.documents_per_month
    if not limit:
        return
    row = rows.values("documents", "warned_at").first()
    if row is None:
        return
    used = row["documents"] * 100
    reached = max((level for level in WARN_AT if used >= limit * level), default=0)
    if reached <= row["warned_at"] or not rows.filter(warned_at__lt=reached).update(
        warned_at=reached
    ):
        return
    # companies.services reads billing (a new company's default plan): imported here, in
    # the one function that needs it, so that neither module needs the other to load
    from apps.companies.services import owners_notify

    owners_notify(
        company=company,
        template="billing/usage_warning",
        context={
            "level": reached,
            "documents": row["documents"],
            "limit": limit,
            "price": plan.extra_document_price,
        },
    )
