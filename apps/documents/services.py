"""Writes for documents: ingest (every source ends here), reading, corrections, status."""

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.billing.entitlements import collection_check
from apps.billing.metering import is_billable
from apps.billing.services import usage_record
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.core.archives import UnpackBudget, ZipRefused, unpack_zip
from apps.core.errors import DomainError
from apps.core.files import (
    MIME_TYPES,
    FileKind,
    sha256_hex,
    sniff,
    statement_kind,
    stored_delete,
)
from apps.core.problems import worded
from apps.core.xml import XMLRejected, parse_xml
from apps.documents.errors import INGEST_ERRORS
from apps.documents.extraction.text import SURE
from apps.documents.models import (
    CATEGORY_OF_KIND,
    CREDIT_NOTE_KINDS,
    NOT_INVOICE_KINDS,
    Arrival,
    Category,
    Document,
    Event,
    Kind,
    Source,
    Supplier,
)
from apps.documents.problems import Problem, blocking
from apps.documents.problems import make as make_problem
from apps.einvoice import EInvoiceError, from_xml, validate
from apps.einvoice.errors import MESSAGES as EINVOICE_MESSAGES
from apps.outbox.models import Topic
from apps.outbox.services import event_emit

logger = logging.getLogger(__name__)

ZIP_MAX_PAIRED_PDFS = 20  # PDFs whose text is read at arrival to find their XML in a ZIP


@dataclass(frozen=True)
class StatementOutcome:
    """What the bank import made of a bank statement file that arrived with documents."""

    statements: int = 0  # statements imported from it
    new: int = 0  # transactions it added
    duplicates: int = 0  # transactions that were there already
    # why it was not imported (it is kept by the bank import all the same), as a coded
    # problem of the bank import's catalogue, worded when shown
    refusal: Problem | None = None


class StatementIntake(Protocol):
    def __call__(
        self,
        *,
        company: Company,
        data: bytes,
        filename: str,
        source: str,
        details: dict[str, Any],
        actor: User | None,
    ) -> StatementOutcome: ...


_statement_intake: StatementIntake | None = None


def statement_intake_register(intake: StatementIntake) -> None:
    """Who takes the bank statement files that arrive with documents: the bank import, set
    once at start-up by ``apps.flows`` (documents knows nothing of banking). Until one is set,
    a statement file is kept as a document of kind bank statement, so that nothing is lost."""
    global _statement_intake
    if _statement_intake is not None and _statement_intake is not intake:
        raise ValueError("another statement intake is registered already")
    _statement_intake = intake


@dataclass
class IngestResult:
    """What became of one arriving file: a document, a bank statement handed to the bank
    import, or an error (a statement the bank import refused has both: it is kept there)."""

    filename: str
    document: Document | None = None
    is_duplicate: bool = False
    error_code: str = ""
    error: str | Promise = ""
    # kept, but it can't be read as it is: the user fills in the details (or it fails)
    notice: str | Promise = ""
    children: list["IngestResult"] = field(default_factory=list)
    # the e-invoice XML of a PDF that came with it: part of that PDF's document, not another
    joined_with: str = ""
    error_params: dict[str, Any] = field(default_factory=dict)  # to say it again in any language
    # a bank statement file: no document, taken by the bank import (never counted against
    # the plan, never sent to the accountant)
    statement: StatementOutcome | None = None

    @property
    def is_statement(self) -> bool:
        return self.statement is not None

    @property
    def new_transactions(self) -> int:
        return self.statement.new if self.statement is not None else 0

    @property
    def ok(self) -> bool:
        if self.statement is not None:
            return not self.error_code
        return self.document is not None or (bool(self.children) and not self.error_code)


def _error(filename: str, code: str, **params: Any) -> IngestResult:
    message: Any = INGEST_ERRORS[code]
    if params:
        message = str(message) % worded(params)
    return IngestResult(filename=filename, error_code=code, error=message, error_params=params)


