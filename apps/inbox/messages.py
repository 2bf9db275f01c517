"""One e-mail becomes documents: the path every message takes, from a mailbox or forwarded.

``message_import`` parses the e-mail, hands each attached document to ``document_ingest``
(which passes a bank statement file on to the bank import), turns a body that is itself the
invoice into a PDF, and records what became of the message. It
is idempotent per message (a mailbox resync or an SMTP retry finds the record and stops).
"""

import logging
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils.text import slugify

from apps.companies.models import Company
from apps.documents.models import Source
from apps.documents.services import IngestResult, document_ingest, document_ingest_many
from apps.inbox.mail import ParsedMessage, parse_message
from apps.inbox.models import InboundMessage, Mailbox

logger = logging.getLogger(__name__)


def body_to_pdf(parsed: ParsedMessage) -> bytes:
    """The body of an e-mail that is itself the invoice, as a PDF with its headers on top."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    name, address = parseaddr(parsed.sender)
    html = render_to_string(
        "pdf/inbox/message_body.html",
        {
            "message": parsed,
            "sender_name": name or address,
            "has_html": bool(parsed.html.strip()),
        },
    )
    # An e-mail's remote pictures and style sheets are never fetched (tracking, SSRF).
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def _flatten(results: list[IngestResult]) -> list[IngestResult]:
    flat: list[IngestResult] = []
    for result in results:
        if result.children:
            flat.extend(_flatten(result.children))
            if result.error_code:
                flat.append(result)
        else:
            flat.append(result)
    return flat


def _outcome(result: IngestResult) -> str:
    if result.joined_with:
        return "joined"
    if result.is_duplicate:
        return "duplicate"
    if result.is_statement and not result.error_code:
        return "statement"  # imported by the bank import: no document
    return "created" if result.document else result.error_code


def _outcome_params(result: IngestResult) -> dict[str, Any]:
    if result.error_params:
        return {"params": result.error_params}
    if result.is_statement:
        return {"params": {"new": result.new_transactions}}
    return {}


def message_find(*, company: Company, mailbox: Mailbox | None, key: str) -> InboundMessage | None:
    """The message with ``key`` already recorded from ``mailbox`` (None: the company's
    forwarding address)."""
    if mailbox is not None:
        return InboundMessage.objects.filter(mailbox=mailbox, key=key).first()
    return InboundMessage.objects.filter(
        company=company, channel=InboundMessage.Channel.FORWARDING, key=key
    ).first()


def message_new(
    *, company: Company, channel: str, parsed: ParsedMessage, raw: bytes, **where: Any
) -> InboundMessage:
    """The record (not saved yet) of the e-mail ``raw`` with its headers ``parsed``, come in
    over ``channel`` (``where``: its mailbox, folder and uid, or its details)."""
    return InboundMessage(
        company=company,
        channel=channel,
        key=parsed.key,
        message_id=parsed.message_id,
        sender=parsed.sender,
        subject=parsed.subject,
        sent_at=parsed.date,
        size=len(raw),
        **where,
    )


def message_import(
    *,
    company: Company,
    raw: bytes,
    channel: str,
    mailbox: Mailbox | None = None,
    folder: str = "",
    uid: int | None = None,
    recipient: str = "",
) -> tuple[InboundMessage, bool]:
    """Record the e-mail and collect its documents. Returns the record and whether it is new.

    The caller holds the transaction: the record, the documents and (for a mailbox) the
    folder's progress commit together, so an interrupted scan neither loses nor repeats mail.
    """
    parsed = parse_message(raw)
    existing = message_find(company=company, mailbox=mailbox, key=parsed.key)
    if existing is not None:
        return existing, False
    message = message_new(
        company=company,
        channel=channel,
        parsed=parsed,
        raw=raw,
        mailbox=mailbox,
        folder=folder,
        uid=uid,
    )
    _collect(message, parsed, raw, recipient=recipient)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # another worker recorded this very message a moment ago
        return message_find(company=company, mailbox=mailbox, key=parsed.key), False  # type: ignore[return-value]
    return message, True


@transaction.atomic
def message_collect(message: InboundMessage) -> InboundMessage:
    """Collect the documents of a message stored on arrival (the forwarding address)."""
    message = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != InboundMessage.Status.RECEIVED:
        return message  # done before: a task that runs twice changes nothing
    with message.raw.open("rb") as stored:
        raw = stored.read()
    try:
        with transaction.atomic():
            _collect(message, parse_message(raw), raw, recipient=message.details.get("to", ""))
            message.save()
    except Exception:
        # A message that breaks collecting is not retried for ever nor left "received": it
        # fails with its reason, the e-mail stays kept, and the address goes on.
        logger.exception("Forwarded message %s could not be collected", message.pk)
        message = InboundMessage.objects.get(pk=message.pk)
        message.status = InboundMessage.Status.FAILED
        message.problem_code, message.problem_params = "unreadable", {}
        message.save(update_fields=["status", "problem_code", "problem_params", "updated_at"])
    return message


def _collect(message: InboundMessage, parsed: ParsedMessage, raw: bytes, *, recipient: str) -> None:
    source = (
        Source.MAILBOX if message.channel == InboundMessage.Channel.MAILBOX else Source.FORWARDING
    )
    details: dict[str, Any] = {
        "sender": parsed.sender,
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "date": parsed.date.isoformat() if parsed.date else "",
    }
    if message.mailbox is not None:
        details.update(mailbox=message.mailbox.name, folder=message.folder)
    if recipient:
        details["to"] = recipient
    # attachments arrive together: a PDF and the XML of the same invoice are one document
    results = document_ingest_many(
        company=message.company,
        files=[(a.filename, a.filename, a.data) for a in parsed.attachments],
        source=source,
        details=details,
    )
    problem = parsed.problem
    left_out = parsed.attachments_found - len(parsed.attachments)
    if parsed.body_is_invoice:
        try:
            pdf = body_to_pdf(parsed)
        except Exception:  # a body WeasyPrint can't lay out: keep the e-mail, say so
            logger.exception("Could not render the body of message %s", message.key)
            problem = problem or "body_pdf_failed"
        else:
            name = (slugify(parsed.subject)[:60] or "e-mail") + ".pdf"
            results.append(
                document_ingest(
                    company=message.company,
                    data=pdf,
                    filename=name,
                    source=source,
                    details={**details, "from_body": True},
                )
            )
    flat = _flatten(results)
    counted = [r for r in flat if r.document is not None and not r.joined_with]
    created = [r for r in counted if not r.is_duplicate]
    duplicates = [r for r in counted if r.is_duplicate]
    # bank statement files the bank import took: no documents, but the message was of use
    statements = [r for r in flat if r.is_statement and not r.error_code]
    errors = [r for r in flat if r.error_code]
    message.documents_created = len(created)
    message.duplicates = len(duplicates)
    message.statements = len(statements)
    message.details = {
        **message.details,
        "attachments": [
            {
                "filename": r.filename,
                "result": _outcome(r),
                "document": str(r.document.public_id) if r.document else "",
                **_outcome_params(r),
            }
            for r in flat
        ],
        "skipped": [{"filename": s.filename, "reason": s.reason} for s in parsed.skipped],
    }
    if left_out:
        message.details["attachments_found"] = parsed.attachments_found
    if created or duplicates or statements:
        message.status = InboundMessage.Status.IMPORTED
        if left_out:
            problem = problem or "too_many_attachments"
        if errors:
            problem = problem or "attachment_failed"
    elif errors or problem:
        message.status = InboundMessage.Status.FAILED
        problem = problem or "attachment_failed"
    elif left_out:  # none of the first ones became a document: still, say what was left
        message.status = InboundMessage.Status.FAILED
        problem = problem or "too_many_attachments"
    else:
        message.status = InboundMessage.Status.IGNORED
        problem = "no_documents"
    message.problem_code = problem
    message.problem_params = _problem_params(problem, parsed, errors)
    if not message.raw and (
        message.status == InboundMessage.Status.FAILED or errors or parsed.problem or left_out
    ):
        # What went wrong stays at hand: the e-mail as it came.
        message.raw.save("message.eml", ContentFile(raw), save=False)


def _problem_params(
    problem: str, parsed: ParsedMessage, errors: list[IngestResult]
) -> dict[str, Any]:
    if problem == "attachment_failed":
        return {"details": ", ".join(f"{r.filename}" for r in errors)}
    if problem == "too_many_attachments":
        return {"found": parsed.attachments_found, "taken": len(parsed.attachments)}
    if problem == "too_deep":
        return {"limit": settings.MAIL_MAX_DEPTH}
    if problem == "too_many_parts":
        return {"limit": settings.MAIL_MAX_PARTS}
    return {}


def problem_record(
    *,
    company: Company,
    mailbox: Mailbox,
    folder: str,
    uid: int | None,
    key: str,
    code: str,
    size: int = 0,
    headers: ParsedMessage | None = None,
    raw: bytes | None = None,
    params: dict[str, Any] | None = None,
) -> InboundMessage:
    """A message that could not be imported: recorded with its reason (and kept when we have
    it), so the scan goes on and the user sees it."""
    message, created = InboundMessage.objects.get_or_create(
        mailbox=mailbox,
        key=key,
        defaults={
            "company": company,
            "channel": InboundMessage.Channel.MAILBOX,
            "folder": folder,
            "uid": uid,
            "message_id": headers.message_id if headers else "",
            "sender": headers.sender if headers else "",
            "subject": headers.subject if headers else "",
            "sent_at": headers.date if headers else None,
            "size": size,
            "status": InboundMessage.Status.FAILED,
            "problem_code": code,
            "problem_params": params or {},
        },
    )
    if created and raw is not None:
        message.raw.save("message.eml", ContentFile(raw))
    return message
