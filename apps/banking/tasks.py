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
