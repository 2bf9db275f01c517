from django import template

from apps.billing.entitlements import CollectionPause, collection_pause
from apps.billing.plan_texts import plan_text as translated
from apps.billing.selectors import MonthlyUsage, usage_get
from apps.companies.models import Company

register = template.Library()


@register.simple_tag
def monthly_usage(company: Company) -> MonthlyUsage:
    """This month's billable documents of ``company``, beside the limit of its plan in force."""
    return usage_get(company=company)


@register.filter
def plan_text(value: str) -> str:
    """A plan's name or description in the reader's language (the seeded plans')."""
    return translated(value or "")


@register.simple_tag
def collection_paused(company: Company) -> CollectionPause | None:
    """Why OkiOki collects nothing for ``company`` now, or None while it does. Shown with
    ``{% include "billing/_upgrade_notice.html" with pause=... %}``."""
    return collection_pause(company)
