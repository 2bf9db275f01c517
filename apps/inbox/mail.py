"""Reading an e-mail: which parts are documents, and whether the body itself is the invoice.

A pure parser (bytes in, dataclasses out) shared by mailboxes and the forwarding address. It
never raises on a bad message: a broken one comes out with ``problem`` set, and whatever parts
could still be read.
"""

import base64
import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from apps.core.files import FileKind, sniff

# Parts that are never documents, by type or by name.
IGNORED_TYPES = {
    "text/calendar",
    "application/ics",
    "text/vcard",
    "text/x-vcard",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
    "application/pgp-keys",
    "application/ms-tnef",
    "message/delivery-status",
}
IGNORED_EXTENSIONS = {"ics", "vcs", "vcf", "p7s", "asc", "sig", "dat"}
DOCUMENT_EXTENSIONS = {"pdf", "jpg", "jpeg", "png", "xml", "zip"}
DOCUMENT_TYPES = {"application/pdf", "application/xml", "text/xml", "application/zip"}
BROKEN_STRUCTURE = {
    "NoBoundaryInMultipartDefect",
    "StartBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
}
# Pictures below this size are logos, icons and social-media buttons, not scanned receipts.
MIN_PICTURE_BYTES = 15 * 1024

INVOICE_WORDS = re.compile(
    r"\b(factuur|factuurnummer|facture|rechnung|invoice|kasticket|ticket de caisse|"
    r"receipt|reçu|ontvangstbewijs|creditnota|note de crédit|credit note|betalingsbewijs|"
    r"order confirmation|bestelbevestiging|confirmation de commande)\b",
    re.IGNORECASE,
)
AMOUNT = re.compile(
    r"(€\s?\d{1,3}(?:[.\s]?\d{3})*(?:[.,]\d{2})"
    r"|\d{1,3}(?:[.\s]?\d{3})*[.,]\d{2}\s?(?:€|EUR\b)"
    r"|\bEUR\s?\d{1,3}(?:[.\s]?\d{3})*[.,]\d{2})",
    re.IGNORECASE,
)
NEWSLETTER_HEADERS = ("list-unsubscribe", "list-id")


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Skipped:
    filename: str
    reason: str  # inline, logo, calendar, signature, not_a_document


@dataclass
class ParsedMessage:
    message_id: str
    key: str  # stable identity: the Message-ID, or a hash of the headers when it has none
    sender: str
    sender_address: str
    recipients: list[str]
    subject: str
    date: datetime | None
    attachments: list[Attachment] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    text: str = ""
    html: str = ""
    is_newsletter: bool = False
    problem: str = ""  # set when the message is broken; what could be read is still here

    @property
    def body_is_invoice(self) -> bool:
        """No document attached, but the body reads like an invoice with an amount."""
        if self.attachments or self.is_newsletter:
            return False
        body = self.text or _html_to_text(self.html)
        words = INVOICE_WORDS.search(self.subject) or INVOICE_WORDS.search(body)
        return bool(words and AMOUNT.search(body))


def message_key(message_id: str, raw_headers: bytes) -> str:
    source = message_id.strip().lower().encode() if message_id else raw_headers
    return hashlib.sha256(source).hexdigest()


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name, "")
        return " ".join(str(value).split()) if value is not None else ""
    except Exception:  # a header the policy can't parse: take it as it is written
        for key, raw in message.raw_items():
            if key.lower() == name:
                return " ".join(str(raw).split())
        return ""


def _decode_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for charset in (part.get_content_charset(), "utf-8", "cp1252"):
        if not charset:
            continue
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name:
        name = str(part.get_param("name", "", header="content-type") or "")
    return " ".join(str(name).split()).replace("/", "_").replace("\\", "_")[:200]


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _html_to_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", html)
    text = re.sub(r"(?s)<[^>]+>", " ", html)
    return " ".join(text.replace("&nbsp;", " ").replace("&euro;", "€").split())


