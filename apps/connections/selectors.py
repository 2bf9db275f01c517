"""Reads of the transfer: deliveries of a company, of a document, and an office's overview."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from apps.companies.models import AccountingOffice, Company, OfficeClientLink
from apps.connections.models import Delivery, PeriodResend, Transfer
from apps.documents.models import Category, Document

WAITING = Delivery.OPEN
FILTERS = {
    "failed": (Delivery.Status.FAILED,),
    "waiting": WAITING,
    "sent": (Delivery.Status.SENT,),
    "approval": (Delivery.Status.AWAITING_APPROVAL,),
}


def delivery_list(
    *, company: Company, status: str | None = None, limit: int = 200
) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(
        company=company, document__junk_at__isnull=True
    ).select_related("document", "requested_by")
    if status in FILTERS:
        deliveries = deliveries.filter(status__in=FILTERS[status])
    return deliveries.order_by("-created_at", "-id")[:limit]


def delivery_get(*, company: Company, delivery_id: str) -> Delivery | None:
    return (
        Delivery.objects.filter(company=company, public_id=delivery_id)
        .select_related("document")
        .first()
    )


def document_deliveries(*, document: Document) -> QuerySet[Delivery]:
    return Delivery.objects.filter(company=document.company, document=document).select_related(
        "requested_by"
    )


def delivery_counts(*, company: Company) -> dict[str, int]:
    """How many failed, waiting and sent (last 30 days) deliveries the company has."""
    since = timezone.now() - timedelta(days=30)
    counts = Delivery.objects.filter(company=company).aggregate(
        failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
        waiting=Count("id", filter=Q(status__in=WAITING)),
        approval=Count("id", filter=Q(status=Delivery.Status.AWAITING_APPROVAL)),
        sent=Count("id", filter=Q(status=Delivery.Status.SENT, sent_at__gte=since)),
    )
    return {key: value or 0 for key, value in counts.items()}


@dataclass(frozen=True)
class ClientTransfer:
    company: Company
    failed: int
    waiting: int
    sent: int
    is_configured: bool


def office_transfer_overview(*, office: AccountingOffice) -> list[ClientTransfer]:
    """Per active client of the office: failed, waiting and sent (30 days) deliveries.

    Listed bypass: one office, many companies; filtered by the office's active links only."""
    companies = [
        link.company
        for link in OfficeClientLink.objects.unscoped()
        .filter(office=office, status=OfficeClientLink.Status.ACTIVE, company__is_active=True)
        .select_related("company")
        .order_by("company__name")
    ]
    since = timezone.now() - timedelta(days=30)
    rows: dict[int, Any] = {
        row["company_id"]: row
        for row in Delivery.objects.unscoped()
        .filter(company__in=companies)
        .values("company_id")
        .annotate(
            failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
            waiting=Count("id", filter=Q(status__in=WAITING)),
            sent=Count("id", filter=Q(status=Delivery.Status.SENT, sent_at__gte=since)),
        )
    }
    from apps.connections.models import Transfer

    configured = {
        transfer.company_id
        for transfer in Transfer.objects.unscoped().filter(company__in=companies, is_active=True)
        if transfer.is_configured
    }
    return [
        ClientTransfer(
            company=company,
            failed=rows.get(company.pk, {}).get("failed", 0),
            waiting=rows.get(company.pk, {}).get("waiting", 0),
            sent=rows.get(company.pk, {}).get("sent", 0),
            is_configured=company.pk in configured,
        )
        for company in companies
    ]


def period_resend_plan(
    *, company: Company, transfer: Transfer, date_from: date, date_to: date
) -> list[tuple[Document, str]]:
    """What resending a period would send: each ready or sent document dated in it, with the
    current address of its category; documents already sent to that very address in their
    current version (or on their way there) are left out."""
    documents = (
        Document.objects.filter(
            company=company,
            status__in=(Document.Status.READY, Document.Status.DELIVERED),
            junk_at__isnull=True,
        )
        .filter(document_date__range=(date_from, date_to))
        .prefetch_related("deliveries")
        .order_by("pk")
    )
    plan = []
    for document in documents:
        address = transfer.address_for(document.category)
        if not address:
            continue
        if any(
            d.destination == address
            and (d.content_version == document.content_version or d.is_open)
            and d.status in (Delivery.Status.SENT, *Delivery.OPEN)
            for d in document.deliveries.all()
        ):
            continue
        plan.append((document, address))
    return plan


def period_resend_list(*, company: Company, limit: int = 10) -> QuerySet[PeriodResend]:
    return PeriodResend.objects.filter(company=company).select_related("requested_by")[:limit]


@dataclass(frozen=True)
class Backlog:
    """The ready documents that saving a transfer sends at once: never sent anywhere, of a
    type the transfer has an address for, dated from its ``send_from``."""

    count: int
    oldest: date | None
    newest: date | None


def transfer_backlog(*, company: Company, transfer: Transfer) -> Backlog:
    """What ``transfer_save`` would plan now for ``transfer`` (possibly unsaved: the settings
    as typed). The same rules as ``delivery_plan``: a document's date is its own date, or the
    day it arrived."""
    if not transfer.is_configured:
        return Backlog(count=0, oldest=None, newest=None)
    waiting = Document.objects.filter(
        company=company,
        status=Document.Status.READY,
        deliveries__isnull=True,
        category__in=[c for c in Category.values if transfer.address_for(c)],
    ).order_by()
    if transfer.send_from is not None:
        waiting = waiting.filter(document_date__gte=transfer.send_from)
    found = waiting.aggregate(
        count=Count("id"), oldest=Min("document_date"), newest=Max("document_date")
    )
    return Backlog(count=found["count"], oldest=found["oldest"], newest=found["newest"])
