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

Before OCR, ``scan.prepare`` crops the page out of a photo, evens out the light, enlarges small
print, deskews and thresholds the page; orientation detection runs only on pages that look
sideways or read badly.
"""

import io
import logging
import math
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from apps.documents.extraction import scan
from apps.documents.extraction.errors import ExtractionError

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

    from apps.documents.extraction.words import PageWords, Placement

logger = logging.getLogger(__name__)

OCR_DPI = 200
# Tesseract refuses pictures wider or taller than this.
OCR_MAX_SIDE = 32_000
OCR_TIMEOUT = 60
MIN_TEXT = 40  # characters below which a PDF page counts as a scan


@dataclass
class EmbeddedXml:
    filename: str
    data: bytes


@dataclass
class PdfText:
    text: str
    pages: int
    ocr: bool
    # the words of each page with their boxes (with_words=True): a text page's from pdfium's
    # characters (points), a scanned page's from the same Tesseract pass as its text (pixels
    # of the prepared page, with the placement that maps them onto the page's points)
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


def _page_size(document: Any, index: int) -> tuple[float, float]:
    """Width and height in points of page ``index`` as pdfium renders it (turned by its
    ``/Rotate``)."""
    page = document[index]
    try:
        width, height = page.get_size()
        return float(width), float(height)
    finally:
        page.close()


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
    reader), from the same grouping of characters into words as the text; a scanned page's
    words come from the Tesseract pass that gives its text."""
    from apps.documents.extraction.words import pdf_page, pdf_page_text_and_words

    check_pdf(data)
    document = _pdfium(data)
    try:
        texts = []
        scanned = []
        page_words = []
        for index in range(len(document)):
            try:
                page = document[index]
                try:
                    text, words = pdf_page_text_and_words(
                        pdf_page(page), index, with_words=with_words
                    )
                finally:
                    page.close()
                if words is not None and len(text.strip()) >= MIN_TEXT:
                    page_words.append(words)
            except SoftTimeLimitExceeded:
                raise
            except Exception:
                logger.warning("unreadable PDF page %s", index + 1, exc_info=True)
                text = ""
            texts.append(text)
            if len(text.strip()) < MIN_TEXT and index < settings.OCR_MAX_PAGES:
                scanned.append(index)
        pages = len(document)
    finally:
        document.close()
    used_ocr = False
    if allow_ocr and scanned and sum(len(t.strip()) for t in texts) < MIN_TEXT * len(texts):
        ocr_words: list[PageWords] | None = [] if with_words else None
        texts, used_ocr = _ocr_pages(data, texts, scanned, ocr_words), True
        if ocr_words:
            page_words = sorted(page_words + ocr_words, key=lambda words: words.index)
    return PdfText(text="\n\f\n".join(texts), pages=pages, ocr=used_ocr, words=page_words)


def _ocr_pages(
    data: bytes, texts: list[str], scanned: list[int], words: "list[PageWords] | None" = None
) -> list[str]:
    """The texts with the scanned pages read by OCR; their words (with boxes) appended to
    ``words`` when given."""
    from apps.documents.extraction.words import parse_tsv

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
            reading = _ocr_reading(picture)
            texts[index] = reading.text
            if words is not None:
                width, height = reading.size
                page = parse_tsv(reading.table, index=index, width=width, height=height)
                page.placement = reading.placement(points=_page_size(document, index))
                words.append(page)
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
    if _is_heif(data):
        return _heif(data, limit)
    # Pillow warns above this many pixels and refuses above twice as many; the warning is an
    # error here, so a picture over the budget is never decoded at full size. The limit is
    # Pillow's global: it is put back after, for the other pictures of this process.
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limit
    try:
        return _decoded(data, limit)
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _decoded(data: bytes, limit: int) -> "Picture":
    from PIL import Image

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