def _too_large(filename: str) -> IngestResult:
    return _error(filename, "too_large", limit=settings.MAX_UPLOAD_SIZE // (1024 * 1024))


def document_ingest(
    *,
    company: Company,
    data: bytes,
    filename: str,
    source: str,
    details: dict[str, Any] | None = None,
    actor: User | None = None,
    _in_archive: bool = False,
    _companion_xml: tuple[str, bytes] | None = None,
    budget: UnpackBudget | None = None,
) -> IngestResult:
    """Turn an arriving file into a document of ``company`` (or recognise it as one we have).

    Invariants: the same bytes twice in one company are one document (the later arrival is
    recorded and linked, never processed twice); a ZIP is unpacked and each member ingested on
    its own, a bad member never blocking the others; reading happens in a worker after commit.
    A bank statement file (CODA, CAMT.052/053/054, MT940), alone, in a ZIP or attached to an
    e-mail, is no document: the statement intake takes it (``statement_intake_register``).
    """
    details = dict(details or {})
    filename = (filename or "document").replace("\\", "/").rsplit("/", 1)[-1][:255] or "document"
    if not data:
        return _error(filename, "empty")
    if len(data) > settings.MAX_UPLOAD_SIZE:
        return _too_large(filename)
    if _statement_intake is not None and statement_kind(data) is not None:
        return _hand_to_bank(
            _statement_intake,
            company=company,
            data=data,
            filename=filename,
            source=source,
            details=details,
            actor=actor,
        )
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
            budget=budget or UnpackBudget(),
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
        companion_xml=_companion_xml if kind == FileKind.PDF else None,
    )


def _hand_to_bank(
    intake: StatementIntake,
    *,
    company: Company,
    data: bytes,
    filename: str,
    source: str,
    details: dict[str, Any],
    actor: User | None,
) -> IngestResult:
    """A bank statement file to the bank import, which keeps it whatever it makes of it."""
    _count_if_billable(company, source=source, is_bank_statement=True)
    outcome = intake(
        company=company,
        data=data,
        filename=filename,
        source=source,
        details=details,
        actor=actor,
    )
    if outcome.refusal is not None:
        result = _error(filename, "statement_refused", reason=outcome.refusal)
        result.statement = outcome
        return result
    notice = ngettext(
        "Bank statement: imported on the Bank page (%(count)s new transaction).",
        "Bank statement: imported on the Bank page (%(count)s new transactions).",
        outcome.new,
    ) % {"count": outcome.new}
    return IngestResult(filename=filename, statement=outcome, notice=notice)


def _ingest_zip(
    *,
    company: Company,
    data: bytes,
    filename: str,
    source: str,
    details: dict[str, Any],
    actor: User | None,
    budget: UnpackBudget,
) -> IngestResult:
    """Each member becomes a document, or none does: a ZIP with too many files, or whose files
    add up to more than the budget left (``ZIP_MAX_TOTAL_SIZE`` per upload or e-mail), is
    refused whole with what it holds, so nothing is taken in part and silently lost
    (``apps.core.archives``)."""
    try:
        members, refused = unpack_zip(data, budget)
    except ZipRefused as refusal:
        return _error(filename, refusal.code, **refusal.params)
    result = IngestResult(filename=filename)
    result.children.extend(_error(name, why.code, **why.params) for name, why in refused)
    result.children.extend(
        document_ingest_many(
            company=company,
            files=[(member.name, member.path, member.data) for member in members],
            source=source,
            details=details,
            actor=actor,
            archive=filename,
        )
    )
    return result


def document_ingest_many(
    *,
    company: Company,
    files: list[tuple[str, str, bytes]],
    source: str,
    details: dict[str, Any],
    actor: User | None = None,
    archive: str = "",
    budget: UnpackBudget | None = None,
) -> list[IngestResult]:
    """Ingest files that arrived together (a ZIP's members, an e-mail's attachments): a PDF
    and the e-invoice XML of the same invoice become one document. ``files`` holds (name,
    path, bytes); ``archive`` names the ZIP they came out of, if any. Their ZIPs share one
    ``budget`` of unpacked bytes."""
    budget = budget or UnpackBudget()
    results: list[IngestResult] = []
    pairs = _invoice_pairs(files)
    joined = set(pairs.values())
    for index, (name, path, member) in enumerate(files):
        if index in joined:
            continue  # ingested with its PDF below
        companion = files[pairs[index]] if index in pairs else None
        extra: dict[str, Any] = {"archive": archive, "path_in_archive": path} if archive else {}
        if companion:
            extra["xml_filename"] = companion[0]
        child = document_ingest(
            company=company,
            data=member,
            filename=name,
            source=source,
            details={**details, **extra},
            actor=actor,
            _in_archive=bool(archive),
            _companion_xml=(companion[0], companion[2]) if companion else None,
            budget=budget,
        )
        results.append(child)
        if companion is not None:
            results.append(
                IngestResult(
                    filename=companion[0],
                    document=child.document,
                    is_duplicate=child.is_duplicate,
                    error_code=child.error_code,
                    error=child.error,
                    error_params=child.error_params,
                    joined_with=name,
                )
            )
    return results


