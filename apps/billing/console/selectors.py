"""Reads of the staff console: every company, across the platform.

The console runs with the company scope lifted for staff (``CompanyScopeMiddleware``, the
listed bypass of the platform admin), so these read every company's billing rows. Each list
is one query for its page: the joins and subqueries are in the queryset.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.billing import entitlements
from apps.billing.models import (
    BillingInvoice,
    ConsoleChange,
    DocumentUsage,
    Plan,
    PlanOverride,
    Subscription,
)
from apps.billing.selectors import MonthlyUsage
from apps.billing.services import usage_month
from apps.companies.models import Company

# "none" also finds the companies that never had a subscription (no row at all).
NO_SUBSCRIPTION = Subscription.Status.NONE


def _running(today: date) -> Q:
    return Q(ended_at__isnull=True, ends_on__gte=today)


def company_list(*, query: str = "", plan: str = "", status: str = "") -> "CompanyPages":
    """Every company, by name, to be cut into pages (``[start:stop]``, as the pager does).
    ``query`` finds a name, a short name, an enterprise or VAT number (typed with or without
    its dots); ``plan`` is a plan's code, ``status`` a subscription's ("none" also finds the
    companies that never subscribed)."""
    companies = Company.objects.all()
    if query:
        digits = "".join(character for character in query if character.isdigit())
        found = Q(name__icontains=query) | Q(slug__icontains=query)
        if len(digits) >= 4:
            found |= Q(enterprise_number__contains=digits) | Q(vat_number__contains=digits)
        companies = companies.filter(found)
    if plan:
        companies = companies.filter(plan__code=plan)
    if status == NO_SUBSCRIPTION:
        companies = companies.filter(Q(subscription__isnull=True) | Q(subscription__status=status))
    elif status:
        companies = companies.filter(subscription__status=status)
    return CompanyPages(companies.order_by("name", "pk"))


class CompanyPages:
    """The companies list as the pager cuts it. A window ``[start:stop]`` is one query: the
    matching companies' ids are sorted and cut (a narrow sort), and only the window's rows
    are joined to their plan and subscription, with the plan of a running override and the
    documents collected this month. Sorting 10,000 wide joined rows, and working out the
    subqueries of every row a deep page skips, is what this avoids."""

    def __init__(self, companies: QuerySet[Company]) -> None:
        self.companies = companies

    def __getitem__(self, window: slice) -> list[Company]:
        today = timezone.localdate()
        usage = DocumentUsage.objects.filter(company=OuterRef("pk"), month=usage_month())
        override = PlanOverride.objects.filter(_running(today), company=OuterRef("pk"))
        rows = (
            Company.objects.filter(pk__in=self.companies.values("pk")[window])
            .select_related("plan", "subscription", "subscription__plan")
            .annotate(
                usage_this_month=Coalesce(Subquery(usage.values("documents")[:1]), Value(0)),
                override_plan=Subquery(override.order_by("-created_at").values("plan__name")[:1]),
            )
            .order_by("name", "pk")
        )
        return list(rows)


def company_get(*, public_id: Any) -> Company:
    return Company.objects.select_related("plan").get(public_id=public_id)


def subscription_of(company: Company) -> Subscription | None:
    return Subscription.objects.select_related("plan").filter(company=company).first()


@dataclass(frozen=True)
class CompanyBilling:
    """What the console shows of one company's billing."""

    company: Company
    effective_plan: Plan
    subscription: Subscription | None
    usage: MonthlyUsage  # this month, against the plan that counts now
    past_usage: list[DocumentUsage]
    overrides: Sequence[PlanOverride]
    invoices: list[BillingInvoice]
    grace_over: bool  # a failed payment's grace period is over: Start's rights for now
    changes: list[ConsoleChange] = field(default_factory=list)


def company_billing(*, company: Company) -> CompanyBilling:
    effective = entitlements.effective_plan(company)
    month = usage_month()
    usages = list(DocumentUsage.objects.filter(company=company).order_by("-month")[:13])
    this_month = next((usage.documents for usage in usages if usage.month == month), 0)
    today = timezone.localdate()
    overrides = list(
        PlanOverride.objects.filter(company=company)
        .select_related("plan", "created_by")
        .annotate(
            is_running=ExpressionWrapper(_running(today), output_field=BooleanField()),
        )
        .order_by("-created_at")
    )
    return CompanyBilling(
        company=company,
        effective_plan=effective,
        subscription=subscription_of(company),
        usage=MonthlyUsage(
            month=month,
            documents=this_month,
            limit=effective.documents_per_month,
            extra_price=effective.extra_document_price,
        ),
        past_usage=[usage for usage in usages if usage.month != month][:12],
        overrides=overrides,
        invoices=list(BillingInvoice.objects.filter(company=company)[:12]),
        grace_over=entitlements.payment_overdue(company),
        changes=list(change_list(about=company)[:20]),
    )


def failed_payment_list() -> QuerySet[Subscription]:
    """Subscriptions with a failed payment not made good, the oldest first."""
    return (
        Subscription.objects.filter(payment_failed_at__isnull=False)
        .select_related("company", "plan")
        .annotate(
            is_grace_over=ExpressionWrapper(
                Q(status__in=entitlements.UNPAID, grace_until__lt=timezone.now()),
                output_field=BooleanField(),
            )
        )
        .order_by("payment_failed_at", "pk")
    )


def plan_list() -> QuerySet[Plan]:
    """Every plan, offered or not, with the number of companies on each."""
    return Plan.objects.annotate(company_count=Count("companies")).order_by(
        "sort_order", "monthly_price"
    )


def override_get(*, public_id: Any) -> PlanOverride:
    return PlanOverride.objects.select_related("company", "plan").get(public_id=public_id)


def plan_get(*, public_id: Any) -> Plan:
    return Plan.objects.get(public_id=public_id)


def change_list(
    *, about: Company | None = None, plan: Plan | None = None, action: str = ""
) -> QuerySet[ConsoleChange]:
    """The console's changes, newest first: about a company, of a plan, of one kind."""
    changes = ConsoleChange.objects.select_related("actor", "about").order_by("-created_at", "-pk")
    if about is not None:
        changes = changes.filter(about=about)
    if plan is not None:
        changes = changes.filter(target=plan.code, action__startswith="plan.")
    if action:
        changes = changes.filter(action=action)
    return changes


@dataclass(frozen=True)
class Overview:
    companies: int
    paying: int
    failed_payments: int
    overrides: int


def overview() -> Overview:
    today = timezone.localdate()
    subscriptions = Subscription.objects.aggregate(
        paying=Count("pk", filter=Q(status__in=[Subscription.Status.ACTIVE])),
        failed=Count("pk", filter=Q(payment_failed_at__isnull=False)),
    )
    return Overview(
        companies=Company.objects.count(),
        paying=subscriptions["paying"],
        failed_payments=subscriptions["failed"],
        overrides=PlanOverride.objects.filter(_running(today)).count(),
    )
