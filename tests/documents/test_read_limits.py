"""Nothing stays "reading" for ever: the soft time limit, the attempts counted before each
reading (a worker killed by the reading doesn't get it back for ever) and the sweeper."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from apps.companies.scoping import company_scope
from apps.documents import reading
from apps.documents.extraction import files
from apps.documents.models import Document, Event, Source
from apps.documents.services import document_ingest
from tests.conftest import require_postgres
from tests.documents.test_hostile_files import page_pdf, png

ROOT = Path(__file__).resolve().parents[2]


def _received(company, data: bytes = b"", filename: str = "scan.png") -> Document:
    """A stored document whose reading is not queued (the queue is left to the test)."""
    with company_scope(company):
        result = document_ingest(
            company=company, data=data or png(120, 80), filename=filename, source=Source.UPLOAD
        )
        return Document.objects.get(pk=result.document.pk)


def _read(document: Document) -> Document:
    with company_scope(document.company):
        reading.document_read(company_id=document.company_id, document_id=document.pk)
        return Document.objects.get(pk=document.pk)


def test_each_reading_counts_an_attempt(company):
    document = _read(_received(company))
    assert document.read_attempts == 1
    assert document.read_started_at is not None
    assert document.status != Document.Status.READING


@override_settings(DOCUMENT_READ_MAX_ATTEMPTS=3)
def test_after_its_attempts_a_document_needs_review_without_being_read_again(company):
    document = _received(company)
    with company_scope(company):
        Document.objects.filter(pk=document.pk).update(
            status=Document.Status.READING, read_attempts=3
        )
    document = _read(document)
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.problems[0]["code"] == "read_gave_up"
    assert "3 times" in document.problem
    assert document.read_attempts == 4
    assert document.text == ""  # not read


def test_a_reading_past_its_soft_time_limit_needs_review(company, monkeypatch):
    """Celery stops a reading at its soft time limit by raising SoftTimeLimitExceeded from a
    signal handler in the middle of whatever runs (here an OCR that would take seconds)."""

    def stop(signum, frame):
        raise SoftTimeLimitExceeded()

    def slow_ocr(data: bytes) -> tuple[str, list[object]]:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        time.sleep(10)
        return "", []

    previous = signal.signal(signal.SIGALRM, stop)
    monkeypatch.setattr(files, "ocr_image_words", slow_ocr)  # the OCR step of read_words
    try:
        started = time.monotonic()
        document = _read(_received(company))
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 5
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.problems[0]["code"] == "read_timeout"
    assert str(reading.read_soft_limit()) in document.problem


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("pypdfium2.PdfPage", "get_textpage"),  # inside the page loop's own except
        ("apps.documents.extraction.words", "pdf_page_text_and_words"),  # the same, later
        ("pypdfium2.PdfPage", "render"),  # inside the OCR rendering's
        ("PIL.Image.Image", "convert"),  # inside Tesseract's
    ],
)
def test_the_soft_time_limit_is_not_mistaken_for_a_damaged_pdf(module, name, monkeypatch):
    """The parsers' errors become "damaged", but the time limit goes through: Celery raises
    it from a signal handler wherever the reading is (here: in each guarded step)."""

    def stop(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(f"{module}.{name}", stop)
    with pytest.raises(SoftTimeLimitExceeded):
        files.pdf_text(page_pdf(595, 842))


def test_an_unexpected_error_while_reading_needs_review(company, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a parser bug")

    monkeypatch.setattr(files, "ocr_image_words", broken)
    document = _read(_received(company))
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.problems[0]["code"] == "read_failed"


def _stuck(company, *, attempts: int, minutes_ago: int) -> Document:
    document = _received(company)
    with company_scope(company):
        Document.objects.filter(pk=document.pk).update(
            status=Document.Status.READING,
            read_attempts=attempts,
            read_started_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        )
    return document


@override_settings(DOCUMENT_READ_TIME_LIMIT=360, DOCUMENT_READ_MAX_ATTEMPTS=3)
def test_the_sweeper_reads_again_a_document_left_reading_by_a_dead_worker(
    company, django_capture_on_commit_callbacks
):
    document = _stuck(company, attempts=1, minutes_ago=8)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert reading.document_read_sweep() == {"requeued": 1, "given_up": 0}
    assert len(callbacks) == 1  # queued; the eager test worker read it at once
    with company_scope(company):
        document = Document.objects.get(pk=document.pk)
        assert document.read_attempts == 2
        assert document.status not in (Document.Status.READING, Document.Status.RECEIVED)
        assert Event.objects.filter(document=document, data__to="received").exists()


@override_settings(DOCUMENT_READ_TIME_LIMIT=360, DOCUMENT_READ_MAX_ATTEMPTS=3)
def test_the_sweeper_gives_up_after_the_attempts_and_leaves_live_readings_alone(
    company, other_company, django_capture_on_commit_callbacks
):
    spent = _stuck(company, attempts=3, minutes_ago=8)
    live = _stuck(other_company, attempts=1, minutes_ago=6)  # within the 6 min + 1 min margin
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert reading.document_read_sweep() == {"requeued": 0, "given_up": 1}
    assert callbacks == []
    with company_scope(company):
        spent = Document.objects.get(pk=spent.pk)
    assert spent.status == Document.Status.NEEDS_REVIEW
    assert spent.problems[0]["code"] == "read_gave_up"
    with company_scope(other_company):
        assert Document.objects.get(pk=live.pk).status == Document.Status.READING


def test_the_sweeper_runs_every_minute():
    from okioki.celery import app

    entry = app.conf.beat_schedule["document-read-sweep"]
    assert entry["task"] == "apps.documents.tasks.document_read_sweep"
    assert entry["schedule"] == 60.0


def test_the_read_task_has_the_reading_time_limits():
    from apps.documents.tasks import document_read

    assert document_read.time_limit == settings.DOCUMENT_READ_TIME_LIMIT
    assert document_read.soft_time_limit == reading.read_soft_limit()
    assert document_read.soft_time_limit < document_read.time_limit
    assert document_read.acks_late
    assert document_read.reject_on_worker_lost


# A worker process that starts reading the document and is killed while it reads (the way the
# kernel's OOM killer ends a reader that took too much memory).
KILLED_WORKER = """
import os, signal
import django
django.setup()
from apps.documents.extraction import files
from apps.documents.tasks import document_read

