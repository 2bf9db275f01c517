"""No file or folder is left behind by a refused or a duplicate upload."""

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections

from apps.companies.scoping import company_scope
from apps.documents.models import Document, Source
from apps.documents.services import document_ingest
from tests.conftest import require_postgres
from tests.samples import PDF

COUNT = 20


def stored(settings) -> tuple[list[Path], list[Path]]:
    """The files in the storage, and the documents' folders that hold nothing (the company's
    own folders are shared by its uploads and stay)."""
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    entries = list(root.rglob("*")) if root.exists() else []
    files = [path for path in entries if path.is_file()]
    empty = [
        path
        for path in entries
        if path.is_dir()
        and not any(path.iterdir())
        and len(path.relative_to(root).parts) > len(("companies", "id", "documents"))
    ]
    return files, empty


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_file_uploaded_at_once_leaves_one_file_and_no_empty_folder(company, settings):
    require_postgres()
    ready = threading.Barrier(COUNT)

    def upload(number: int):
        # each in its own thread, connection and transaction, all past the duplicate check
        try:
            with company_scope(company):
                ready.wait(timeout=30)
                return document_ingest(
                    company=company, data=PDF, filename=f"copy {number}.pdf", source=Source.UPLOAD
                )
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=COUNT) as pool:
        results = list(pool.map(upload, range(COUNT)))

    assert all(result.document is not None for result in results)
    assert sum(not result.is_duplicate for result in results) == 1
    with company_scope(company):
        document = Document.objects.get()
    files, empty = stored(settings)
    assert [path.name for path in files] == [Path(document.original.name).name]
    assert empty == []


def test_a_file_that_fails_to_be_recorded_leaves_nothing(company, settings, monkeypatch):
    # given a database that fails after the file is written
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("apps.documents.models.Arrival.objects.create", broken)
    with company_scope(company), pytest.raises(RuntimeError):
        document_ingest(company=company, data=PDF, filename="a.pdf", source=Source.UPLOAD)
    # then neither the file nor its folder stays
    assert stored(settings) == ([], [])


def test_a_too_large_file_is_refused_and_leaves_nothing(company, settings):
    settings.MAX_UPLOAD_SIZE = 1024
    with company_scope(company):
        result = document_ingest(
            company=company, data=PDF + b" " * 2048, filename="big.pdf", source=Source.UPLOAD
        )
    assert result.error_code == "too_large"
    assert stored(settings) == ([], [])