def _invoice_pairs(members: list[tuple[str, str, bytes]]) -> dict[int, int]:
    """PDFs and e-invoice XMLs of one ZIP that are the same invoice: {PDF index: XML index}.

    The same invoice means: the XML is a readable e-invoice, the PDF carries none itself, and
    they have the same file name or the PDF's text shows the XML's invoice number.
    """
    from apps.documents.extraction.files import ExtractionError, embedded_xml, pdf_text

    xmls: dict[int, str] = {}
    for index, (_name, _path, data) in enumerate(members):
        if data and sniff(data) == FileKind.XML:
            try:
                xmls[index] = from_xml(data).number
            except EInvoiceError:
                continue
    pdfs = [i for i, (_n, _p, data) in enumerate(members) if data and sniff(data) == FileKind.PDF]
    pairs: dict[int, int] = {}
    if not xmls or not pdfs or len(pdfs) > ZIP_MAX_PAIRED_PDFS:
        return pairs
    for pdf_index in pdfs:
        name, _path, data = members[pdf_index]
        stem = name.rsplit(".", 1)[0].lower()
        free = [i for i in xmls if i not in pairs.values()]
        match = next((i for i in free if members[i][0].rsplit(".", 1)[0].lower() == stem), None)
        if match is None:
            try:
                if embedded_xml(data) is not None:
                    continue
                text = pdf_text(data, allow_ocr=False).text
            except ExtractionError:
                continue
            match = next((i for i in free if xmls[i] and xmls[i] in text), None)
        if match is not None:
            pairs[pdf_index] = match
    return pairs


def _ingest_file(
    *,
    company: Company,
    data: bytes,
    filename: str,
    kind: FileKind,
    source: str,
    details: dict[str, Any],
    actor: User | None,
    companion_xml: tuple[str, bytes] | None = None,
) -> IngestResult:
    digest = sha256_hex(data)
    details = {**details, "filename": filename}
    existing = Document.objects.filter(company=company, sha256=digest).first()
    if existing is not None:
        return _record_duplicate(existing, source=source, details=details, actor=actor)
    now = timezone.now()
    # a bank file kept as a document (no bank import registered): still no billable document
    is_bank_statement = kind in (FileKind.CODA, FileKind.MT940) or bool(statement_kind(data))
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
            if companion_xml is not None:
                # the same invoice as XML: the legal invoice, read instead of the PDF's text
                from apps.documents.reading import store_xml

                store_xml(document, companion_xml[1])
            document.counted_month = _count_if_billable(
                company, source=source, is_bank_statement=is_bank_statement
            )
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
            transaction.on_commit(lambda: document_queue_read(document))
    except IntegrityError:
        # Another worker stored the same file a moment ago: it is a duplicate after all.
        _discard_files(document)
        existing = Document.objects.get(company=company, sha256=digest)
        return _record_duplicate(existing, source=source, details=details, actor=actor)
    except BaseException:
        _discard_files(document)  # not recorded: nothing of it stays in the storage
        raise
    return IngestResult(filename=filename, document=document, notice=_first_look(kind, data))


def _discard_files(document: Document) -> None:
    stored_delete(document.xml)
    stored_delete(document.original)


def _first_look(kind: FileKind, data: bytes) -> str:
    """A quick check at arrival, so the uploader hears at once what reading will find."""
    from apps.documents.extraction.files import ExtractionError, check_pdf

    if kind == FileKind.PDF:
        try:
            check_pdf(data)
        except ExtractionError as error:
            if error.code in ("encrypted", "too_many_pages"):
                return error.message
    if kind == FileKind.XML:
        try:
            parse_xml(data)
        except XMLRejected as error:
            return str(_("Kept, but it can't be read: %(reason)s") % {"reason": error.message})
    return ""


def _count_if_billable(
    company: Company, *, source: str, is_duplicate: bool = False, is_bank_statement: bool = False
) -> datetime.date | None:
    """Count an arrival against the company's month if billing's one rule says it is
    billable (``apps.billing.metering``); the month counted, or None."""
    if not is_billable(
        source=source, is_duplicate=is_duplicate, is_bank_statement=is_bank_statement
    ):
        return None
    return usage_record(company=company)


def _record_duplicate(
    document: Document, *, source: str, details: dict[str, Any], actor: User | None
) -> IngestResult:
    _count_if_billable(document.company, source=source, is_duplicate=True)  # never: the rule
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


def document_queue_read(document: Document) -> None:
    """Queue the reading of a document, on the queue ``reading_queue`` chooses."""
    from apps.documents.tasks import document_read

    document_read.apply_async(
        (document.company_id, document.pk), queue=reading_queue(document.company)
    )


