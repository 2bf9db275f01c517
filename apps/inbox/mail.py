"""Reading an e-mail: which parts are documents, and whether the body itself is the invoice.

A pure parser (bytes in, dataclasses out) shared by mailboxes and the forwarding address. It
never raises on a bad message: a broken one comes out with ``problem`` set, and whatever parts
could still be read.

Its work is bounded before the standard library's parser (which recurses once per MIME level)
sees the message: ``mime_shape`` measures nesting and part count on the raw bytes, and a message
past ``MAIL_MAX_DEPTH`` or ``MAIL_MAX_PARTS`` is read for its headers only. At most
``MAIL_MAX_ATTACHMENTS`` documents are taken from one message; the others are counted. The
files inside a ``winmail.dat`` (TNEF) count as attachments of the message.
"""

import base64
import email
import email.policy
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from django.conf import settings

from apps.core.files import PICTURE_KINDS, FileKind, sniff, statement_kind
from apps.inbox import tnef

logger = logging.getLogger(__name__)

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
    "message/delivery-status",
}
# Outlook's winmail.dat: opened, its files taken as attachments of the e-mail (see tnef.py).
TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
IGNORED_EXTENSIONS = {"ics", "vcs", "vcf", "p7s", "asc", "sig", "dat"}
DOCUMENT_EXTENSIONS = {"pdf", "jpg", "jpeg", "png", "heic", "heif", "webp", "xml", "zip"}
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
    # documents found in the message; above the cap, only the first ones are in ``attachments``
    attachments_found: int = 0
    parts_seen: int = 0

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
    return _classify_file(
        data,
        filename,
        content_type=part.get_content_type().lower(),
        disposition=(part.get_content_disposition() or "").lower(),
        has_content_id=bool(part.get("content-id")),
    )


def _classify_file(
    data: bytes, filename: str, *, content_type: str, disposition: str, has_content_id: bool
) -> tuple[Attachment | None, str]:
    extension = _extension(filename)
    if content_type in IGNORED_TYPES or extension in IGNORED_EXTENSIONS:
        if "calendar" in content_type or extension in ("ics", "vcs"):
            return None, "calendar"
        if "signature" in content_type or extension in ("p7s", "asc", "sig"):
            return None, "signature"
        return None, "not_a_document"
    kind = sniff(data)
    if kind in PICTURE_KINDS:
        if has_content_id and disposition != "attachment":
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
        and statement_kind(data) is None  # a CAMT statement, named .053 by its bank
        and content_type
        not in (
            "application/xml",
            "text/xml",
        )
    ):
        return None, "not_a_document"  # an .svg, an .html page: XML, but not an e-invoice
    name = filename or f"attachment.{kind.value if kind != FileKind.UNKNOWN else 'bin'}"
    return Attachment(filename=name, content_type=content_type, data=data), ""


@dataclass
class Limits:
    depth: int
    parts: int
    attachments: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            depth=settings.MAIL_MAX_DEPTH,
            parts=settings.MAIL_MAX_PARTS,
            attachments=settings.MAIL_MAX_ATTACHMENTS,
        )


_CONTENT_TYPE = re.compile(rb"(?im)^content-type[ \t]*:[ \t]*([^\s;]*)(.*)$")
_BOUNDARY = re.compile(rb'(?i);\s*boundary\s*=\s*(?:"([^"\r\n]*)"|([^\s;]+))')


def _part_type(header_lines: list[bytes]) -> tuple[bytes, bytes]:
    """The content type and boundary a part's header lines declare (folded lines unfolded)."""
    block = b"".join(
        line if line[:1] in (b" ", b"\t") or not index else b"\n" + line
        for index, line in enumerate(header_lines)
    )
    found = _CONTENT_TYPE.search(block)
    if found is None:
        return b"", b""
    boundary = _BOUNDARY.search(found.group(2))
    return found.group(1).lower(), (boundary.group(1) or boundary.group(2)) if boundary else b""


def mime_shape(raw: bytes, *, max_depth: int, max_parts: int) -> tuple[int, int]:
    """How deep the MIME parts of ``raw`` nest and how many there are, read line by line
    without recursion, the way the standard library's parser will see them. Stops as soon as
    a limit is passed, so a hostile message costs one pass over its first bytes."""
    open_parts: list[bytes | None] = []  # boundaries open at this point (None: an e-mail)
    depth = parts = 0
    headers: list[bytes] | None = []  # the header lines of the part being read, or None
    for line in io.BytesIO(raw):
        line = line.rstrip(b"\r\n")
        if open_parts and line.startswith(b"--"):
            level, closes = _boundary_level(line, open_parts)
            if level >= 0:  # a boundary ends whatever is open inside its multipart
                del open_parts[level + (0 if closes else 1) :]
                headers = None if closes else []
                continue
        if headers is None:
            continue
        if line:
            if len(headers) < 1000:
                headers.append(line)
            continue
        content_type, boundary = _part_type(headers)
        headers = None
        parts += 1
        if content_type.startswith(b"multipart/") and boundary:
            open_parts.append(boundary)
        elif content_type.startswith(b"message/") and content_type != b"message/delivery-status":
            open_parts.append(None)  # an attached e-mail: its own headers follow
            headers = []
        depth = max(depth, len(open_parts))
        if depth > max_depth or parts > max_parts:
            break
    return depth, parts


