"""The outbox: an event commits with the change that caused it, is dispatched after the
commit (or by the sweeper when that was lost), once, and a failing handler leaves it for a
next attempt with nothing half done."""

from collections import defaultdict
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from apps.companies.models import Company
from apps.companies.scoping import company_scope, current_company
from apps.outbox import services
from apps.outbox.models import OutboxEvent, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def handled(monkeypatch) -> list[tuple[int, str]]:
    """Only this test's handler: (company id, name in the payload) of each event it ran for."""
    seen: list[tuple[int, str]] = []
    monkeypatch.setattr(services, "_handlers", defaultdict(list))

    def remember(event: OutboxEvent) -> None:
        Company.objects.filter(pk=current_company().pk).update(name=event.payload["name"])
        seen.append((current_company().pk, event.payload["name"]))

    services.handler_register(Topic.DOCUMENT_READY, remember)
    return seen


def _emit(company: Company, name: str) -> OutboxEvent:
    with company_scope(company):
        return services.event_emit(company=company, topic=Topic.DOCUMENT_READY, name=name)


def _waiting() -> list[OutboxEvent]:
    return list(OutboxEvent.objects.unscoped().filter(dispatched_at__isnull=True))


def test_an_event_is_dispatched_once_its_transaction_commits(
    company, handled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _emit(company, "after the commit")
        assert handled == []  # not before
    assert handled == [(company.pk, "after the commit")]
    assert _waiting() == []
    company.refresh_from_db()
    assert company.name == "after the commit"


def test_an_event_of_a_rolled_back_change_never_happened(company, handled):
    def change_that_fails() -> None:
        with transaction.atomic():
            _emit(company, "rolled back")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert OutboxEvent.objects.unscoped().count() == 0
    assert services.outbox_sweep(grace_seconds=0) == 0
    assert handled == []


def test_a_lost_dispatch_is_done_by_the_sweeper_after_its_grace(company, handled):
    _emit(company, "lost")  # the process died after the commit: no dispatch came
    assert services.outbox_sweep() == 0  # a dispatch on commit may still be on its way
    with time_machine.travel(timezone.now() + timedelta(seconds=services.SWEEP_GRACE_SECONDS + 1)):
        assert services.outbox_sweep() == 1
    assert handled == [(company.pk, "lost")]


def test_an_event_is_dispatched_once_however_often_it_is_asked(company, handled):
    event = _emit(company, "once")
    assert services.event_dispatch(event_id=event.pk) is True
    assert services.event_dispatch(event_id=event.pk) is False
    assert services.outbox_sweep(grace_seconds=0) == 0
    assert handled == [(company.pk, "once")]


def test_handlers_run_in_the_events_company_whatever_the_callers_scope(
    company, other_company, handled
):
    first, second = _emit(company, "first"), _emit(other_company, "second")
    with company_scope(other_company):
        services.event_dispatch(event_id=first.pk)
    services.event_dispatch(event_id=second.pk)
    assert handled == [(company.pk, "first"), (other_company.pk, "second")]


def test_a_failing_handler_changes_nothing_and_is_tried_again_later(company, handled):
    def broken(event: OutboxEvent) -> None:
        raise ValueError("a bug in a handler")

    services.handler_register(Topic.DOCUMENT_READY, broken)  # after the one that renames
    event = _emit(company, "half done")
    with pytest.raises(ValueError):
        services.event_dispatch(event_id=event.pk)
    company.refresh_from_db()
    assert company.name != "half done"  # the first handler's change was rolled back
    event.refresh_from_db()
    assert event.dispatched_at is None
    assert event.attempts == 1
    assert event.last_error == "ValueError: a bug in a handler"
    assert services.outbox_sweep(grace_seconds=0) == 0  # not due yet: it backs off
    services._handlers[Topic.DOCUMENT_READY].remove(broken)  # the bug is fixed
    with time_machine.travel(event.next_attempt_at + timedelta(seconds=1)):
        assert services.outbox_sweep() == 1
    event.refresh_from_db()
    assert (event.attempts, event.last_error) == (2, "")
    company.refresh_from_db()
    assert company.name == "half done"


def test_a_failing_dispatch_on_commit_does_not_break_the_request_that_committed(
    company, handled, django_capture_on_commit_callbacks
):
    def broken(event: OutboxEvent) -> None:
        raise ValueError("a bug in a handler")

    services.handler_register(Topic.DOCUMENT_READY, broken)
    with django_capture_on_commit_callbacks(execute=True):
        _emit(company, "committed anyway")  # no exception reaches the caller
    assert [event.last_error for event in _waiting()] == ["ValueError: a bug in a handler"]


def test_dispatched_events_are_kept_a_month_then_deleted_waiting_ones_never(company, handled):
    dispatched, waiting = _emit(company, "done"), _emit(company, "waiting")
    services.event_dispatch(event_id=dispatched.pk)
    OutboxEvent.objects.unscoped().filter(pk=waiting.pk).update(next_attempt_at=None)
    later = timezone.now() + timedelta(days=services.KEEP_DAYS, hours=1)
    with time_machine.travel(later):
        services._handlers[Topic.DOCUMENT_READY].clear()  # the waiting one stays waiting
        services._handlers[Topic.DOCUMENT_READY].append(_fails)
        services.outbox_sweep()
    assert list(OutboxEvent.objects.unscoped().values_list("pk", flat=True)) == [waiting.pk]


def _fails(event: OutboxEvent) -> None:
    raise ValueError("still broken")