def reading_queue(company: Company) -> str:
    """``documents``, or ``bulk`` when the company already has more than
    ``DOCUMENT_BULK_THRESHOLD`` documents waiting to be read. Workers take from both queues in
    turn, so one company's flood (thousands of attachments) doesn't hold up the others."""
    with company_scope(company):
        waiting = Document.objects.filter(
            company=company,
            status__in=(Document.Status.RECEIVED, Document.Status.READING),
            junk_at__isnull=True,
        )[: settings.DOCUMENT_BULK_THRESHOLD + 1].count()
    return "bulk" if waiting > settings.DOCUMENT_BULK_THRESHOLD else "documents"


def document_ingest_uploads(
    *,
    company: Company,
    uploads: list[UploadedFile],
    source: str,
    details: dict[str, Any],
    actor: User | None,
) -> list[IngestResult]:
    """The files of one upload (the upload page, the API), each refused by its size before it
    is read, so a file past the limit never reaches memory (it arrives cut, see
    apps.core.uploads). Their ZIPs share one unpacking budget (``ZIP_MAX_TOTAL_SIZE``).

    Raises ``CollectionPaused`` (``apps.billing.entitlements``) when the company's plan in
    force collects nothing (Start, or a payment overdue past its grace): nothing is taken."""
    collection_check(company)
    budget = UnpackBudget()
    results = []
    for upload in uploads:
        if (upload.size or 0) > settings.MAX_UPLOAD_SIZE:
            results.append(_too_large(upload.name or "document"))
            continue
        results.append(
            document_ingest(
                company=company,
                data=upload.read(),
                filename=upload.name or "",
                source=source,
                details=details,
                actor=actor,
                budget=budget,
            )
        )
    return results


@transaction.atomic
def document_set_status(
    *,
    document: Document,
    status: str,
    actor: User | None = None,
    problems: list[Problem] | None = None,
) -> Document:
    """Change the status and its problems, and record it in the timeline.

    Nothing happens when both the status and the problems (codes and parameters) are as they
    were, so that a document assessed again without news keeps a quiet timeline."""
    problems = problems or []
    if document.junk_at is not None:
        return document  # deleted as junk: final, it never becomes ready (nor anything else)
    if document.status == status and document.problems == problems:
        return document
    previous = document.status
    document.status = status
    document.problem_code = problems[0]["code"] if problems else ""
    document.problems = problems
    document.save(update_fields=["status", "problem_code", "problems", "updated_at"])
    Event.objects.create(
        company_id=document.company_id,
        document=document,
        action=Event.Action.STATUS,
        actor=actor,
        data={"from": previous, "to": status, "problems": problems},
    )
    if status == Document.Status.READY:
        # The transfer to the accountant starts here: announced in this transaction, so a
        # ready document is never without its delivery (apps.flows has it planned on commit).
        event_emit(company=document.company, topic=Topic.DOCUMENT_READY, document_id=document.pk)
    return document


# What the status of a document needs (and its delivery summary): enough to follow its
# deliveries without loading its text, lines and the rest.
STATUS_FIELDS = (
    "id",
    "company_id",
    "status",
    "problems",
    "problem_code",
    "content_version",
    "delivered_version",
    "delivered_at",
    "updated_at",
)


def document_record_delivery(
    *, company: Company, document_id: int, data: dict[str, Any], actor_id: int | None = None
) -> None:
    """A delivery of the document changed (``data``: address, status, reason, response):
    into its timeline; nothing when the document is gone."""
    if Document.objects.filter(pk=document_id).exists():
        Event.objects.create(
            company=company,
            document_id=document_id,
            action=Event.Action.DELIVERY,
            actor_id=actor_id,
            data=data,
        )


@transaction.atomic
def document_mark_delivered(*, document_id: int, version: int) -> Document | None:
    """The accountant received ``version`` of the document. It is delivered, unless it was
    corrected since (then it stays ready, and the corrected version goes next). Flags that
    never kept it from going (a supplier's amounts that don't add up) stay shown. The
    document with its status fields; None when it is gone."""
    document = (
        Document.objects.select_for_update().only(*STATUS_FIELDS).filter(pk=document_id).first()
    )
    if document is None:
        return None
    if document.delivered_version is None or version > document.delivered_version:
        document.delivered_version = version
        document.delivered_at = timezone.now()
        document.save(update_fields=["delivered_version", "delivered_at", "updated_at"])
    if document.status == Document.Status.READY and document.content_version == version:
        notices = [problem for problem in document.problems or [] if problem.get("notice")]
        document_set_status(document=document, status=Document.Status.DELIVERED, problems=notices)
    return document


