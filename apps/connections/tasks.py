from celery import shared_task

from apps.companies.scoping import current_company
from apps.companies.tasks import CompanyTask


@shared_task(
    base=CompanyTask,
    name="apps.connections.tasks.delivery_send",
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
)
def delivery_send(company_id: int, delivery_id: int) -> str | None:
    """Send one delivery to the accountant. Idempotent: a delivery that is not pending (or
    not due yet) is left alone, so duplicates of this task are harmless. Retries are planned
    by the service (backoff in the delivery row), not by Celery, so they survive the broker."""
    from apps.connections.services import delivery_send as send

    delivery = send(company=current_company(), delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@shared_task(name="apps.connections.tasks.delivery_sweep")
def delivery_sweep() -> dict[str, int]:
    """Every minute: deliveries of dead workers go back to pending; due ones are sent."""
    from apps.connections.services import delivery_sweep as sweep

    return sweep()
