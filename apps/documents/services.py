"""Writes for documents: ingest (every source ends here), reading, corrections, status."""

import io
import logging
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.companies.models import Company
from apps.core.files import MIME_TYPES, FileKind, sha256_hex, sniff
from apps.documents.errors import INGEST_ERRORS
from apps.documents.models import (
    CATEGORY_OF_KIND,
    Arrival,
    Category,
    Document,
    Event,
    Kind,
    Supplier,
)

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
    # kept, but it can't be read as it is: the user fills in the details (or it fails)
    notice: str | Promise = ""
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
    return IngestResult(filename=filename, document=document, notice=_first_look(kind, data))


def _first_look(kind: FileKind, data: bytes) -> str:
    """A quick check at arrival, so the uploader hears at once what reading will find."""
    from apps.core.xml import XMLRejected, parse_xml
    from apps.documents.extraction.files import MESSAGES, is_encrypted

    if kind == FileKind.PDF and is_encrypted(data):
        return str(MESSAGES["encrypted"])
    if kind == FileKind.XML:
        try:
            parse_xml(data)
        except XMLRejected as error:
            return str(_("Kept, but it can't be read: %(reason)s") % {"reason": error.message})
    return ""


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


# --- Review: what a document still needs, corrections, supplier memory --------------------------


def totals_mismatch(net: Decimal | None, vat: Decimal | None, gross: Decimal | None) -> bool:
    """True when all three totals are known and net + VAT is not gross (to a cent or two)."""
    if net is None or vat is None or gross is None:
        return False
    return abs(net + vat - gross) > Decimal("0.02")


REVIEW_FIELDS = ("counterparty_name", "number", "issue_date", "total_incl_vat")


def document_review_problems(document: Document) -> list[tuple[str, str]]:
    """What keeps a document from being ready, as (code, message) pairs. Empty = complete.

    Miscellaneous documents (contracts, letters) need no invoice data.
    """
    if document.category == Category.MISCELLANEOUS:
        return []
    problems: list[tuple[str, str]] = []
    labels = {
        "counterparty_name": _("the supplier or customer"),
        "number": _("the document number"),
        "issue_date": _("the date"),
        "total_incl_vat": _("the total"),
    }
    required = [
        name for name in REVIEW_FIELDS if not (name == "number" and document.kind == Kind.RECEIPT)
    ]
    missing = [str(labels[name]) for name in required if getattr(document, name) in (None, "")]
    if missing:
        problems.append(
            (
                "missing_fields",
                str(_("Please fill in %(fields)s.") % {"fields": ", ".join(missing)}),
            )
        )
    net, vat, gross = document.total_excl_vat, document.total_vat, document.total_incl_vat
    if totals_mismatch(net, vat, gross):
        problems.append(
            (
                "totals_inconsistent",
                str(
                    _("The totals don't add up: %(net)s + %(vat)s VAT is not %(gross)s.")
                    % {"net": net, "vat": vat, "gross": gross}
                ),
            )
        )
    return problems


def document_find_near_duplicate(document: Document) -> Document | None:
    """Another file with the same counterparty, number and total: probably the same invoice."""
    if not (document.number and document.total_incl_vat is not None):
        return None
    candidates = Document.objects.filter(
        company=document.company, number=document.number, total_incl_vat=document.total_incl_vat
    ).exclude(pk=document.pk)
    if document.counterparty_vat_id:
        candidates = candidates.filter(counterparty_vat_id=document.counterparty_vat_id)
    elif document.counterparty_name:
        candidates = candidates.filter(counterparty_name__iexact=document.counterparty_name)
    else:
        return None
    return candidates.order_by("received_at", "id").first()


def supplier_remember(*, document: Document) -> Supplier | None:
    """Remember a counterparty's identity from a document a person has checked."""
    if not document.counterparty_name:
        return None
    supplier = None
    if document.counterparty_vat_id:
        supplier = Supplier.objects.filter(
            company=document.company, vat_id=document.counterparty_vat_id
        ).first()
    if supplier is None:
        supplier = Supplier.objects.filter(
            company=document.company, name__iexact=document.counterparty_name
        ).first()
    if supplier is None:
        supplier = Supplier(company=document.company)
    supplier.name = document.counterparty_name
    supplier.vat_id = document.counterparty_vat_id or supplier.vat_id
    supplier.enterprise_number = (
        document.counterparty_enterprise_number or supplier.enterprise_number
    )
    supplier.iban = document.counterparty_iban or supplier.iban
    supplier.default_kind = document.kind
    supplier.save()
    return supplier