@transaction.atomic
def document_hold(*, document_id: int, problems: list[Problem]) -> None:
    """Its delivery cannot go as it is (``problems`` say why): a ready or delivered document
    needs review; once it is ready again, the delivery goes."""
    document = (
        Document.objects.select_for_update().only(*STATUS_FIELDS).filter(pk=document_id).first()
    )
    if document is not None and document.status in (
        Document.Status.READY,
        Document.Status.DELIVERED,
    ):
        document_set_status(
            document=document, status=Document.Status.NEEDS_REVIEW, problems=problems
        )


# --- Review: what a document still needs, corrections, supplier memory --------------------------


def totals_mismatch(net: Decimal | None, vat: Decimal | None, gross: Decimal | None) -> bool:
    """True when all three totals are known and net + VAT is not gross (to a cent or two)."""
    if net is None or vat is None or gross is None:
        return False
    return abs(net + vat - gross) > Decimal("0.02")


REVIEW_FIELDS = ("counterparty_name", "number", "issue_date", "total_incl_vat")
# Fields that must be right for the accountant: one read with a confidence below SURE (the
# reader's own threshold, measured by the bench) is checked by a person before the document
# goes.
IMPORTANT_FIELDS = (
    "counterparty_name",
    "counterparty_vat_id",
    "number",
    "issue_date",
    "total_excl_vat",
    "total_vat",
    "total_incl_vat",
    "vat_breakdown",
)


def unsure_fields(document: Document) -> list[str]:
    """Important fields that have a value read with low confidence and not checked by a person."""
    unsure = []
    for name in IMPORTANT_FIELDS:
        info = document.field_sources.get(name) or {}
        if getattr(document, name) in (None, "", []) or info.get("source") == "user":
            continue
        if info.get("confidence") is not None and info["confidence"] < SURE:
            unsure.append(name)
    return unsure


def _unchecked_receiver(document: Document) -> str:
    """The participant an e-invoice received over Peppol was addressed to when that is not
    the company, until a person said it is theirs."""
    details = document.source_details or {}
    return "" if details.get("receiver_checked") else str(details.get("wrong_receiver", ""))


def document_review_problems(document: Document) -> list[Problem]:
    """What keeps a document from being ready (codes with parameters). Empty = complete.

    Miscellaneous documents (contracts, letters) need no invoice data. An e-invoice that
    came addressed to another participant waits for a person.
    """
    found: list[Problem] = []
    receiver = _unchecked_receiver(document)
    if receiver:
        found.append(make_problem("wrong_receiver", receiver=receiver))
    if document.category == Category.MISCELLANEOUS:
        return found
    required = [
        name for name in REVIEW_FIELDS if not (name == "number" and document.kind == Kind.RECEIPT)
    ]
    missing = [name for name in required if getattr(document, name) in (None, "")]
    if missing:
        found.append(make_problem("missing_fields", fields=missing))
    net, vat, gross = document.total_excl_vat, document.total_vat, document.total_incl_vat
    if totals_mismatch(net, vat, gross):
        found.append(
            make_problem(
                "totals_inconsistent", net=net, vat=vat, gross=gross, currency=document.currency
            )
        )
    unsure = [name for name in unsure_fields(document) if name not in missing]
    if "counterparty_name" in unsure and document.supplier_id is None:
        # a name is only sure once a person confirmed it: the first document of a new
        # counterparty waits for them, its next ones (found by their VAT id) don't
        found.append(make_problem("new_counterparty", name=document.counterparty_name))
        unsure.remove("counterparty_name")
    if unsure:
        found.append(make_problem("unsure_fields", fields=unsure))
    return found


def document_find_near_duplicate(document: Document) -> Document | None:
    """Another file with the same counterparty, number and total: probably the same invoice.
    A reminder or a statement quotes an invoice's number and total without being it."""
    if document.kind in NOT_INVOICE_KINDS:
        return None
    if not (document.number and document.total_incl_vat is not None):
        return None
    candidates = Document.objects.filter(
        company=document.company,
        number=document.number,
        total_incl_vat=document.total_incl_vat,
        junk_at__isnull=True,
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
    from apps.documents.selectors import supplier_find

    supplier = supplier_find(
        company=document.company,
        vat_id=document.counterparty_vat_id,
        iban=document.counterparty_iban,
        name=document.counterparty_name,
    )
    if supplier is None:
        supplier = Supplier(company=document.company)
    supplier.name = document.counterparty_name
    supplier.vat_id = document.counterparty_vat_id or supplier.vat_id
    supplier.enterprise_number = (
        document.counterparty_enterprise_number or supplier.enterprise_number
    )
    supplier.iban = document.counterparty_iban or supplier.iban
    if document.kind not in CREDIT_NOTE_KINDS and document.kind not in NOT_INVOICE_KINDS:
        # a credit note is an event, not a habit (nor are terms or a reminder): the usual kind
        # stays what it was
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
    "vat_breakdown",
    "counterparty_iban",
    "counterparty_bic",
    "structured_communication",
)


