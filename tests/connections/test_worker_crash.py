"""A worker killed while it talks to the SMTP server: the delivery is not lost and arrives
exactly once. The worker is a real separate process on the same PostgreSQL database, killed
with SIGKILL while the server holds it before DATA; the sweeper then picks the delivery up."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from apps.companies.scoping import company_scope
from apps.connections import services
from apps.connections.models import Delivery
from tests import factories
from tests.conftest import require_postgres
from tests.connections.conftest import ready_document

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import django
django.setup()
from apps.connections.tasks import delivery_send
delivery_send.apply(args=({company_id}, {delivery_id}))
"""


def _pending_delivery(company):
    """A committed pending delivery that no task is sending yet (approval mode, then set
    pending by hand: with committed transactions the eager on-commit send would run)."""
    require_postgres()
    factories.TransferFactory(company=company, is_automatic=False)
    ready_document(company)
    with company_scope(company):
        delivery = Delivery.objects.get()
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PENDING)
    return delivery


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_send_still_delivers_exactly_once(company, smtp, tmp_path):
    delivery = _pending_delivery(company)
    # given a worker process that has claimed the delivery and waits for the server
    smtp.stall_before_data()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PRIVATE_STORAGE_ROOT": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
        "OKIOKI_VAR_DIR": str(tmp_path / "var"),
        "EMAIL_HOST": smtp.host,
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DEBUG": "true",
    }
    env.pop("REDIS_URL", None)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WORKER.format(company_id=company.pk, delivery_id=delivery.pk),
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        assert smtp.wait_for_stalled(60), worker.stderr.read().decode() if worker.poll() else ""
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.SENDING
        # when the worker dies mid-send
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    smtp.release()
    assert smtp.messages == []  # the half-sent message was never accepted
    # then a sweep soon after leaves it alone (another worker may still be busy with it) …
    assert services.delivery_sweep() == {"stuck": 0, "due": 0}
    # … and once it is clearly stuck, it goes back to pending and is sent
    later = timezone.now() + datetime.timedelta(minutes=settings.TRANSFER_STUCK_MINUTES + 1)
    with time_machine.travel(later):
        assert services.delivery_sweep() == {"stuck": 1, "due": 0}  # eager: sent now
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.SENT
        assert delivery.attempts == 2
        services.delivery_sweep()
    received = smtp.wait_for(1)
    assert len(received) == 1
    assert received[0].message["Message-ID"] == delivery.message_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_send_one_message(company, smtp):
    import threading

    from django.db import connections

    delivery = _pending_delivery(company)
    smtp.stall_before_data()  # the first to claim it waits at the server …
    results = []

    def worker() -> None:
        try:
            with company_scope(company):
                results.append(services.delivery_send(company=company, delivery_id=delivery.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    assert smtp.wait_for_stalled(30)
    # … while the second finds nothing to do and is done
    deadline = time.monotonic() + 10
    while len(results) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert results == [None]
    smtp.release()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r is None for r in results) == [False, True]
    assert len(smtp.wait_for(1)) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 1