EDITABLE_FIELDS = (
    "kind",
    "counterparty_name",
    "counterparty_vat_id",
    "counterparty_enterprise_number",
    "number",
    "issue_date",
    "due_date",
    "currency",
    "total_excl_vat",
    "total_vat",
    "total_incl_vat",
    "counterparty_iban",
    "counterparty_bic",
    "structured_communication",
)


@transaction.atomic
def document_correct(*, document: Document, actor: User, changes: dict[str, Any]) -> Document:
    """Apply a person's corrections: each changed field is marked as set by the user, the
    supplier is remembered for next time, and the document is assessed again."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    changed = [
        name
        for name in EDITABLE_FIELDS
        if name in changes and getattr(document, name) != changes[name]
    ]
    if not changed:
        return document
    for name in changed:
        setattr(document, name, changes[name])
        document.field_sources[name] = {"source": "user", "confidence": 1.0}
    if "kind" in changed:
        document.category = CATEGORY_OF_KIND[Kind(document.kind)]
        document.is_kind_confirmed = True
    document.content_version += 1
    document.save()
    Event.objects.create(
        company=document.company,
        document=document,
        action=Event.Action.EDITED,
        actor=actor,
        data={
            "fields": [
                str(getattr(Document._meta.get_field(name), "verbose_name", name))
                for name in changed
            ]
        },
    )
    document.supplier = supplier_remember(document=document)
    document.save(update_fields=["supplier", "updated_at"])
    document_assess(document=document, actor=actor)
    return document


def _store_envelope(document: Document, xml: bytes, report: dict[str, Any]) -> None:
    if document.envelope:
        document.envelope.delete(save=False)
    document.envelope.save("envelope.xml", ContentFile(xml), save=False)
    document.validation = report


def document_assess(*, document: Document, actor: User | None = None) -> Document:
    """Decide whether a document is ready for the accountant, and prepare its UBL envelope.

    Ready means: the data the accountant needs is there and consistent, and (for invoices,
    credit notes and receipts) the envelope passes the UBL XSD and the EN 16931 rules. The
    Peppol rules are checked too and reported, but only block documents that go over Peppol.
    """
    from apps.documents.envelope import envelope_model
    from apps.einvoice import from_xml, to_ubl, validate
    from apps.einvoice.errors import EInvoiceError

    if document.status in (Document.Status.DELIVERED, Document.Status.FAILED):
        return document
    problems = document_review_problems(document)
    envelope_problem = ""
    if not problems and document.category != Category.MISCELLANEOUS:
        original = document.original.open("rb").read()
        try:
            if document.xml and document.xml_is_ubl:
                xml = document.xml.open("rb").read()
                if not from_xml(xml).attachments and document.file_kind != "xml":
                    # the legal UBL lacks the PDF: embed it (the stored original stays as it was)
                    model = from_xml(xml)
                    model.attachments = envelope_model(document, original).attachments
                    xml = to_ubl(model)
            else:
                xml = to_ubl(envelope_model(document, original))
        except EInvoiceError as error:
            xml, envelope_problem = b"", str(error.message)
        if xml:
            report = validate(xml)
            blocking = [f for f in report.fatal if f.layer in ("xsd", "en16931")]
            if report.errors or blocking or "en16931" not in report.layers_run:
                reasons = [f.explanation() or f.text for f in blocking] or report.errors
                envelope_problem = str(
                    _("The UBL for your accountant is not valid yet: %(reasons)s")
                    % {"reasons": "; ".join(dict.fromkeys(reasons))}
                )
            _store_envelope(document, xml, report.to_dict())
            document.save(update_fields=["envelope", "validation", "updated_at"])
            Event.objects.create(
                company=document.company,
                document=document,
                action=Event.Action.VALIDATED,
                data={"valid": not envelope_problem, "rules": report.fatal_rules},
            )
    if problems:
        code, message = problems[0][0], " ".join(message for _code, message in problems)
    elif envelope_problem:
        code, message = "envelope_invalid", envelope_problem
    else:
        code, message = "", ""
    status = Document.Status.NEEDS_REVIEW if code else Document.Status.READY
    document.possible_duplicate_of = document_find_near_duplicate(document)
    document.save(update_fields=["possible_duplicate_of", "updated_at"])
    return document_set_status(
        document=document, status=status, actor=actor, problem_code=code, problem=message
    )
