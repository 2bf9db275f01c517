"""The outbox: an app announces what happened; the apps above it react, after the commit.

``event_emit`` writes the event in the caller's transaction and dispatches it once that
transaction commits, in the same process. ``outbox_sweep`` (every minute) dispatches the
events whose dispatch was lost (a process that died after its commit) or failed (retried
with backoff). A handler is registered for a topic by the app that reacts
(``apps.flows``, in its ``ready()``); the emitting app never imports it.

Each event is dispatched at most once: its row is locked and every handler runs in one
transaction with marking it dispatched. A failing handler rolls back that transaction; the
event stays, with the error, for the next attempt.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.companies.models import Company
from apps.companies.scoping import all_companies, company_scope
from apps.outbox.models import OutboxEvent, Topic

logger = logging.getLogger(__name__)
Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
RETRY_START = 30  # seconds; doubles per attempt
RETRY_MAX = 3600
SWEEP_GRACE_SECONDS = 60  # a dispatch on commit is given this long before the sweeper takes it
KEEP_DAYS = 30  # dispatched events are kept this long (to look into), then deleted


def handler_register(topic: Topic, handler: Handler) -> None:
    """``handler(event)`` runs for every event of ``topic`` (once per process start)."""
    if handler not in _handlers[topic]:
        _handlers[topic].append(handler)


def event_emit(*, company: Company, topic: Topic, **payload: Any) -> OutboxEvent:
    """Record ``topic`` with its (JSON) payload in the current transaction; dispatched after
    the commit. Outside a transaction it is dispatched at once."""
    event = OutboxEvent.objects.create(company=company, topic=topic, payload=payload)
    transaction.on_commit(partial(_dispatch_logged, event.pk), robust=True)
    return event


def _dispatch_logged(event_id: int) -> None:
    try:
        event_dispatch(event_id=event_id)
    except Exception:  # recorded on the event; the sweeper tries again
        logger.exception("outbox event %s: not dispatched", event_id)


def event_dispatch(*, event_id: int) -> bool:
    """Run the handlers of one event, if nobody has yet; True when this call dispatched it.
    Raises what a handler raised, after recording it on the event for the next attempt."""
    try:
        with transaction.atomic():
            with all_companies():  # listed bypass: the event says its company
                event = (
                    OutboxEvent.objects.select_for_update(skip_locked=True)
                    .select_related("company")
                    .filter(pk=event_id, dispatched_at__isnull=True)
                    .first()
                )
            if event is None:
                return False
            with company_scope(event.company):
                for handler in _handlers.get(event.topic, []):
                    handler(event)
                event.dispatched_at = timezone.now()
                event.attempts += 1
                event.last_error = ""
                event.save(update_fields=["dispatched_at", "attempts", "last_error", "updated_at"])
        return True
    except Exception as error:
        _failed(event_id, error)
        raise


def _failed(event_id: int, error: Exception) -> None:
    now = timezone.now()
    with all_companies():  # listed bypass: the event says its company
        event = OutboxEvent.objects.filter(pk=event_id).first()
        if event is None:
            return
        event.attempts += 1
        delay = min(RETRY_START * 2 ** (event.attempts - 1), RETRY_MAX)
        event.next_attempt_at = now + timedelta(seconds=delay)
        event.last_error = f"{type(error).__name__}: {error}"[:2000]
        event.save(update_fields=["attempts", "next_attempt_at", "last_error", "updated_at"])


def outbox_sweep(*, limit: int = 500, grace_seconds: int = SWEEP_GRACE_SECONDS) -> int:
    """Periodic, across companies: dispatch the events still waiting (oldest first); how many
    were dispatched. Events dispatched more than ``KEEP_DAYS`` ago are deleted. Listed bypass
    of the company scope (a sweeper that fans out)."""
    now = timezone.now()
    grace = now - timedelta(seconds=grace_seconds)
    with all_companies():
        due = list(
            OutboxEvent.objects.filter(dispatched_at__isnull=True)
            .filter(
                Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=grace)
            )
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        old = OutboxEvent.objects.filter(dispatched_at__lt=now - timedelta(days=KEEP_DAYS))
        OutboxEvent.objects.filter(pk__in=list(old.values_list("pk", flat=True)[:limit])).delete()
    dispatched = 0
    for event_id in due:
        try:
            dispatched += event_dispatch(event_id=event_id)
        except Exception:
            logger.exception("outbox event %s: not dispatched", event_id)
    return dispatched