# HEIC, as iPhones save photos: an ISO media file ("ftyp" box) of one of these brands.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def _heif(data: bytes, limit: int) -> "Picture":
    """A HEIC photo decoded with pillow-heif (libheif), refused from its header when it has
    more than ``limit`` pixels (HEVC cannot be decoded at a reduced scale as JPEG can)."""
    import pillow_heif

    try:
        heif_file = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
        width, height = heif_file.size  # from the header, before any pixel is decoded
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        raise ExtractionError("unsupported_image") from None
    if width * height > limit:
        raise ExtractionError(
            "image_too_large", width=width, height=height, limit=limit // 1_000_000
        )
    try:
        return heif_file.to_pillow()
    except SoftTimeLimitExceeded:
        raise
    except Exception:
        raise ExtractionError("unsupported_image") from None


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
    """Text of a picture (PNG, JPEG, WebP, HEIC, TIFF…) with Tesseract."""
    if shutil.which("tesseract") is None:
        raise ExtractionError("ocr_unavailable")
    return _ocr_reading(_picture(data), languages=languages).text


def ocr_image_words(
    data: bytes, *, languages: str = "nld+fra+eng"
) -> tuple[str, list["PageWords"]]:
    """Text of a picture and its words with their boxes (in pixels of the page as prepared
    for OCR, with the placement that maps them back onto the picture), from one Tesseract
    pass (its txt and tsv outputs)."""
    from apps.documents.extraction.words import parse_tsv

    if shutil.which("tesseract") is None:
        raise ExtractionError("ocr_unavailable")
    reading = _ocr_reading(_picture(data), languages=languages)
    width, height = reading.size
    words = parse_tsv(reading.table, index=0, width=width, height=height)
    words.placement = reading.placement()
    return reading.text, [words]


def read_words(data: bytes, *, pdf: bool) -> PdfText:
    """The text of a PDF or a picture and its words with their boxes, as the reader reads
    them: a PDF's text layer (OCR for its image-only pages), a picture by OCR (one page)."""
    if pdf:
        return pdf_text(data, with_words=True)
    text, words = ocr_image_words(data)
    return PdfText(text=text, pages=1, ocr=True, words=words)


def _ocr(picture: "Picture", *, languages: str = "nld+fra+eng") -> str:
    return _ocr_reading(picture, languages=languages).text


