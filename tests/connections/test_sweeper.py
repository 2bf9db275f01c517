"""The sweeper puts back only deliveries that are still stuck when it writes (compare-and-set
on the claim it read), and a stuck threshold shorter than the task's time limit stops
start-up."""

import datetime
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from apps.companies.scoping import company_scope
from apps.connections import services
from apps.connections.checks import delivery_time_limit, validate_at_start_up
from apps.connections.models import Delivery
from tests import factories


def _stuck(company) -> Delivery:
    started = timezone.now() - datetime.timedelta(hours=2)
    return factories.DeliveryFactory(
        company=company, status=Delivery.Status.SENDING, sending_started_at=started, attempts=1
    )


def _between_read_and_update(monkeypatch, then) -> None:
    """Run ``then`` after the sweeper has read the stuck deliveries, before it writes."""
    read = services._stuck_deliveries

    def read_then_interleave(*args, **kwargs):
        found = read(*args, **kwargs)
        then()
        return found

    monkeypatch.setattr(services, "_stuck_deliveries", read_then_interleave)


def _sweep(company, delivery: Delivery) -> dict[str, int]:
    """Run the sweeper, then read ``delivery`` back; what the sweeper counted."""
    result = services.delivery_sweep()
    with company_scope(company):
        delivery.refresh_from_db()
    return result


@pytest.mark.django_db
def test_a_delivery_sent_between_the_sweepers_read_and_write_stays_sent(company, monkeypatch):
    # given a delivery that looks stuck, whose worker records its 250 just after the read
    delivery = _stuck(company)
    sent_at = timezone.now()

    def worker_finishes():
        with company_scope(company):
            services._finish(delivery, status=Delivery.Status.SENT, sent_at=sent_at)

    _between_read_and_update(monkeypatch, worker_finishes)
    # when the sweeper runs, then it leaves the sent delivery alone and queues nothing for it
    assert _sweep(company, delivery) == {"stuck": 0, "due": 0}
    assert delivery.status == Delivery.Status.SENT
    assert delivery.sent_at == sent_at


@pytest.mark.django_db
def test_a_delivery_claimed_again_meanwhile_is_not_reset(company, monkeypatch):
    # given a stuck delivery that another sweep put back and a worker claimed afresh
    delivery = _stuck(company)
    reclaimed = timezone.now()

    def another_claim():
        with company_scope(company):
            Delivery.objects.filter(pk=delivery.pk).update(sending_started_at=reclaimed)

    _between_read_and_update(monkeypatch, another_claim)
    assert _sweep(company, delivery) == {"stuck": 0, "due": 0}
    # then the new claim stands: still sending, with its own marker
    assert delivery.status == Delivery.Status.SENDING
    assert delivery.sending_started_at == reclaimed


@pytest.mark.django_db
def test_a_really_stuck_delivery_goes_back_to_pending(company, monkeypatch):
    from apps.connections import tasks

    delivery = _stuck(company)
    queued = []
    monkeypatch.setattr(tasks.delivery_send, "delay", lambda *args: queued.append(args))
    assert _sweep(company, delivery) == {"stuck": 1, "due": 0}
    assert delivery.status == Delivery.Status.PENDING
    assert queued == [(company.pk, delivery.pk)]


def test_the_stuck_threshold_must_exceed_the_tasks_hard_time_limit(settings):
    limit = delivery_time_limit()
    assert limit == 180
    settings.TRANSFER_STUCK_MINUTES = limit // 60  # exactly the limit: too short
    errors = [m for m in checks.run_checks() if m.id == "connections.E001"]
    assert len(errors) == 1
    assert "TRANSFER_STUCK_MINUTES" in errors[0].msg
    with pytest.raises(ImproperlyConfigured, match="TRANSFER_STUCK_MINUTES"):
        validate_at_start_up()
    settings.TRANSFER_STUCK_MINUTES = 15
    assert not [m for m in checks.run_checks() if m.id == "connections.E001"]
    validate_at_start_up()


def test_a_process_does_not_start_with_a_too_short_threshold():
    # a real start-up: the environment variable, settings, app registry
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={"DEBUG": "true", "TRANSFER_STUCK_MINUTES": "2", "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "TRANSFER_STUCK_MINUTES (2 min) must be longer" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "can rely on it to drop the duplicate"),
        ("nl", "dezelfde Message-ID"),
        ("fr", "le même Message-ID"),
    ],
)
def test_the_transfer_page_says_the_stable_message_id_drops_duplicates(
    language, words, company, owner, client_for
):
    from django.urls import reverse

    owner.language = language
    owner.save()
    client = client_for(owner)
    client.cookies["django_language"] = language
    url = reverse("connections:transfer", kwargs={"company_id": company.public_id})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page
