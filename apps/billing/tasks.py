"""Billing's background work: usage to Stripe's meter, and the end of unpaid grace periods."""

import datetime

from celery import shared_task

from apps.companies.scoping import current_company
from apps.companies.tasks import CompanyTask

FINAL_RETRY_SECONDS = 300  # the closed month's totals: within Stripe's hour before invoicing


@shared_task(name="apps.billing.tasks.usage_report_sweep")
def usage_report_sweep() -> int:
    """Every ten minutes: a report for each company whose month total Stripe lacks. A report
    that failed is simply due again at the next sweep."""
    from apps.billing.usage_reports import usage_report_due

    due = usage_report_due()
    for company_id in due:
        usage_report_send.delay(company_id)
    return len(due)


@shared_task(name="apps.billing.tasks.usage_report_month_end")
def usage_report_month_end() -> int:
    """On the month's last day at 23:00 and right after midnight: every company's total of
    the month, once more and final (see ``usage_reports.final_month_due``)."""
    from apps.billing.usage_reports import final_month_due, usage_report_due

    month = final_month_due()
    if month is None:
        return 0
    due = usage_report_due(month=month, final=True)
    for company_id in due:
        usage_report_send.delay(company_id, month.isoformat(), final=True)
    return len(due)


@shared_task(
    base=CompanyTask,
    name="apps.billing.tasks.usage_report_send",
    max_retries=10,
    soft_time_limit=120,
    time_limit=150,
)
def usage_report_send(company_id: int, month: str = "", final: bool = False) -> bool:
    """One company's total of ``month`` (default: this month) to Stripe. Idempotent: the
    same total goes under the same key, and Stripe's meter keeps the last one."""
    from apps.billing.errors import StripeUnavailable
    from apps.billing.services import usage_month
    from apps.billing.usage_reports import usage_report

    day = datetime.date.fromisoformat(month) if month else usage_month()
    try:
        return usage_report(company=current_company(), month=day, final=final)
    except StripeUnavailable as failure:
        if final:  # the sweeps no longer look at a closed month: retry here, soon
            raise usage_report_send.retry(exc=failure, countdown=FINAL_RETRY_SECONDS) from failure
        return False


@shared_task(name="apps.billing.tasks.billing_fallback_sweep")
def billing_fallback_sweep() -> int:
    """Every morning: the owners of each company whose grace period ended unpaid are told
    that collection pauses until the payment is made."""
    from apps.billing.subscriptions import fallback_due

    due = fallback_due()
    for company_id in due:
        billing_fallback_notify.delay(company_id)
    return len(due)


@shared_task(
    base=CompanyTask,
    name="apps.billing.tasks.billing_fallback_notify",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def billing_fallback_notify(company_id: int) -> bool:
    """Idempotent: the owners are told once per streak of failed payments."""
    from apps.billing.subscriptions import fallback_notify

    return fallback_notify(company=current_company())