def _ocr_reading(picture: "Picture", *, languages: str = "nld+fra+eng") -> "_Reading":
    """Text of a decoded picture with Tesseract (a subprocess with a timeout), after
    ``scan.prepare`` (page cropped out of a photo, light evened out, small print enlarged,
    deskewed, thresholded to black on white).

    A page that lies sideways (its lines of print run down the page), or whose words come
    out few or doubtful, goes through Tesseract's orientation detection (OSD); turned
    upright as it says, the page is read again and the surer reading kept. OSD runs only
    then: it costs half a second a page."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise ExtractionError("ocr_unavailable")
    deadline = time.monotonic() + OCR_TIMEOUT
    with tempfile.TemporaryDirectory(prefix="okioki-ocr-") as folder:
        prepared = scan.prepare_mapped(picture, max_pixels=settings.OCR_MAX_PIXELS)
        path = _saved(prepared.picture, Path(folder))
        turn, checked = 0, False
        if scan.lies_sideways(prepared.picture):
            turn, checked = _orientation(binary, path, deadline=deadline), True
            if turn:
                prepared = scan.prepare_mapped(
                    picture, max_pixels=settings.OCR_MAX_PIXELS, turn=turn
                )
                path = _saved(prepared.picture, Path(folder))
        first = _tesseract(binary, path, languages, deadline=deadline, prepared=prepared)
        if checked or first.confidence >= OCR_SURE:
            return first
        turn = _orientation(binary, path, deadline=deadline)
        if not turn:
            return first
        upright = scan.prepare_mapped(picture, max_pixels=settings.OCR_MAX_PIXELS, turn=turn)
        try:
            second = _tesseract(
                binary,
                _saved(upright.picture, Path(folder)),
                languages,
                deadline=deadline,
                prepared=upright,
            )
        except ExtractionError:
            return first  # out of time: the first reading is still a reading
    return second if second.confidence > first.confidence else first


def _saved(picture: "Picture", folder: Path) -> Path:
    path = folder / "page.png"
    try:
        picture.convert("L").save(path)
    except (OSError, ValueError):
        logger.warning("OCR picture can't be written", exc_info=True)
        raise ExtractionError("ocr_failed") from None
    return path


@dataclass
class _Reading:
    text: str
    confidence: float  # mean word confidence, 0-100
    words: int
    table: str = ""  # Tesseract's TSV: the words with their boxes
    size: tuple[int, int] = (0, 0)  # of the picture read, in pixels
    # the page read and where it lies on the original picture
    prepared: "scan.Prepared | None" = None

    def placement(self, *, points: tuple[float, float] | None = None) -> "Placement | None":
        """How the words read map back onto the original picture (in its pixels), or onto
        the PDF page it was rendered from (``points``: the page's size in points)."""
        from apps.documents.extraction.words import Placement

        if self.prepared is None:
            return None
        import numpy as np

        to_original = np.linalg.inv(self.prepared.matrix)
        width, height = self.prepared.original_size
        if points is None:
            return Placement.of(to_original, width=width, height=height, unit="px")
        to_points = np.diag([points[0] / width, points[1] / height, 1.0])
        return Placement.of(to_points @ to_original, width=points[0], height=points[1], unit="pt")


# A reading this sure is not checked for the page's orientation: an upright page of print
# reads at 90-95 on average; sideways or upside down, Tesseract still finds "words" but at
# 50-65.
OCR_SURE = 75.0


def _tesseract(
    binary: str, path: Path, languages: str, *, deadline: float, prepared: scan.Prepared
) -> _Reading:
    """One Tesseract pass: the text and the words' confidence (its TSV output, written in
    the same pass)."""
    base = path.with_suffix("")
    try:
        completed = subprocess.run(  # noqa: S603 - fixed binary, our own temp files
            [binary, str(path), str(base), "-l", languages, "--psm", "4", "txt", "tsv"],
            capture_output=True,
            timeout=max(1.0, deadline - time.monotonic()),
            check=False,
        )
        if completed.returncode != 0:
            logger.warning("tesseract failed: %s", completed.stderr[:500])
            raise ExtractionError("ocr_failed")
        text = base.with_suffix(".txt").read_bytes().decode("utf-8", "replace")
        table = base.with_suffix(".tsv").read_bytes().decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        raise ExtractionError("ocr_failed") from None
    except (OSError, ValueError):
        logger.warning("OCR could not run", exc_info=True)
        raise ExtractionError("ocr_failed") from None
    confidences = []
    for line in table.splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) == 12 and cells[0] == "5" and cells[11].strip():
            try:
                confidences.append(float(cells[10]))
            except ValueError:
                continue
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    return _Reading(
        text=text,
        confidence=confidence,
        words=len(confidences),
        table=table,
        size=prepared.picture.size,
        prepared=prepared,
    )


def _orientation(binary: str, path: Path, *, deadline: float) -> int:
    """The quarter turns (clockwise, in degrees) that make the page upright, by Tesseract's
    orientation detection (needs its ``osd`` data: Debian ``tesseract-ocr-osd``); 0 when it
    is upright, unsure or the detection is not available."""
    timeout = deadline - time.monotonic()
    if timeout < 1:
        return 0
    try:
        completed = subprocess.run(  # noqa: S603 - fixed binary, our own temp file
            [binary, str(path), "stdout", "--psm", "0"],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (subprocess.TimeoutExpired, OSError, ValueError):
        return 0
    if completed.returncode != 0:
        logger.info("no orientation detected: %s", completed.stderr[:300])
        return 0
    found = dict(
        line.split(":", 1)
        for line in completed.stdout.decode("utf-8", "replace").splitlines()
        if ":" in line
    )
    try:
        turn = int(found.get("Rotate", "0").strip())
        sure = float(found.get("Orientation confidence", "0").strip())
    except ValueError:
        return 0
    return turn if turn in (90, 180, 270) and sure >= OSD_SURE else 0


OSD_SURE = 2.0


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
