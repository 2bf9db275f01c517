from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task(name="apps.core.tasks.heartbeat")
def heartbeat() -> str:
    """Periodic proof of life of the worker and beat: the time it last ran, in the cache
    under ``okioki:worker-heartbeat``, for an operator to read. /healthz does not wait on it:
    it only checks what a web process needs (database and broker)."""
    now = timezone.now().isoformat()
    cache.set("okioki:worker-heartbeat", now, timeout=None)
    return now


@shared_task(name="apps.core.tasks.echo")
def echo(value: str) -> str:
    """A task round trip for health checks and tests of the broker."""
    return value