def _boundary_level(line: bytes, open_parts: list[bytes | None]) -> tuple[int, bool]:
    """Which open multipart a ``--boundary`` line belongs to (-1: none), and whether it ends it."""
    if not line.startswith(b"--"):
        return -1, False
    text = line.rstrip()
    for level in range(len(open_parts) - 1, -1, -1):
        boundary = open_parts[level]
        if boundary is None:
            continue
        if text == b"--" + boundary:
            return level, False
        if text == b"--" + boundary + b"--":
            return level, True
    return -1, False


def _shape_problem(raw: bytes, limits: Limits) -> str:
    depth, parts = mime_shape(raw, max_depth=limits.depth, max_parts=limits.parts)
    if depth > limits.depth:
        return "too_deep"
    return "too_many_parts" if parts > limits.parts else ""


def _headers_of(raw_headers: bytes) -> Message:
    try:
        return email.message_from_bytes(raw_headers + b"\r\n\r\n", policy=email.policy.default)
    except Exception:
        return email.message_from_bytes(raw_headers + b"\r\n\r\n", policy=email.policy.compat32)


def _read(raw: bytes, raw_headers: bytes, limits: Limits) -> tuple[Message, str]:
    """The parsed message and what is wrong with it; headers only when the body can't be read."""
    problem = _shape_problem(raw, limits)
    if problem:
        return _headers_of(raw_headers), problem
    for policy, problem in ((email.policy.default, ""), (email.policy.compat32, "unreadable")):
        try:
            return email.message_from_bytes(raw, policy=policy), problem
        except RecursionError:  # a nesting mime_shape did not foresee: never past this point
            return _headers_of(raw_headers), "too_deep"
        except Exception:  # the stdlib parser is lenient; compat32 is the last resort
            logger.warning("E-mail unreadable with the %s policy", problem or "default")
    return _headers_of(raw_headers), "unreadable"


def parse_message(raw: bytes, *, limits: Limits | None = None) -> ParsedMessage:
    """The parts of an e-mail that matter to us. Never raises."""
    limits = limits or Limits.from_settings()
    header_end = raw.find(b"\r\n\r\n")
    if header_end < 0:
        header_end = raw.find(b"\n\n")
    raw_headers = raw[: header_end if header_end >= 0 else 4096]
    message, problem = _read(raw, raw_headers, limits)
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
    if problem in ("too_deep", "too_many_parts"):
        return parsed  # its headers say which e-mail it was; the body is not read
    if not problem and any(type(d).__name__ in BROKEN_STRUCTURE for d in message.defects):
        parsed.problem = "broken_mime"  # e.g. a multipart without its boundary
    try:
        _walk(message, parsed, limits)
    except RecursionError:
        parsed.problem = "too_deep"
    except Exception:
        parsed.problem = parsed.problem or "broken_mime"
    return parsed


def _is_encoded(part: Message) -> bool:
    return str(part.get("content-transfer-encoding", "")).strip().lower() == "base64"


def _walk_encoded_message(part: Message, parsed: ParsedMessage, limits: Limits) -> None:
    """An attached e-mail sent base64-encoded (against RFC 2046, but some mailers do)."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        return
    try:
        raw = base64.b64decode("".join(inner.as_string().split()), validate=False)
    except (ValueError, TypeError):
        return
    # each encoded level is parsed on its own: it spends the same depth and parts budget
    nested = replace(limits, depth=limits.depth - 1)
    left = replace(nested, parts=limits.parts - parsed.parts_seen)  # the parts not yet seen
    problem = "too_deep" if nested.depth < 0 else _shape_problem(raw, left)
    if problem:
        parsed.problem = parsed.problem or problem
        return
    _walk(email.message_from_bytes(raw, policy=email.policy.default), parsed, nested)


def _walk(message: Message, parsed: ParsedMessage, limits: Limits) -> None:
    # walk() also descends into attached e-mails (message/rfc822): their documents count too
    for part in message.walk():
        parsed.parts_seen += 1
        if parsed.parts_seen > limits.parts:
            parsed.problem = parsed.problem or "too_many_parts"
            return
        if part.get_content_type() == "message/rfc822" and _is_encoded(part):
            _walk_encoded_message(part, parsed, limits)
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
        if content_type in TNEF_TYPES or data.startswith(tnef.SIGNATURE):
            _take_tnef(data, filename or "winmail.dat", parsed, limits)
            continue
        attachment, reason = _classify(part, data, filename)
        _take(attachment, reason, filename or content_type, parsed, limits)


def _take(
    attachment: Attachment | None,
    reason: str,
    name: str,
    parsed: ParsedMessage,
    limits: Limits,
) -> None:
    if attachment is not None:
        parsed.attachments_found += 1
        if len(parsed.attachments) < limits.attachments:
            parsed.attachments.append(attachment)
    else:
        parsed.skipped.append(Skipped(filename=name, reason=reason))


def _take_tnef(data: bytes, filename: str, parsed: ParsedMessage, limits: Limits) -> None:
    """The files of a winmail.dat, each taken or left aside as if attached to the e-mail
    itself (within the same cap). They are stored in it as they are, uncompressed: they add
    up to no more than the e-mail's own size. One that can't be opened, or holds no file, is
    left aside and the e-mail is reported (and kept), never taken for an e-mail without
    documents."""
    try:
        files = tnef.tnef_files(data)
    except tnef.TnefUnsupported as error:
        logger.info("winmail.dat not readable: %s", error)
        parsed.skipped.append(Skipped(filename=filename, reason="tnef_unsupported"))
        parsed.problem = parsed.problem or "tnef_unsupported"
        return
    for found in files:
        attachment, reason = _classify_file(
            found.data,
            found.filename,
            content_type="application/octet-stream",
            disposition="attachment",
            has_content_id=False,
        )
        _take(attachment, reason, found.filename or filename, parsed, limits)