@transaction.atomic
def document_correct(*, document: Document, actor: User, changes: dict[str, Any]) -> Document:
    """Apply a person's corrections: each changed field is marked as set by the user, the
    unsure fields they saw and left as they were count as checked, the supplier is remembered
    for next time, and the document is assessed again.

    The timeline records the names of the changed fields (translated when shown). A sales
    document made from an issued invoice is not corrected here (a credit note does that)."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.source == Source.SALES:
        raise DomainError(
            _("An invoice made in OkiOki is corrected with a credit note, not here."),
            code="sales_document",
        )
    changed = [
        name
        for name in EDITABLE_FIELDS
        if name in changes and getattr(document, name) != changes[name]
    ]
    checked = [name for name in unsure_fields(document) if name in changes and name not in changed]
    # saving a document that came addressed to someone else says it is ours after all
    receiver = _unchecked_receiver(document)
    if not changed and not checked and not receiver:
        return document
    if receiver:
        document.source_details = {**document.source_details, "receiver_checked": True}
    for name in changed:
        setattr(document, name, changes[name])
        document.field_sources[name] = {"source": "user", "confidence": 1.0}
    for name in checked:
        document.field_sources[name] = {
            **document.field_sources[name],
            "confidence": 1.0,
            "checked_by_user": True,
        }
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
        data={"fields": changed, "checked": checked},
    )
    document.supplier = supplier_remember(document=document)
    document.save(update_fields=["supplier", "updated_at"])
    if document.supplier is not None:
        transaction.on_commit(partial(supplier_queue_learn, document))
    document_assess(document=document, actor=actor)
    return document


def supplier_queue_learn(document: Document) -> None:
    """Queue the learning of where the document's supplier puts what a person corrected."""
    from apps.documents.tasks import supplier_learn_layout

    supplier_learn_layout.delay(document.company_id, document.pk)


# the files whose words have places on a page (an e-invoice's values have none)
def supplier_learn_layout(*, company_id: int, document_id: int) -> dict[str, Any]:
    """Remember, on the document's supplier, where each field a person corrected or checked
    stands on its page (``extraction.places``), so that the supplier's next document is read
    there first. A corrected field found nowhere on the page loses the place learned before
    (that place gave a wrong value). Returns the supplier's layout.

    Runs in a worker: the words are read again from the original (OCR for a scan). Running
    twice learns the same places. A document read from an e-invoice, or without a supplier,
    teaches nothing."""
    from celery.exceptions import SoftTimeLimitExceeded

    from apps.documents.extraction.files import ExtractionError, read_words
    from apps.documents.extraction.page_images import PAGE_KINDS
    from apps.documents.extraction.patterns import date_order
    from apps.documents.extraction.places import LEARNED_FIELDS, locate

    document = Document.objects.filter(company_id=company_id, pk=document_id).first()
    if (
        document is None
        or document.supplier_id is None
        or document.xml
        or document.file_kind not in PAGE_KINDS
    ):
        return {}
    sources = document.field_sources
    corrected = [n for n in LEARNED_FIELDS if sources.get(n, {}).get("source") == "user"]
    checked = [n for n in LEARNED_FIELDS if sources.get(n, {}).get("checked_by_user")]
    if not corrected and not checked:
        return {}
    data = document.original.open("rb").read()
    try:
        read = read_words(data, pdf=document.file_kind == "pdf")
    except (ExtractionError, SoftTimeLimitExceeded):
        logger.info("no words to learn from in document %s", document.pk)
        return {}
    pages = read.words
    month_first = date_order(read.text)
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(
            company_id=company_id, pk=document.supplier_id
        )
        layout = dict(supplier.layout)
        for name in corrected + checked:
            place = locate(name, getattr(document, name), pages, month_first=month_first)
            if place is not None:
                layout[name] = place
            elif name in corrected:
                layout.pop(name, None)
        if layout != supplier.layout:
            supplier.layout = layout
            supplier.save(update_fields=["layout", "updated_at"])
    return layout


