from celery import shared_task

from apps.peppol.lookup import company_check


@shared_task(name="apps.peppol.tasks.peppol_company_check", soft_time_limit=60, time_limit=90)
def peppol_company_check(enterprise_number: str, vat_number: str = "") -> bool | None:
    """Check (and cache) whether a company is on Peppol; a page asked, it shows the verdict
    once it is there. Public data only: no company scope."""
    return company_check(enterprise_number=enterprise_number, vat_number=vat_number).registered
