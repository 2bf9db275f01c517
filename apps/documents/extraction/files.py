"""Text and embedded e-invoices out of PDFs and pictures: pdfplumber, pdfium, factur-x,
Tesseract.

Bad files raise ``ExtractionError`` with a code the UI translates; nothing here hangs or lets
an unexpected exception escape (pypdf, pdfminer, pdfium, Pillow and Tesseract errors all
become one). Memory stays bounded whatever the file says about itself:

- the page count is read first, from the page tree's ``/Count`` that pdfium takes from the
  trailer's root without loading a page (``PDF_MAX_PAGES``), and pdfplumber never loads more
  pages than that, even when ``/Count`` lies;
- a page is rendered for OCR at the resolution that keeps it under ``OCR_MAX_PIXELS`` (a
  7200 pt page at 200 dpi would be 400 million pixels), and only the first
  ``OCR_MAX_PAGES`` scanned pages are;
- a picture's dimensions are checked from its header before it is decoded, with Pillow's
  decompression-bomb limit set to the same budget.
"""

import io
import itertools
import logging
import math
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

    from apps.documents.extraction.words import PageWords

logger = logging.getLogger(__name__)

OCR_DPI = 200
# Tesseract refuses pictures wider or taller than this.
OCR_MAX_SIDE = 32_000
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
    "image_too_large": _(
        "The picture is too large (%(width)s × %(height)s pixels); we read pictures of up to "
        "%(limit)s megapixels. Fill in the details yourself; the original is kept."
    ),
    "read_timeout": _(
        "Reading this document took longer than %(seconds)s seconds and was stopped. Fill in "
        "the details yourself; the original is kept."
    ),
    "read_failed": _(
        "This document could not be read. Fill in the details yourself; the original is kept."
    ),
    "read_gave_up": _(
        "Reading this document failed %(attempts)s times (it took too long or stopped the "
        "reader). Fill in the details yourself; the original is kept."
    ),
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
    # the words of each text page with their boxes (with_words=True); none for scanned pages
    words: list["PageWords"] = field(default_factory=list)


def _pdfium(data: bytes) -> Any:
    """The document opened by pdfium, which reads the cross-reference table and the page
    tree's ``/Count`` but no page; refused when it declares more than ``PDF_MAX_PAGES``."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise ExtractionError("encrypted") from None
        raise ExtractionError("malformed") from None
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        raise ExtractionError("malformed") from None
    if len(document) > settings.PDF_MAX_PAGES:
        document.close()
        raise ExtractionError("too_many_pages", limit=settings.PDF_MAX_PAGES)
    return document


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that is too long, damaged or protected (even one that opens with an
    empty password) before anything else reads it. pdfium reads what this needs in
    C: a 200,000-page PDF is refused in half a second, where pypdf takes seconds."""
    import pypdfium2.raw as pdfium_c

    document = _pdfium(data)
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
            raise ExtractionError("encrypted")
    finally:
        document.close()


def _plumber_pages(data: bytes) -> tuple[Any, list[Any]]:
    """pdfplumber's document and its pages, created one by one and never more than
    ``PDF_MAX_PAGES`` (``pdf.pages`` would build every page the tree holds first)."""
    import pdfplumber
    from pdfminer.pdfpage import PDFPage
    from pdfplumber.page import Page

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except SoftTimeLimitExceeded:
        raise
    except Exception as error:
        if "password" in str(error).lower() or "encrypt" in str(error).lower():
            raise ExtractionError("encrypted") from None
        raise ExtractionError("malformed") from None
    limit = settings.PDF_MAX_PAGES
    pages: list[Any] = []
    try:
        doctop = 0.0
        for number, raw in enumerate(
            itertools.islice(PDFPage.create_pages(pdf.doc), limit + 1), start=1
        ):
            if number > limit:
                raise ExtractionError("too_many_pages", limit=limit)
            page = Page(pdf, raw, page_number=number, initial_doctop=doctop)
            pages.append(page)
            doctop += page.height
    except ExtractionError:
        pdf.close()
        raise
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        pdf.close()
        raise ExtractionError("malformed") from None
    pdf._pages = pages  # what ``pdf.pages`` would have built, within the limit
    return pdf, pages