def supplier_forget_layout(*, company: Company, supplier: Supplier) -> None:
    """Forget where the supplier puts its fields: its next documents are read as any other."""
    Supplier.objects.filter(company=company, pk=supplier.pk).update(
        layout={}, updated_at=timezone.now()
    )


def _store_envelope(document: Document, xml: bytes) -> None:
    if document.envelope:
        document.envelope.delete(save=False)
    document.envelope.save("envelope.xml", ContentFile(xml), save=False)


def _verdict_reason(previous: dict[str, Any], current: dict[str, Any]) -> str:
    """Why the verdict on a document's envelope changed, as a code the timeline words."""
    if "envelope_valid" not in previous:
        return "first"
    if current.get("errors"):
        return "validator"
    if not current.get("envelope_sha256"):
        return "unbuildable"
    if previous.get("envelope_sha256") != current.get("envelope_sha256"):
        return "content"
    return "rules"


def _record_verdict(document: Document, current: dict[str, Any]) -> None:
    """Store the verdict (the only one the page shows) and, when it changes, say so and why
    in the timeline: a verdict never changes without an event."""
    previous = document.validation or {}
    document.validation = current
    document.save(update_fields=["envelope", "validation", "updated_at"])
    if previous.get("envelope_valid") == current["envelope_valid"]:
        return
    Event.objects.create(
        company=document.company,
        document=document,
        action=Event.Action.VALIDATED,
        data={
            "valid": current["envelope_valid"],
            "reason": _verdict_reason(previous, current),
            "rules": sorted({f["rule"] for f in current.get("failures", [])}),
        },
    )


def _as_sent(document: Document, xml: bytes, report: Any) -> dict[str, Any] | None:
    """A received e-invoice as its sender sent it: a valid e-invoice or not (shown for
    information; its envelope is what the accountant gets)."""
    if not document.xml or document.category == Category.SALES:
        return None
    source = document.xml.open("rb").read()
    judged = report if source == xml else validate(source)
    return {
        "valid": judged.is_valid,
        "failures": [failure.to_dict() for failure in judged.fatal],
        "errors": judged.errors,
    }


def _envelope(document: Document) -> list[Problem]:
    """Build and check the UBL envelope; the problems that keep it from being valid, then the
    notices that flag it without holding it back. The verdict is stored with the envelope."""
    from apps.documents.envelope import (
        SOURCE_AMOUNT_RULES,
        EnvelopeProblem,
        envelope_with_notices,
    )

    try:
        xml, notices = envelope_with_notices(document)
    except (EnvelopeProblem, EInvoiceError) as error:
        if isinstance(error, EnvelopeProblem):
            problem = error.problem
        else:
            catalogue = "einvoice" if error.code in EINVOICE_MESSAGES else "xml"
            problem = make_problem(error.code, catalogue, **error.params)
        _record_verdict(document, {"envelope_valid": False})
        return [problem]
    report = validate(xml)
    previous = document.validation or {}
    kept = [p for p in document.problems or [] if p.get("code") == "envelope_invalid"]
    if (
        report.errors
        and previous.get("envelope_sha256") == sha256_hex(xml)
        and (previous.get("envelope_valid") or kept)
    ):
        # The validator failed on the very envelope it judged before (a timeout, a rule file
        # being replaced): the document didn't change, so neither does its verdict.
        logger.warning("validator failed on document %s: %s", document.pk, report.errors)
        return kept + notices
    failing = [f for f in report.fatal if f.layer in ("xsd", "en16931")]
    if notices:  # the e-invoice's own amounts don't add up: flagged, kept, not held back
        failing = [f for f in failing if not SOURCE_AMOUNT_RULES.fullmatch(f.rule)]
    found = []
    if report.errors or failing or "en16931" not in report.layers_run:
        found.append(
            make_problem(
                "envelope_invalid",
                failures=[
                    {"rule": f.rule, "text": f.text} for f in {f.rule: f for f in failing}.values()
                ],
                errors=report.errors,
                # on anything but a sale the user is the buyer: the texts speak to them
                side="seller" if document.category == Category.SALES else "buyer",
            )
        )
    found.extend(notices)
    _store_envelope(document, xml)
    _record_verdict(
        document,
        {
            **report.to_dict(),
            "envelope_valid": not blocking(found),
            "envelope_sha256": sha256_hex(xml),
            "as_sent": _as_sent(document, xml, report),
        },
    )
    return found


