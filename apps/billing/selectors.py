"""Reads of billing: plans, a company's usage this month, every company's period totals."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings

from apps.billing.entitlements import CollectionPause, plan_in_force
from apps.billing.models import BillingInvoice, DocumentUsage, Plan, PlanOverride, Subscription
from apps.billing.services import usage_month
from apps.companies.models import Company


def plan_default() -> Plan:
    """The plan a new company starts on (Start, unless an admin picked another default)."""
    plan = Plan.objects.filter(is_default=True).first()
    if plan is None:
        plan = Plan.objects.filter(is_active=True).order_by("sort_order").first()
    if plan is None:
        raise Plan.DoesNotExist("No plan exists; run migrations (they seed the plans).")
    return plan


def plan_list(*, only_active: bool = True) -> list[Plan]:
    queryset = Plan.objects.all()
    if only_active:
        queryset = queryset.filter(is_active=True)
    return list(queryset)


@dataclass(frozen=True)
class MonthlyUsage:
    month: date
    documents: int
    limit: int  # the plan's documents per month (0: collecting is not in the plan)
    extra_price: Decimal | None = None  # per document past the limit
    plan_name: str = ""  # the plan that counts now (an override's, Start's after a failed payment)
    pause: CollectionPause | None = None  # why nothing is collected now, if it isn't

    @property
    def extra(self) -> int:
        """Documents past the plan's number: collected all the same, billed at its price."""
        return max(0, self.documents - self.limit) if self.limit else 0

    @property
    def extra_cost(self) -> Decimal:
        return self.extra * (self.extra_price or Decimal("0"))

    @property
    def resets_on(self) -> date:
        """The first day of the next month, when the count starts again."""
        return (self.month.replace(day=28) + timedelta(days=4)).replace(day=1)

    @property
    def abuse_ceiling(self) -> int:
        """Past this, the forwarding address refuses mail (a flood, not a busy month)."""
        return max(
            settings.INBOUND_ABUSE_CEILING_MIN, self.limit * settings.INBOUND_ABUSE_CEILING_FACTOR
        )

    @property
    def is_over_ceiling(self) -> bool:
        return self.documents >= self.abuse_ceiling


def usage_get(*, company: Company, month: date | None = None) -> MonthlyUsage:
    """Billable documents of ``company`` in ``month`` (default: this month), beside the limit
    of the plan that counts now (``effective_plan``: an override, Start after a failed
    payment's grace, else the company's plan)."""
    month = month or usage_month()
    documents = (
        DocumentUsage.objects.filter(company=company, month=month)
        .values_list("documents", flat=True)
        .first()
    )
    in_force = plan_in_force(company)
    plan = in_force.plan
    return MonthlyUsage(
        month=month,
        documents=documents or 0,
        limit=plan.documents_per_month,
        extra_price=plan.extra_document_price,
        plan_name=plan.name,
        pause=in_force.pause,
    )


def subscription_get(*, company: Company) -> Subscription | None:
    """The company's subscription as Stripe last told it (None: it never started one)."""
    return Subscription.objects.filter(company=company).select_related("plan").first()


def billing_invoice_list(*, company: Company) -> list[BillingInvoice]:
    """OkiOki's own invoices to the company, newest first."""
    return list(BillingInvoice.objects.filter(company=company))


def billing_invoice_get(*, company: Company, invoice_id: UUID | str) -> BillingInvoice:
    """One of the company's own OkiOki invoices; another company's is as missing (404)."""
    return BillingInvoice.objects.get(company=company, public_id=invoice_id)


@dataclass(frozen=True)
class PeriodTotal:
    """One company's billable documents of one month, as the period closes."""

    company_id: int
    month: date
    documents: int  # billable documents counted (the meter of record)
    plan_id: int  # the plan whose numbers bill them (an override's, else the company's)
    included: int
    extra: int
    extra_price: Decimal | None
    extra_cost: Decimal
    reported: int  # the total Stripe's meter has, as last reported
    reported_at: datetime | None

    @property
    def needs_report(self) -> bool:
        """Stripe's meter does not have this total yet."""
        return self.reported_at is None or self.reported != self.documents


def usage_period_totals(month: date | None = None) -> list[PeriodTotal]:
    """Every company's billable documents of ``month`` (default: this month): what the
    Stripe usage report sends (``documents``, the running total of a "last" meter) and what
    OkiOki's own invoice and the staff console show (included, extra, its cost).

    Three queries whatever the number of companies: the month's usage rows with each
    company's plan, the staff overrides running at the month's end, and the plans. Only the
    companies with a usage row are listed (none: nothing collected, nothing to bill). The
    plan that bills is an override running on the month's last day, else the company's own
    (the one its subscription pays for): the Start fallback after a failed payment pauses
    collection, it doesn't change the price of what was collected.

    Listed bypass of the company scope: a platform-wide report, one row per company."""
    month = (month or usage_month()).replace(day=1)
    last_day = MonthlyUsage(month=month, documents=0, limit=0).resets_on - timedelta(days=1)
    rows = list(
        DocumentUsage.objects.unscoped()
        .filter(month=month)
        .values_list("company_id", "documents", "reported", "reported_at", "company__plan_id")
        .order_by("company_id")
    )
    override_of: dict[int, int] = {}
    for company_id, plan_id in (
        PlanOverride.objects.unscoped()
        .filter(ends_on__gte=last_day, created_at__date__lte=last_day)
        .exclude(ended_at__date__lte=last_day)
        .order_by("created_at")
        .values_list("company_id", "plan_id")
    ):
        override_of[company_id] = plan_id  # the newest wins
    plans = Plan.objects.in_bulk()
    totals = []
    for company_id, documents, reported, reported_at, plan_id in rows:
        plan = plans[override_of.get(company_id, plan_id)]
        usage = MonthlyUsage(
            month=month,
            documents=documents,
            limit=plan.documents_per_month,
            extra_price=plan.extra_document_price,
        )
        totals.append(
            PeriodTotal(
                company_id=company_id,
                month=month,
                documents=documents,
                plan_id=plan.pk,
                included=plan.documents_per_month,
                extra=usage.extra,
                extra_price=plan.extra_document_price,
                extra_cost=usage.extra_cost,
                reported=reported,
                reported_at=reported_at,
            )
        )
    return totals
