"""Payments in other apps' pages (the dashboard, an invoice, a document), without those apps
importing this one; and a match's reasons in words."""

from typing import Any

from django import template
from django.utils import timezone

from apps.banking import selectors
from apps.banking.models import Match
from apps.banking.reasons import describe
from apps.banking.services.connections import connection_alerts
from apps.companies.models import Company

register = template.Library()


@register.filter
def reasons(match: Match) -> str:
    """``{{ match|reasons }}``: why it matches, as a sentence in the active language."""
    return describe(match.reasons, match.transaction.currency if match.transaction_id else "EUR")


@register.inclusion_tag("banking/_dashboard_card.html")
def bank_card(company: Company) -> dict[str, Any]:
    """The bank's connection alerts, and with a balance known, the cash flow: today's
    balance, the lowest point ahead, the invoices unpaid either way. (What is to match is in
    the dashboard's "what needs you now".)"""
    found = selectors.cashflow_summary(company=company)
    return {
        "current_company": company,
        "cashflow": found,
        "connection_alerts": connection_alerts(company),
    }


@register.inclusion_tag("banking/_payments.html")
def payments(item: Any, reminders: Any = ()) -> dict[str, Any]:
    """The bank payments matched with a sales invoice or a purchase document; with the
    invoice's ``reminders`` (dispatches), each payment says which reminder it came after."""
    sent = sorted(reminders, key=lambda dispatch: dispatch.created_at)
    found = list(
        item.payments.filter(state=Match.State.MATCHED)
        .select_related("transaction", "decided_by")
        .order_by("transaction__booking_date", "id")
    )
    for match in found:
        day = match.transaction.value_date or match.transaction.booking_date
        before = [d for d in sent if timezone.localdate(d.created_at) <= day]
        match.after_reminder = before[-1] if before else None
    return {"item": item, "payments": found}
