from django import template

from apps.billing.selectors import MonthlyUsage, usage_get
from apps.companies.models import Company

register = template.Library()


@register.simple_tag
def monthly_usage(company: Company) -> MonthlyUsage:
    """This month's collected documents of ``company``, beside its plan's limit."""
    return usage_get(company=company)
