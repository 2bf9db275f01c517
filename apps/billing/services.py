"""Writes of billing: the monthly count of collected documents."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from apps.billing.models import DocumentUsage
from apps.companies.models import Company

# Plans count calendar months as the customer lives them, whatever the server's zone.
BILLING_ZONE = ZoneInfo("Europe/Brussels")


def usage_month(moment: datetime | None = None) -> date:
    """The first day of the billing month that ``moment`` (default: now) falls in."""
    return (moment or timezone.now()).astimezone(BILLING_ZONE).date().replace(day=1)


def usage_record(*, company: Company, documents: int = 1, at: datetime | None = None) -> None:
    """Count ``documents`` more collected documents for the month of ``at`` (default: now).

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


WARN_AT = (80, 100)  # per cent of the plan's documents


def _warn_owners(company: Company, rows: QuerySet[DocumentUsage]) -> None:
    """At 80 % and 100 % of the plan's documents the owners hear it, once per level and
    month: the conditional UPDATE lets one worker only claim a level."""
    limit = company.plan.documents_per_month
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
            "price": company.plan.extra_document_price,
        },
    )
