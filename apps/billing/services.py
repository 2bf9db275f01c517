"""Writes of billing: the monthly count of collected documents."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F
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
    if rows.update(documents=F("documents") + documents):
        return
    try:
        with transaction.atomic():
            DocumentUsage.objects.create(company=company, month=month, documents=documents)
    except IntegrityError:
        rows.update(documents=F("documents") + documents)
