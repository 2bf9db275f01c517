"""One company's flood doesn't starve the others: past a backlog its readings go to the
``bulk`` queue, which every worker consumes in turn with ``documents``."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from apps.companies.scoping import company_scope
from apps.documents.models import Document
from apps.documents.services import reading_queue
from okioki.celery import QUEUES
from tests import factories
from tests.conftest import require_postgres
from tests.documents.test_read_limits import _database_url

ROOT = Path(__file__).resolve().parents[2]


def _waiting(company, count: int) -> list[int]:
    """``count`` documents of ``company`` waiting to be read (tiny XML files that are not
    e-invoices: each is read, and fails, in a few milliseconds)."""
    with company_scope(company):
        first = factories.DocumentFactory(
            company=company,
            status=Document.Status.RECEIVED,
            original__data=b"<r/>",
            original__filename="flood.xml",
            original_filename="flood.xml",
            file_kind="xml",
            content_type="application/xml",
            size=4,
        )
        copies = []
        for number in range(count - 1):
            copy = Document.objects.get(pk=first.pk)
            copy.pk = None
            copy.public_id = uuid.uuid4()
            copy.sha256 = f"{company.pk:08x}{number:056x}"
            copies.append(copy)
        for copy in copies:
            copy.save()  # the same stored file; a document each
    return [first.pk, *(copy.pk for copy in copies)]


@override_settings(DOCUMENT_BULK_THRESHOLD=3)
def test_a_company_with_a_backlog_reads_on_the_bulk_queue(company, other_company):
    _waiting(company, 3)
    assert reading_queue(company) == "documents"
    _waiting(company, 1)
    assert reading_queue(company) == "bulk"
    assert reading_queue(other_company) == "documents"


def test_workers_consume_the_bulk_queue():
    from okioki.celery import app

    assert "bulk" in QUEUES
    assert "bulk" in {queue.name for queue in app.conf.task_queues}
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "--queues default,mail,documents,bulk,delivery" in compose


PUBLISH = """
import django
django.setup()
from apps.companies.scoping import all_companies
from apps.documents.models import Document
from apps.documents.services import document_queue_read
with all_companies():
    for pk in {ids}:
        document_queue_read(Document.objects.select_related("company").get(pk=pk))
"""


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_company_b_is_read_before_company_as_backlog_is_done(
    company, other_company, redis_url, tmp_path
):
    require_postgres()
    flood = _waiting(company, 500)
    (single,) = _waiting(other_company, 1)
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
    base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
        },
        "REDIS_URL": f"{base}/{10 + int(worker_id) % 5}",
        "DATABASE_URL": _database_url(),
        "PRIVATE_STORAGE_ROOT": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
        "OKIOKI_VAR_DIR": str(tmp_path / "var"),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DEBUG": "true",
    }
    purge = [sys.executable, "-m", "celery", "-A", "okioki", "purge", "-f", "-Q", ",".join(QUEUES)]
    subprocess.run(purge, cwd=ROOT, env=env, capture_output=True, timeout=60, check=True)
    # given company A's 500 documents queued first, then company B's one
    published = subprocess.run(
        [sys.executable, "-c", PUBLISH.format(ids=[*flood, single])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert published.returncode == 0, published.stderr.decode()[-2000:]
    # when one worker process, as `make run` starts it, takes from every queue
    worker = subprocess.Popen(
        [
            *[sys.executable, "-m", "celery", "-A", "okioki", "worker", "--pool", "solo"],
            *["--queues", ",".join(QUEUES), "--without-mingle", "--without-gossip"],
            *["--without-heartbeat", "--loglevel", "WARNING"],
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        with company_scope(other_company):
            while Document.objects.get(pk=single).status == Document.Status.RECEIVED:
                assert time.monotonic() < deadline, "company B's document was never read"
                assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
                time.sleep(0.05)
        with company_scope(company):
            read_of_a = Document.objects.filter(pk__in=flood).exclude(
                status=Document.Status.RECEIVED
            )
            done = read_of_a.count()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        subprocess.run(purge, cwd=ROOT, env=env, capture_output=True, timeout=60, check=False)
    # then B's document was read while most of A's backlog still waited
    assert done < 50, done
