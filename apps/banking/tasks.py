from celery import shared_task

from apps.companies.scoping import current_company
from apps.companies.tasks import CompanyTask


@shared_task(
    base=CompanyTask,
    name="apps.banking.tasks.transactions_match",
    soft_time_limit=300,
    time_limit=330,
)
def transactions_match(company_id: int) -> dict[str, int]:
    """The matching rules again over a company's unmatched transactions (a purchase invoice
    that arrived after its payment). Idempotent: a matched or proposed pair is never made
    twice."""
    from apps.banking.services.matches import transactions_match as match

    counts = match(company=current_company())
    return {"matched": counts.matched, "suggested": counts.suggested}


@shared_task(
    base=CompanyTask,
    name="apps.banking.tasks.bank_connection_sync",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def bank_connection_sync(
    company_id: int,
    connection_id: int,
    account_id: str = "",
    synchronization_id: str = "",
    full: bool = False,
) -> dict[str, int] | None:
    """One connection brought up to date (see ``connection_sync``). Idempotent: a
    transaction is added once. A temporary failure at Ponto is retried with backoff."""
    from apps.banking.clients.ponto import PontoError
    from apps.banking.models import BankConnection
    from apps.banking.services.connections import connection_sync

    company = current_company()
    connection = BankConnection.objects.filter(company=company, pk=connection_id).first()
    if connection is None:
        return None
    try:
        result = connection_sync(
            company=company,
            connection=connection,
            account_id=account_id,
            synchronization_id=synchronization_id,
            full=full,
        )
    except PontoError as failure:
        if failure.temporary:
            raise bank_connection_sync.retry(exc=failure) from failure
        raise
    return {"new": result.new, "duplicates": result.duplicates, "matched": result.matched}


@shared_task(name="apps.banking.tasks.bank_connections_sweep")
def bank_connections_sweep() -> int:
    """Every few hours: each active connection synchronised (webhooks bring the rest)."""
    from apps.banking.services.connections import connections_sweep

    return connections_sweep()


@shared_task(name="apps.banking.tasks.bank_consent_sweep")
def bank_consent_sweep() -> int:
    """Every morning: the consent warnings of each company with a connected account."""
    from apps.banking.services.connections import consent_check_sweep

    return consent_check_sweep()


@shared_task(
    base=CompanyTask,
    name="apps.banking.tasks.bank_consent_warnings",
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def bank_consent_warnings(company_id: int) -> int:
    """One company's consent warnings. Idempotent: each warning goes once."""
    from apps.banking.services.connections import consent_warnings_send

    return consent_warnings_send(company=current_company())