def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

files.pdf_text = killed  # the text layer read_words asks for
document_read.apply(args=({company_id}, {document_id}))
"""


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(DOCUMENT_READ_MAX_ATTEMPTS=2)
def test_a_document_that_kills_its_worker_is_given_up_after_its_attempts(company, tmp_path):
    require_postgres()
    document = _received(company, page_pdf(595, 842), "killer.pdf")
    with company_scope(company):  # read at once by the eager on-commit task: not yet read
        Document.objects.filter(pk=document.pk).update(
            status=Document.Status.RECEIVED, read_attempts=0
        )
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PRIVATE_STORAGE_ROOT": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
        "OKIOKI_VAR_DIR": str(tmp_path / "var"),
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DOCUMENT_READ_MAX_ATTEMPTS": "2",
        "DEBUG": "true",
    }
    env.pop("REDIS_URL", None)
    script = KILLED_WORKER.format(company_id=company.pk, document_id=document.pk)
    for attempt in (1, 2):
        # given the message delivered again after each death (acks_late, reject_on_worker_lost)
        worker = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, timeout=120
        )
        assert worker.returncode == -signal.SIGKILL, worker.stderr.decode()[-2000:]
        with company_scope(company):
            document = Document.objects.get(pk=document.pk)
        assert document.status == Document.Status.READING
        assert document.read_attempts == attempt
    # when it comes back once more, it is not read again: it waits for a person
    document = _read(document)
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.problems[0]["code"] == "read_gave_up"
    # and the sweeper, later, has nothing left to do with it
    later = timezone.now() + datetime.timedelta(seconds=settings.DOCUMENT_READ_TIME_LIMIT + 120)
    with time_machine.travel(later):
        assert reading.document_read_sweep() == {"requeued": 0, "given_up": 0}


def test_the_sweeper_also_finds_readings_started_before_they_were_timed(
    company, django_capture_on_commit_callbacks
):
    document = _stuck(company, attempts=0, minutes_ago=0)
    with company_scope(company):
        Document.objects.filter(pk=document.pk).update(read_started_at=None)
    later = timezone.now() + datetime.timedelta(seconds=settings.DOCUMENT_READ_TIME_LIMIT + 120)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert reading.document_read_sweep() == {"requeued": 1, "given_up": 0}
    with company_scope(company):
        assert Document.objects.get(pk=document.pk).read_attempts == 1
