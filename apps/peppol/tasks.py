"""Peppol's background work: lookups, sends and their reconciliation, fetching received
documents. Bodies import the services when they run (the services enqueue these tasks)."""

from celery import shared_task

from apps.companies.scoping import current_company
from apps.companies.tasks import CompanyTask
from apps.peppol.lookup import customer_check


@shared_task(name="apps.peppol.tasks.peppol_company_check", soft_time_limit=60, time_limit=90)
def peppol_company_check(
    enterprise_number: str, vat_number: str = "", peppol_id: str = ""
) -> bool | None:
    """Check (and cache) whether a company (its Peppol ID, else its Belgian numbers) is on
    Peppol; a page asked, it shows the verdict once it is there. Public data only: no
    company scope."""
    found = customer_check(
        peppol_id=peppol_id, enterprise_number=enterprise_number, vat_number=vat_number, wait=True
    )
    return found.registered if found is not None else None


@shared_task(
    base=CompanyTask,
    name="apps.peppol.tasks.transmission_send",
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
)
def transmission_send(company_id: int, transmission_id: int) -> str | None:
    """Send one queued transmission. Idempotent: anything not queued and due is left alone;
    retries are planned in the row (the sweeper), not by Celery."""
    from apps.peppol import services

    found = services.transmission_send(company=current_company(), transmission_id=transmission_id)
    return found.status if found is not None else None


@shared_task(
    base=CompanyTask,
    name="apps.peppol.tasks.transmission_reconcile",
    soft_time_limit=60,
    time_limit=90,
)
def transmission_reconcile(company_id: int, transmission_id: int) -> str | None:
    from apps.peppol import services

    found = services.transmission_reconcile(
        company=current_company(), transmission_id=transmission_id
    )
    return found.status if found is not None else None


@shared_task(
    name="apps.peppol.tasks.inbound_fetch",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
    soft_time_limit=120,
    time_limit=180,
)
def inbound_fetch(ap_document_id: str) -> int | None:
    """Fetch, store and acknowledge one received document (the company is known only once
    the partner said whose it is). Left unacknowledged on failure: the poll finds it again."""
    from apps.peppol import services

    reception = services.inbound_fetch(ap_document_id=ap_document_id)
    return reception.pk if reception is not None else None


@shared_task(name="apps.peppol.tasks.peppol_sweep")
def peppol_sweep() -> dict[str, int]:
    """Every minute: sends due, answers lost (reconciled), dead workers' sends."""
    from apps.peppol import services

    return services.transmissions_sweep()


@shared_task(name="apps.peppol.tasks.inbound_poll", soft_time_limit=240, time_limit=300)
def inbound_poll() -> int:
    """Every five minutes: received documents whose webhook never came."""
    from apps.peppol import services

    return services.inbound_poll()
