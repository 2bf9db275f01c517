"""What a file really is, from its first bytes, not from its name or claimed type."""

import contextlib
import hashlib
import os
import re
from enum import StrEnum

from django.db.models.fields.files import FieldFile


class FileKind(StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    # phone photos: iPhones take HEIC, Android and browsers make WebP (read, then sent as PNG
    # inside e-invoices, which Peppol allows no other picture format in)
    HEIC = "heic"
    WEBP = "webp"
    XML = "xml"
    ZIP = "zip"
    # bank statements as banks export them (CAMT.053 is XML)
    CODA = "coda"
    MT940 = "mt940"
    UNKNOWN = "unknown"


MIME_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
    FileKind.HEIC: "image/heic",
    FileKind.WEBP: "image/webp",
    FileKind.XML: "application/xml",
    FileKind.ZIP: "application/zip",
    FileKind.CODA: "text/plain",
    FileKind.MT940: "text/plain",
    FileKind.UNKNOWN: "application/octet-stream",
}


# The brands of an ISO media file (its "ftyp" box) that say HEIF/HEIC pictures.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
PICTURE_KINDS = frozenset({FileKind.PNG, FileKind.JPEG, FileKind.HEIC, FileKind.WEBP})


def sniff(data: bytes) -> FileKind:
    head = data[:1024]
    # a ZIP before the loose PDF test: an uncompressed ZIP of PDFs shows "%PDF-" early on
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return FileKind.ZIP
    if b"%PDF-" in head:  # at the start, or after a little junk that readers tolerate
        return FileKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return FileKind.WEBP
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return FileKind.HEIC
    text = head.lstrip(b"\xef\xbb\xbf\xfe\xff\x00 \t\r\n")
    if text.startswith(b"<") or head.startswith((b"\xff\xfe<", b"\xfe\xff\x00<")):
        return FileKind.XML
    return _bank_text(data)


# CODA (Febelfin): records of 128 characters, the first the header record: record 0, the
# creation date, the bank id, the application code (05, or 00 in an empty statement), the
# duplicate flag; its last character is the CODA version.
_CODA_HEADER = re.compile(rb"0{5}\d{6}\d{3}\d{2}[ D]")
# MT940 (SWIFT): the reference (:20:), the account (:25:), the statement number (:28C:) and
# the opening balance (:60F: or :60M:; an MT942 interim report has none).
_MT940_FIELDS = (
    re.compile(rb"(?m)^:20:"),
    re.compile(rb"(?m)^:25P?:"),
    re.compile(rb"(?m)^:28C?:"),
    re.compile(rb"(?m)^:60[FM]:"),
)
# The root element of an ISO 20022 message and the attributes of its start tag.
_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Document\b([^>]*)>")
_CAMT = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.")
_STATEMENT_SNIFF_BYTES = 4096


def statement_kind(data: bytes) -> str | None:
    """What kind of bank statement ``data`` looks like, from its first bytes only: ``"coda"``
    (CODA 2), ``"camt053"``, or one we recognise but do not read (``"coda1"``, another CODA
    version; ``"camt052"``, ``"camt054"``, ``"mt940"``), or ``None``: not a bank statement.

    The one sniffer of bank files: it routes an arriving file to the bank import and tells
    the importer which parser reads it; the parsers check everything else."""
    head = data[:_STATEMENT_SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 XML: its tags in ASCII
        head = head.decode("utf-16", "replace").encode("ascii", "replace")
    head = head.removeprefix(b"\xef\xbb\xbf")
    if _CODA_HEADER.match(head):
        first = head.split(b"\n", 1)[0].rstrip(b"\r")
        if len(first) != 128:
            return None
        return "coda" if first[127:128] == b"2" else "coda1"
    if head.lstrip().startswith(b"<"):
        root = _XML_ROOT.search(head)
        camt = _CAMT.search(root.group(1)) if root else None
        return f"camt{camt.group(1).decode()}" if camt else None
    if all(field.search(head) for field in _MT940_FIELDS):
        return "mt940"
    return None


def _bank_text(data: bytes) -> FileKind:
    """A bank statement file in a text format, told by its structure, never by its name."""
    kind = statement_kind(data)
    if kind in ("coda", "coda1"):
        return FileKind.CODA
    if kind == "mt940":
        return FileKind.MT940
    return FileKind.UNKNOWN


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_delete(file: FieldFile) -> None:
    """Delete a stored file and, when that leaves it empty, the folder it was alone in (a
    document's own folder): nothing stays behind of a file that was not kept.

    Only that one folder: the shared ones above it (the company's) may be in use by an upload
    creating its own folder at this very moment, and are never empty for long."""
    if not file:
        return
    storage, name = file.storage, file.name or ""
    file.delete(save=False)
    try:
        folder = os.path.dirname(storage.path(name))
    except NotImplementedError:
        return  # an object storage: no folders
    if os.path.normpath(folder) == os.path.normpath(storage.path("")):
        return
    with contextlib.suppress(OSError):
        os.rmdir(folder)  # only when empty
