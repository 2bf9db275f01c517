import logging

from celery import Task, shared_task

from apps.companies.scoping import current_company
from apps.companies.tasks import CompanyTask
from apps.core.errors import DomainError

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    base=CompanyTask,
    name="apps.flows.tasks.platform_invoice_send",
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=8,
)
def platform_invoice_send(self: Task, company_id: int, billing_invoice_id: int) -> str:
    """Send OkiOki's own invoice to the company it is for (``company_id``), once. A mail
    server that refused or could not be reached is tried again later; a retry after it went
    sends nothing."""
    # same app; imported here because platform_invoices enqueues this task
    from apps.flows.platform_invoices import platform_invoice_deliver

    try:
        return platform_invoice_deliver(
            company=current_company(), billing_invoice_id=billing_invoice_id
        )
    except DomainError as error:
        if error.code == "send_failed":
            delay = min(3600, 60 * 2**self.request.retries)
            raise self.retry(exc=error, countdown=delay) from error
        logger.error("OkiOki invoice %s not sent: %s", billing_invoice_id, error)
        raise