def _has_invoice_data(document: Document) -> bool:
    return bool(document.vat_breakdown) and all(
        getattr(document, name) not in (None, "") for name in REVIEW_FIELDS
    )


def _drop_envelope(document: Document) -> None:
    if document.envelope:
        document.envelope.delete(save=False)
    document.envelope = ""
    document.save(update_fields=["envelope", "updated_at"])


def document_assess(*, document: Document, actor: User | None = None) -> Document:
    """Decide whether a document is ready for the accountant, and prepare its UBL envelope.

    Ready means: the data the accountant needs is there, consistent and read with confidence
    (or checked by a person), and (for invoices, credit notes and receipts) the envelope says
    what the document says (the same totals) and passes the UBL XSD and the EN 16931 rules.
    The Peppol rules are checked too and reported, but only block documents that go over
    Peppol.

    A document already sent to the accountant is assessed again when it is corrected: its
    envelope is rebuilt, and it is ready again (so that the corrected version goes) unless
    its current version is the one that was sent.
    """
    if document.status == Document.Status.FAILED:
        return document
    found = document_review_problems(document)
    if not found and document.category != Category.MISCELLANEOUS:
        found = _envelope(document)
    elif not found and document.kind not in NOT_INVOICE_KINDS and _has_invoice_data(document):
        # A miscellaneous document that carries invoice data gets a UBL envelope too, where
        # the data allows one; a contract or a letter goes to the accountant as it is.
        found = _envelope(document)
        if blocking(found):
            found = []
            _drop_envelope(document)
    # Notices (amounts of an e-invoice that don't add up) are shown but don't hold it back.
    status = Document.Status.NEEDS_REVIEW if blocking(found) else Document.Status.READY
    if (
        status == Document.Status.READY
        and document.status == Document.Status.DELIVERED
        and document.delivered_version == document.content_version
    ):
        status = Document.Status.DELIVERED
    document.possible_duplicate_of = document_find_near_duplicate(document)
    document.save(update_fields=["possible_duplicate_of", "updated_at"])
    return document_set_status(document=document, status=status, actor=actor, problems=found)


PAYABLE_KINDS = (Kind.PURCHASE_INVOICE, Kind.PURCHASE_CREDIT_NOTE)


@transaction.atomic
def documents_record_payments(
    *, company: Company, payments: dict[int, tuple[Decimal, datetime.date | None]]
) -> None:
    """What the bank's matched payments add up to per purchase document (``{document id:
    (amount, value date of the last payment)}``): paid in full on that date, or a part with
    its balance. One marked paid by hand stays so."""
    documents = list(
        Document.objects.filter(company=company, pk__in=payments, kind__in=PAYABLE_KINDS)
    )
    now = timezone.now()
    for document in documents:
        paid, last = payments[document.pk]
        document.paid_amount = paid
        document.updated_at = now  # bulk_update leaves auto_now alone
        if document.paid_by_id is not None:
            continue
        total = document.total_incl_vat
        document.paid_on = last if total is not None and paid > 0 and paid >= total else None
    Document.objects.bulk_update(documents, ["paid_amount", "paid_on", "updated_at"])


@transaction.atomic
def document_mark_paid(
    *, document: Document, actor: User, paid_on: datetime.date | None = None
) -> Document:
    """Paid by hand (cash, a card): on ``paid_on`` (today when not given), by ``actor``."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.kind != Kind.PURCHASE_INVOICE:
        raise DomainError(_("Only a purchase invoice can be marked paid."), code="not_payable")
    if document.paid_on is not None:
        raise DomainError(_("This document is already paid."), code="already_paid")
    document.paid_on = paid_on or timezone.localdate()
    document.paid_by = actor
    document.save(update_fields=["paid_on", "paid_by", "updated_at"])
    Event.objects.create(
        company=document.company,
        document=document,
        action=Event.Action.PAID,
        actor=actor,
        data={"paid_on": document.paid_on.isoformat()},
    )
    return document


@transaction.atomic
def document_mark_unpaid(*, document: Document, actor: User) -> Document:
    """Undo a "mark paid" by hand (one the bank's payments paid is undone on its match)."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.paid_by_id is None:
        raise DomainError(
            _("Only a document marked paid by hand can be marked unpaid here."),
            code="not_paid_by_hand",
        )
    document.paid_on, document.paid_by = None, None
    document.save(update_fields=["paid_on", "paid_by", "updated_at"])
    Event.objects.create(
        company=document.company, document=document, action=Event.Action.UNPAID, actor=actor
    )
    return document
