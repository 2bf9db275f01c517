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
    return _bank_text(head)


# CODA (Febelfin): records of 128 characters, a header record ("0", "0000", the date, the
# bank, the application code, the duplicate flag), then the old balance record ("1").
_CODA_HEADER = re.compile(rb"00000\d{11}[ D][\x20-\x7e]{111}(?:\r?\n1[\x20-\x7e]{127}\r?\n|\s*$)")
# MT940 (SWIFT): ":20:" reference, ":25:" account, ":60F:" or ":60M:" opening balance.
_MT940_FIELDS = (
    re.compile(rb"(?m)^:20:"),
    re.compile(rb"(?m)^:25[P]?:"),
    re.compile(rb"(?m)^:60[FM]:"),
)


def _bank_text(head: bytes) -> FileKind:
    """A bank statement file in a text format, told by its structure, never by its name."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    if _CODA_HEADER.match(head):
        return FileKind.CODA
    if all(field.search(head) for field in _MT940_FIELDS):
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