def render_page(document: Any, index: int, *, max_pixels: int) -> "Picture":
    """Page ``index`` of a pdfium document as a greyscale picture for OCR, at ``OCR_DPI`` or
    at the lower resolution that keeps it within ``max_pixels`` (and Tesseract's side limit).
    """
    page = document[index]
    try:
        width, height = page.get_size()  # in points, 1/72 inch
        if not (width > 0 and height > 0):
            raise ExtractionError("malformed")
        # the largest scale s with (width·s + 1)(height·s + 1) <= max_pixels: pdfium rounds
        # each side of the bitmap up to a whole pixel
        area, sides = width * height, width + height
        budget_scale = (-sides + math.sqrt(sides * sides + 4 * area * (max_pixels - 1))) / (
            2 * area
        )
        scale = min(OCR_DPI / 72, budget_scale, (OCR_MAX_SIDE - 1) / max(width, height))
        bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=False)
        try:
            return bitmap.to_pil()
        finally:
            bitmap.close()
    finally:
        page.close()


def pdf_text(data: bytes, *, allow_ocr: bool = True, with_words: bool = False) -> PdfText:
    """The text of a PDF, page by page in reading layout; scanned pages go through OCR.
    ``with_words``: also the words of each text page with their boxes (for the layout
    reader), from the same grouping of characters into words as the text."""
    from apps.documents.extraction.words import pdf_page_text_and_words

    check_pdf(data)
    pdf, pages = _plumber_pages(data)
    try:
        texts = []
        scanned = []
        page_words = []
        for index, page in enumerate(pages):
            try:
                if with_words:
                    text, words = pdf_page_text_and_words(page, index)
                    if len(text.strip()) >= MIN_TEXT:
                        page_words.append(words)
                else:
                    text = page.extract_text(layout=True) or ""
            except SoftTimeLimitExceeded:
                raise
            except Exception:
                logger.warning("unreadable PDF page %s", index + 1, exc_info=True)
                text = ""
            texts.append(text)
            if len(text.strip()) < MIN_TEXT and index < settings.OCR_MAX_PAGES:
                scanned.append(index)
        used_ocr = False
        if allow_ocr and scanned and sum(len(t.strip()) for t in texts) < MIN_TEXT * len(texts):
            texts, used_ocr = _ocr_pages(data, texts, scanned), True
        return PdfText(text="\n\f\n".join(texts), pages=len(pages), ocr=used_ocr, words=page_words)
    finally:
        pdf.close()


def _ocr_pages(data: bytes, texts: list[str], scanned: list[int]) -> list[str]:
    texts = list(texts)
    document = _pdfium(data)
    try:
        for index in scanned:
            try:
                picture = render_page(document, index, max_pixels=settings.OCR_MAX_PIXELS)
            except (ExtractionError, SoftTimeLimitExceeded):
                raise
            except Exception:
                logger.warning("PDF page %s can't be rendered", index + 1, exc_info=True)
                raise ExtractionError("malformed") from None
            texts[index] = _ocr(picture)
    finally:
        document.close()
    return texts


# A JPEG can be decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT scaling), never
# holding the full picture: a 48-megapixel phone photo is read at a quarter of its pixels.
JPEG_SCALES = (2, 4, 8)


