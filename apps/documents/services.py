"""Writes for documents: ingest (every source ends here), reading, corrections, status."""

import io
import logging
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise

from apps.accounts.models import User
from apps.companies.models import Company
from apps.core.files import MIME_TYPES, FileKind, sha256_hex, sniff
from apps.documents.errors import INGEST_ERRORS
from apps.documents.models import Arrival, Document, Event

logger = logging.getLogger(__name__)

ZIP_MAX_MEMBERS = 200
ZIP_MAX_TOTAL_BYTES = 200 * 1024 * 1024
ZIP_MAX_RATIO = 200  # a member that expands more than this is a bomb, not an invoice


@dataclass
class IngestResult:
    """What became of one arriving file. Exactly one of document / error is set."""

    filename: str
    document: Document | None = None
    is_duplicate: bool = False
    error_code: str = ""
    error: str | Promise = ""
    children: list["IngestResult"] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document is not None or (bool(self.children) and not self.error_code)


def _error(filename: str, code: str, **params: Any) -> IngestResult:
    message: Any = INGEST_ERRORS[code]
    if params:
        message = str(message) % params
    return IngestResult(filename=filename, error_code=code, error=message)


def document_ingest(
    *,
    company: Company,
    data: bytes,
    filename: str,
    source: str,
    details: dict[str, Any] | None = None,
    actor: User | None = None,
    _in_archive: bool = False,
) -> IngestResult:
    """Turn an arriving file into a document of ``company`` (or recognise it as one we have).

    Invariants: the same bytes twice in one company are one document (the later arrival is
    recorded and linked, never processed twice); a ZIP is unpacked and each member ingested on
    its own, a bad member never blocking the others; reading happens in a worker after commit.
    """
    details = dict(details or {})
    filename = (filename or "document").replace("\\", "/").rsplit("/", 1)[-1][:255] or "document"
    if not data:
        return _error(filename, "empty")
    limit = settings.MAX_UPLOAD_SIZE
    if len(data) > limit:
        return _error(filename, "too_large", limit=limit // (1024 * 1024))
    kind = sniff(data)
    if kind == FileKind.ZIP:
        if _in_archive:
            return _error(filename, "nested_zip")
        return _ingest_zip(
            company=company,
            data=data,
            filename=filename,
            source=source,
            details=details,
            actor=actor,
        )
    if kind == FileKind.UNKNOWN:
        return _error(filename, "unsupported")
    return _ingest_file(
        company=company,
        data=data,
        filename=filename,
        kind=kind,
        source=source,
        details=details,
        actor=actor,
    )


def _ingest_zip(
    *,
    company: Company,
    data: bytes,
    filename: str,
    source: str,
    details: dict[str, Any],
    actor: User | None,
) -> IngestResult:
    result = IngestResult(filename=filename)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return _error(filename, "bad_zip")
    total = sum(info.file_size for info in members)
    if len(members) > ZIP_MAX_MEMBERS or total > ZIP_MAX_TOTAL_BYTES:
        return _error(filename, "zip_too_large")
    for info in members:
        name = info.filename.rsplit("/", 1)[-1]
        if name.startswith(".") or info.filename.startswith("__MACOSX/"):
            continue  # resource forks and hidden files from desktop zip tools
        if info.compress_size and info.file_size / info.compress_size > ZIP_MAX_RATIO:
            result.children.append(_error(name, "zip_too_large"))
            continue
        try:
            member = archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            result.children.append(_error(name, "bad_zip"))
            continue
        result.children.append(
            document_ingest(
                company=company,
                data=member,
                filename=name,
                source=source,
                details={**details, "archive": filename, "path_in_archive": info.filename},
                actor=actor,
                _in_archive=True,
            )
        )
    return result


def _ingest_file(
    *,
    company: Company,
    data: bytes,
    filename: str,
    kind: FileKind,
    source: str,
    details: dict[str, Any],
    actor: User | None,
) -> IngestResult:
    digest = sha256_hex(data)
    details = {**details, "filename": filename}
    existing = Document.objects.filter(company=company, sha256=digest).first()
    if existing is not None:
        return _record_duplicate(existing, source=source, details=details, actor=actor)
    now = timezone.now()
    document = Document(
        company=company,
        source=source,
        source_details=details,
        received_at=now,
        original_filename=filename,
        content_type=MIME_TYPES[kind],
        file_kind=kind.value,
        size=len(data),
        sha256=digest,
    )
    try:
        with transaction.atomic():
            document.original.save(filename, ContentFile(data), save=False)
            document.save()
            Arrival.objects.create(
                company=company, document=document, source=source, details=details
            )
            Event.objects.create(
                company=company,
                document=document,
                action=Event.Action.ARRIVED,
                actor=actor,
                data={"source": source, **_timeline_details(details)},
            )
            transaction.on_commit(lambda: _enqueue_read(document))
    except IntegrityError:
        # Another worker stored the same file a moment ago: it is a duplicate after all.
        document.original.delete(save=False)
        existing = Document.objects.get(company=company, sha256=digest)
        return _record_duplicate(existing, source=source, details=details, actor=actor)
    return IngestResult(filename=filename, document=document)


def _record_duplicate(
    document: Document, *, source: str, details: dict[str, Any], actor: User | None
) -> IngestResult:
    Arrival.objects.create(
        company=document.company,
        document=document,
        source=source,
        details=details,
        is_duplicate=True,
    )
    Event.objects.create(
        company=document.company,
        document=document,
        action=Event.Action.ARRIVED_AGAIN,
        actor=actor,
        data={"source": source, **_timeline_details(details)},
    )
    return IngestResult(filename=details.get("filename", ""), document=document, is_duplicate=True)


def _timeline_details(details: dict[str, Any]) -> dict[str, Any]:
    keys = ("filename", "sender", "subject", "message_id", "folder", "path", "archive", "mailbox")
    return {key: details[key] for key in keys if details.get(key)}


def _enqueue_read(document: Document) -> None:
    from apps.documents.tasks import document_read

    document_read.delay(document.company_id, document.pk)


def document_set_status(
    *,
    document: Document,
    status: str,
    actor: User | None = None,
    problem_code: str = "",
    problem: str = "",
) -> Document:
    """Change the status and record it in the timeline (no-op when nothing changes)."""
    if document.status == status and document.problem_code == problem_code:
        return document
    previous = document.status
    document.status = status
    document.problem_code = problem_code
    document.problem = problem
    document.save(update_fields=["status", "problem_code", "problem", "updated_at"])
    Event.objects.create(
        company=document.company,
        document=document,
        action=Event.Action.STATUS,
        actor=actor,
        data={"from": previous, "to": status, "problem_code": problem_code, "problem": problem},
    )
    return document