def _classify(part: Message, data: bytes, filename: str) -> tuple[Attachment | None, str]:
    """An attachment that can be a document, or why this part is skipped."""
    content_type = part.get_content_type().lower()
    extension = _extension(filename)
    if content_type in IGNORED_TYPES or extension in IGNORED_EXTENSIONS:
        if "calendar" in content_type or extension in ("ics", "vcs"):
            return None, "calendar"
        if "signature" in content_type or extension in ("p7s", "asc", "sig"):
            return None, "signature"
        return None, "not_a_document"
    kind = sniff(data)
    if kind in (FileKind.PNG, FileKind.JPEG):
        disposition = (part.get_content_disposition() or "").lower()
        if part.get("content-id") and disposition != "attachment":
            return None, "inline"
        if disposition == "inline" and not filename:
            return None, "inline"
        if len(data) < MIN_PICTURE_BYTES:
            return None, "logo"
    # A document we can't recognise still goes to ingest when it claims to be one, so the
    # user hears why it was refused; anything else (a .docx, a .txt) is simply not ours.
    if (
        kind == FileKind.UNKNOWN
        and extension not in DOCUMENT_EXTENSIONS
        and content_type not in DOCUMENT_TYPES
    ):
        return None, "not_a_document"
    if (
        kind == FileKind.XML
        and extension not in ("xml", "")
        and content_type
        not in (
            "application/xml",
            "text/xml",
        )
    ):
        return None, "not_a_document"  # an .svg, an .html page: XML, but not an e-invoice
    name = filename or f"attachment.{kind.value if kind != FileKind.UNKNOWN else 'bin'}"
    return Attachment(filename=name, content_type=content_type, data=data), ""


def parse_message(raw: bytes) -> ParsedMessage:
    """The parts of an e-mail that matter to us. Never raises."""
    problem = ""
    message: Message
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # the stdlib parser is lenient; this is the last resort
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        problem = "unreadable"
    header_end = raw.find(b"\r\n\r\n")
    if header_end < 0:
        header_end = raw.find(b"\n\n")
    raw_headers = raw[: header_end if header_end >= 0 else 4096]
    message_id = _header(message, "message-id")[:500]
    sender = _header(message, "from")
    sender_address = parseaddr(sender)[1].lower()
    try:
        recipients = [
            address.lower()
            for _name, address in getaddresses(
                [_header(message, "to"), _header(message, "cc"), _header(message, "delivered-to")]
            )
            if address
        ]
    except Exception:
        recipients = []
    try:
        date = parsedate_to_datetime(_header(message, "date"))
    except (TypeError, ValueError, IndexError):
        date = None
    parsed = ParsedMessage(
        message_id=message_id,
        key=message_key(message_id, raw_headers),
        sender=sender[:300],
        sender_address=sender_address[:254],
        recipients=recipients,
        subject=_header(message, "subject")[:500],
        date=date,
        is_newsletter=any(message.get(name) for name in NEWSLETTER_HEADERS),
        problem=problem,
    )
    if not problem and any(type(d).__name__ in BROKEN_STRUCTURE for d in message.defects):
        parsed.problem = "broken_mime"  # e.g. a multipart without its boundary
    try:
        _walk(message, parsed)
    except Exception:
        parsed.problem = parsed.problem or "broken_mime"
    return parsed


def _is_encoded(part: Message) -> bool:
    return str(part.get("content-transfer-encoding", "")).strip().lower() == "base64"


def _walk_encoded_message(part: Message, parsed: ParsedMessage) -> None:
    """An attached e-mail sent base64-encoded (against RFC 2046, but some mailers do)."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        return
    try:
        raw = base64.b64decode("".join(inner.as_string().split()), validate=False)
    except (ValueError, TypeError):
        return
    _walk(email.message_from_bytes(raw, policy=email.policy.default), parsed)


def _walk(message: Message, parsed: ParsedMessage) -> None:
    # walk() also descends into attached e-mails (message/rfc822): their documents count too
    for part in message.walk():
        if part.get_content_type() == "message/rfc822" and _is_encoded(part):
            _walk_encoded_message(part, parsed)
            continue
        if part.is_multipart():
            continue
        content_type = part.get_content_type().lower()
        filename = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        if (
            content_type in ("text/plain", "text/html")
            and not filename
            and disposition != "attachment"
        ):
            text = _decode_text(part)
            if content_type == "text/plain" and not parsed.text:
                parsed.text = text
            elif content_type == "text/html" and not parsed.html:
                parsed.html = text
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        if not isinstance(data, bytes) or not data:
            if filename:
                parsed.skipped.append(Skipped(filename=filename, reason="empty"))
            continue
        attachment, reason = _classify(part, data, filename)
        if attachment is not None:
            parsed.attachments.append(attachment)
        else:
            parsed.skipped.append(Skipped(filename=filename or content_type, reason=reason))
