"""Embedded attachments (BG-24) in a form Peppol accepts: the MIME code from the content, and
pictures of a kind Peppol does not allow (HEIC, WebP, TIFF, GIF, BMP) converted to PNG (one
picture) or PDF (several pages).

Peppol BIS 3 allows six MIME codes for embedded documents (BR-CL-24, code list "MIME code");
``application/octet-stream`` is not one of them, so content of any other kind is refused with
a clear error instead of being embedded under a code the validators reject.
"""

import io
import zipfile
from dataclasses import replace
from pathlib import PurePath

import pillow_heif
from PIL import Image, UnidentifiedImageError

from apps.einvoice.errors import EInvoiceError
from apps.einvoice.model import Attachment

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", CSV: ".csv", XLSX: ".xlsx", ODS: ".ods"}
ALLOWED = set(EXTENSIONS)

# Pictures Pillow reads that Peppol does not allow, recognised from their first bytes.
_CONVERTIBLE = {
    "WebP": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
    "TIFF": lambda head: head[:4] in (b"II*\x00", b"MM\x00*"),
    "GIF": lambda head: head[:6] in (b"GIF87a", b"GIF89a"),
    "BMP": lambda head: head[:2] == b"BM",
}
# HEIC (as iPhones take them): an ISO media file of one of these brands, read with pillow-heif
# (libheif's HEVC decoder; an AVIF picture is not among them and is refused as unknown).
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# A picture converted here has at most this many pixels (a 100-megapixel photo is larger
# than any phone takes); Pillow's own bomb check refuses twice its limit, much later.
MAX_PIXELS = 100_000_000
_CSV_SAMPLE = 4096


def mime_code(content: bytes) -> str:
    """The Peppol MIME code of ``content`` from its bytes, or "" when it is none of them."""
    if content.startswith(b"%PDF"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        return _spreadsheet(content)
    return CSV if _is_csv(content[:_CSV_SAMPLE]) else ""


def _spreadsheet(content: bytes) -> str:
    # OpenDocument puts an uncompressed "mimetype" entry first (ODF 1.2 part 3, 3.3).
    if content[30:38] == b"mimetype" and content[38:].startswith(ODS.encode()):
        return ODS
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return ""
    return XLSX if {"[Content_Types].xml", "xl/workbook.xml"} <= names else ""


def _is_csv(sample: bytes) -> bool:
    """Text (UTF-8) whose first lines have the same number (one or more) of one separator."""
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as error:  # a sample may cut a character in two at its end
        if error.start < len(sample) - 3:
            return False
        text = sample[: error.start].decode("utf-8-sig")
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
        return False
    lines = [line for line in text.splitlines()[:6] if line.strip()]
    if len(text) == len(sample) and len(lines) > 1 and len(text) >= _CSV_SAMPLE - 3:
        lines = lines[:-1]  # the last line of a sample may be cut short
    if not lines:
        return False
    for separator in (",", ";", "\t"):
        counts = {line.count(separator) for line in lines}
        if len(counts) == 1 and counts != {0}:
            return True
    return False


def _picture_kind(head: bytes) -> str:
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    for kind, matches in _CONVERTIBLE.items():
        if matches(head):
            return kind
    return ""


def embeddable(attachment: Attachment) -> Attachment:
    """``attachment`` (with content) with a MIME code Peppol allows and a file name: the code
    it states when Peppol allows it, else the one its content shows; a HEIC, WebP, TIFF, GIF or
    BMP picture converted to PNG (a multi-page TIFF to PDF). Raises ``EInvoiceError`` for
    content of another kind or a picture that can't be converted."""
    assert attachment.content is not None
    content, code = attachment.content, attachment.mime_code
    if code not in ALLOWED:
        code = mime_code(content)
    if not code:
        kind = _picture_kind(content[:16])
        if not kind:
            raise EInvoiceError("attachment_type", id=attachment.id)
        content, code = _converted(content, attachment.id, heif=kind == "HEIF")
    filename = attachment.filename
    if content is not attachment.content:  # converted: a .webp file name would mislead
        filename = PurePath(filename).stem if filename else ""
        filename = (filename or attachment.id or "attachment") + EXTENSIONS[code]
    elif not filename:
        filename = (attachment.id or "attachment") + EXTENSIONS[code]
    return replace(attachment, content=content, mime_code=code, filename=filename)


def _opened(content: bytes, *, heif: bool) -> Image.Image:
    if not heif:
        return Image.open(io.BytesIO(content))
    # Read here rather than registered with Pillow: no other reader of pictures opens HEIF.
    heif_file = pillow_heif.open_heif(io.BytesIO(content), convert_hdr_to_8bit=True)
    width, height = heif_file.size  # known before the picture is decoded
    if width * height > MAX_PIXELS:
        raise EInvoiceError("attachment_picture", id="")
    return heif_file.to_pillow()


def _converted(content: bytes, identifier: str, *, heif: bool) -> tuple[bytes, str]:
    """A picture as PNG, or as PDF when it has several pages."""
    try:
        with _opened(content, heif=heif) as picture:
            width, height = picture.size
            if width * height > MAX_PIXELS:
                raise EInvoiceError("attachment_picture", id=identifier)
            pages = getattr(picture, "n_frames", 1) if picture.format == "TIFF" else 1
            out = io.BytesIO()
            if pages > 1:
                frames = []
                for index in range(min(pages, 100)):
                    picture.seek(index)
                    frames.append(_rgb(picture))
                frames[0].save(out, "PDF", save_all=True, append_images=frames[1:])
                return out.getvalue(), PDF
            picture.seek(0)
            _rgb(picture, keep_alpha=True).save(out, "PNG")
            return out.getvalue(), PNG
    except EInvoiceError:
        raise EInvoiceError("attachment_picture", id=identifier) from None
    except (
        OSError,
        ValueError,
        RuntimeError,
        UnidentifiedImageError,
        Image.DecompressionBombError,
        EOFError,
    ):
        raise EInvoiceError("attachment_picture", id=identifier) from None


def _rgb(picture: Image.Image, *, keep_alpha: bool = False) -> Image.Image:
    if keep_alpha and picture.mode in ("RGBA", "LA", "P", "PA"):
        return picture.convert("RGBA")
    return picture.convert("RGB")
