from django import template

from apps.billing.plan_texts import plan_text as translated
from apps.billing.selectors import MonthlyUsage, usage_get
from apps.companies.models import Company

register = template.Library()


@register.simple_tag
def monthly_usage(company: Company) -> MonthlyUsage:
    """This month's collected documents of ``company``, beside its plan's limit."""
    return usage_get(company=company)


@register.filter
def plan_text(value: str) -> str:
    """A plan's name or description in the reader's language (the seeded plans')."""
    return translated(value or "")
