"""Text and embedded e-invoices out of PDFs and pictures: pdfplumber, factur-x, Tesseract.

Bad files raise ``ExtractionError`` with a code the UI translates; nothing here hangs (page
limits, OCR timeouts) or lets an unexpected exception escape.
"""

import io
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MAX_PAGES = 50
OCR_PAGES = 5
OCR_DPI = 200
OCR_TIMEOUT = 60
MIN_TEXT = 40  # characters below which a PDF page counts as a scan

MESSAGES = {
    "encrypted": _(
        "The PDF is protected with a password, so we can't read it. Fill in the "
        "details yourself; the original is kept."
    ),
    "malformed": _(
        "The PDF is damaged and can't be read. Fill in the details yourself; the original is kept."
    ),
    "too_many_pages": _(
        "The PDF has more than %(limit)s pages; we only read documents up to that size."
    ),
    "ocr_unavailable": _(
        "Text recognition (OCR) is not available on this server; fill in the details yourself."
    ),
    "ocr_failed": _("Text recognition failed on this picture; fill in the details yourself."),
    "unsupported_image": _("This picture can't be opened; fill in the details yourself."),
}


class ExtractionError(Exception):
    def __init__(self, code: str, **params: object):
        self.code = code
        self.params = params
        template = MESSAGES[code]
        self.message = str(template) % params if params else str(template)
        super().__init__(f"{code}: {self.message}")


@dataclass
class EmbeddedXml:
    filename: str
    data: bytes


@dataclass
class PdfText:
    text: str
    pages: int
    ocr: bool


def _open(data: bytes) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        return pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect:
        raise ExtractionError("encrypted") from None
    except Exception as error:
        if "password" in str(error).lower() or "encrypt" in str(error).lower():
            raise ExtractionError("encrypted") from None
        raise ExtractionError("malformed") from None


def is_encrypted(data: bytes) -> bool:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return bool(PdfReader(io.BytesIO(data)).is_encrypted)
    except (PdfReadError, ValueError, OSError, KeyError, TypeError):
        return False


def pdf_text(data: bytes, *, allow_ocr: bool = True) -> PdfText:
    """The text of a PDF, page by page in reading layout; scanned pages go through OCR."""
    if is_encrypted(data):
        raise ExtractionError("encrypted")
    pdf = _open(data)
    try:
        if len(pdf.pages) > MAX_PAGES:
            raise ExtractionError("too_many_pages", limit=MAX_PAGES)
        texts = []
        scanned = []
        for index, page in enumerate(pdf.pages):
            try:
                text = page.extract_text(layout=True) or ""
            except Exception:
                logger.warning("unreadable PDF page %s", index + 1, exc_info=True)
                text = ""
            texts.append(text)
            if len(text.strip()) < MIN_TEXT and index < OCR_PAGES:
                scanned.append(index)
        used_ocr = False
        if allow_ocr and scanned and sum(len(t.strip()) for t in texts) < MIN_TEXT * len(texts):
            for index in scanned:
                image = pdf.pages[index].to_image(resolution=OCR_DPI).original
                buffer = io.BytesIO()
                image.save(buffer, format="PNG")
                texts[index] = ocr_image(buffer.getvalue())
                used_ocr = True
        return PdfText(text="\n\f\n".join(texts), pages=len(pdf.pages), ocr=used_ocr)
    finally:
        pdf.close()


def ocr_image(data: bytes, *, languages: str = "nld+fra+eng") -> str:
    """Text of a picture with Tesseract (a subprocess with a timeout)."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise ExtractionError("ocr_unavailable")
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ExtractionError("unsupported_image") from None
    with tempfile.TemporaryDirectory(prefix="okioki-ocr-") as folder:
        path = Path(folder) / "page.png"
        image.convert("L").save(path)
        try:
            completed = subprocess.run(  # noqa: S603 - fixed binary, our own temp file
                [binary, str(path), "stdout", "-l", languages, "--psm", "4"],
                capture_output=True,
                timeout=OCR_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ExtractionError("ocr_failed") from None
    if completed.returncode != 0:
        logger.warning("tesseract failed: %s", completed.stderr[:500])
        raise ExtractionError("ocr_failed")
    return completed.stdout.decode("utf-8", "replace")


def embedded_xml(data: bytes) -> EmbeddedXml | None:
    """A Factur-X/ZUGFeRD XML, or a UBL XML attached to the PDF, if there is one."""
    from facturx import get_xml_from_pdf

    try:
        filename, xml = get_xml_from_pdf(data, check_xsd=False)
    except Exception:
        filename, xml = None, None
    if xml:
        return EmbeddedXml(filename=filename or "factur-x.xml", data=xml)
    from pypdf import PdfReader

    try:
        attachments = PdfReader(io.BytesIO(data)).attachments
    except Exception:
        return None
    for name, contents in attachments.items():
        if name.lower().endswith(".xml") and contents:
            return EmbeddedXml(filename=name, data=contents[0])
    return None
