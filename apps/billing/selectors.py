from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings

from apps.billing.models import BillingInvoice, DocumentUsage, Plan, Subscription
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
    """Documents ``company`` collected in ``month`` (default: this month), with its plan's limit."""
    month = month or usage_month()
    documents = (
        DocumentUsage.objects.filter(company=company, month=month)
        .values_list("documents", flat=True)
        .first()
    )
    plan = company.plan
    return MonthlyUsage(
        month=month,
        documents=documents or 0,
        limit=plan.documents_per_month,
        extra_price=plan.extra_document_price,
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
