"""Start-up checks of the transfer settings."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured


def delivery_time_limit() -> int:
    """Seconds after which Celery kills a delivery task (the task's own hard limit, else the
    global one)."""
    from apps.connections.tasks import delivery_send

    return int(delivery_send.time_limit or settings.CELERY_TASK_TIME_LIMIT)


@register()
def check_stuck_threshold(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A delivery "sending" for ``TRANSFER_STUCK_MINUTES`` is taken for a dead worker's and
    sent again: were that shorter than the task's hard time limit, a live, slow worker and
    the sweeper would both send it (two copies)."""
    limit = delivery_time_limit()
    if limit < settings.TRANSFER_STUCK_MINUTES * 60:
        return []
    return [
        Error(
            f"TRANSFER_STUCK_MINUTES ({settings.TRANSFER_STUCK_MINUTES} min) must be longer "
            f"than the delivery task's hard time limit ({limit} s): a delivery still being "
            "sent would be taken for a dead worker's and sent twice.",
            hint=f"Set TRANSFER_STUCK_MINUTES to at least {limit // 60 + 1}.",
            id="connections.E001",
        )
    ]


def validate_at_start_up() -> None:
    """Every process (web, worker, beat, commands) refuses to start with a wrong value, not
    only ``manage.py check``."""
    errors = check_stuck_threshold()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
