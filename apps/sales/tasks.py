from celery import shared_task

from apps.companies.models import Company
from apps.companies.scoping import current_company
from apps.companies.tasks import CompanyTask


@shared_task(name="apps.sales.tasks.sales_daily")
def sales_daily() -> dict[str, int]:
    """Every day: sent quotes past their validity expire; each company's due payment
    reminders are queued (one task per company)."""
    from apps.sales.services.quotes import quotes_expire

    expired = quotes_expire()
    companies = list(Company.objects.filter(is_active=True).values_list("pk", flat=True))
    for company_id in companies:
        reminders_send.delay(company_id)
    return {"expired": expired, "companies": len(companies)}


@shared_task(
    base=CompanyTask,
    name="apps.sales.tasks.reminders_send",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def reminders_send(company_id: int) -> int:
    """One company's due reminders. Idempotent: a level is sent once per invoice."""
    from apps.sales.services.sending import reminders_send_due

    return reminders_send_due(company=current_company())