def _picture(data: bytes) -> "Picture":
    """A picture decoded only within ``OCR_MAX_PIXELS``: a bigger JPEG is decoded at a
    reduced scale that fits (up to 64 times the budget), anything else bigger is refused
    from its header, before any pixel is decoded."""
    from PIL import Image

    limit = settings.OCR_MAX_PIXELS
    # Pillow warns above this many pixels and refuses above twice as many; the warning is an
    # error here, so a picture over the budget is never decoded at full size.
    Image.MAX_IMAGE_PIXELS = limit
    width, height, picture_format = _header(data, limit)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            if width * height > limit:
                picture = _reduced_jpeg(data, width, height, picture_format, limit)
            else:
                picture = Image.open(io.BytesIO(data))
            picture.load()
        except (ExtractionError, SoftTimeLimitExceeded):
            raise
        except Exception:
            raise ExtractionError("unsupported_image") from None
    return picture


def _header(data: bytes, limit: int) -> tuple[int, int, str]:
    """Width, height and format from the picture's header (no pixel is decoded)."""
    from PIL import Image

    saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        picture = Image.open(io.BytesIO(data))  # reads the header, not the pixels
        width, height = picture.size
        return width, height, picture.format or ""
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        raise ExtractionError("unsupported_image") from None
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _reduced_jpeg(data: bytes, width: int, height: int, picture_format: str, limit: int) -> Any:
    """A JPEG over the budget, set up to decode at the smallest reduction that fits."""
    from PIL import Image

    too_large = ExtractionError(
        "image_too_large", width=width, height=height, limit=limit // 1_000_000
    )
    if picture_format != "JPEG":
        raise too_large
    for scale in JPEG_SCALES:
        size = (-(-width // scale), -(-height // scale))
        if size[0] * size[1] <= limit:
            break
    else:
        raise too_large
    saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        picture = Image.open(io.BytesIO(data))
    finally:
        Image.MAX_IMAGE_PIXELS = saved
    # Pillow picks the largest DCT scale that keeps the picture at least the size asked for.
    picture.draft("L", (max(1, width // scale), max(1, height // scale)))
    if picture.size[0] * picture.size[1] > limit:
        raise too_large
    return picture


def ocr_image(data: bytes, *, languages: str = "nld+fra+eng") -> str:
    """Text of a picture (PNG, JPEG) with Tesseract."""
    if shutil.which("tesseract") is None:
        raise ExtractionError("ocr_unavailable")
    return _ocr(_picture(data), languages=languages)


def _ocr(picture: "Picture", *, languages: str = "nld+fra+eng") -> str:
    """Text of a decoded picture with Tesseract (a subprocess with a timeout)."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise ExtractionError("ocr_unavailable")
    with tempfile.TemporaryDirectory(prefix="okioki-ocr-") as folder:
        path = Path(folder) / "page.png"
        try:
            picture.convert("L").save(path)
            completed = subprocess.run(  # noqa: S603 - fixed binary, our own temp file
                [binary, str(path), "stdout", "-l", languages, "--psm", "4"],
                capture_output=True,
                timeout=OCR_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ExtractionError("ocr_failed") from None
        except (OSError, ValueError):
            logger.warning("OCR could not run", exc_info=True)
            raise ExtractionError("ocr_failed") from None
    if completed.returncode != 0:
        logger.warning("tesseract failed: %s", completed.stderr[:500])
        raise ExtractionError("ocr_failed")
    return completed.stdout.decode("utf-8", "replace")


def embedded_xml(data: bytes) -> EmbeddedXml | None:
    """A Factur-X/ZUGFeRD XML, or a UBL XML attached to the PDF, if there is one.

    Raises ``ExtractionError`` for a PDF refused by ``check_pdf`` (e.g. too many pages)."""
    from facturx import get_xml_from_pdf

    check_pdf(data)
    try:
        filename, xml = get_xml_from_pdf(data, check_xsd=False)
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        filename, xml = None, None
    if xml:
        return EmbeddedXml(filename=filename or "factur-x.xml", data=xml)
    from pypdf import PdfReader

    try:
        attachments = PdfReader(io.BytesIO(data)).attachments
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        return None
    for name, contents in attachments.items():
        if name.lower().endswith(".xml") and contents:
            return EmbeddedXml(filename=name, data=contents[0])
    return None
