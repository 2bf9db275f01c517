from celery import shared_task

from apps.outbox.services import outbox_sweep as sweep


@shared_task(name="apps.outbox.tasks.outbox_sweep")
def outbox_sweep() -> int:
    """Every minute: dispatch the events whose dispatch on commit was lost or failed."""
    return sweep()
