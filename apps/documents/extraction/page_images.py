"""A page of an original as a picture a browser shows, for the review screen: a PDF page
rendered by pdfium as a PNG, a picture upright (as its EXIF says) and reduced, as a JPEG.

Hostile files cost little: the PDF goes through the same checks as for reading (page count
from the page tree, no password), a page is rendered at ``PAGE_WIDTH`` pixels wide but never
more than ``PAGE_MAX_PIXELS``, and pdfium renders it progressively, stopping after
``RENDER_SECONDS``; a picture is decoded within ``OCR_MAX_PIXELS`` as for OCR (a large JPEG
at a reduced scale), then reduced.
"""

import ctypes
import io
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from apps.documents.extraction.files import OCR_MAX_SIDE, ExtractionError, _pdfium, _picture

logger = logging.getLogger(__name__)

# the originals whose pages can be shown as pictures
PAGE_KINDS = frozenset({"pdf", "png", "jpeg", "webp", "heic"})
PAGE_WIDTH = 1200
# An A4 page 1200 pixels wide has 1.7 million; a page far taller than wide is narrowed.
PAGE_MAX_PIXELS = 4_000_000
RENDER_SECONDS = 10.0


class PageNotFound(Exception):
    """No such page, or the original can't be shown as a picture."""


@dataclass
class PageImage:
    data: bytes
    content_type: str


def page_image(data: bytes, *, file_kind: str, number: int, width: int = PAGE_WIDTH) -> PageImage:
    """Page ``number`` (from 1) of an original. Raises ``PageNotFound`` for a page the file
    doesn't have and for a file that can't be shown (damaged, protected, too large, too slow
    to render, not a PDF or a picture)."""
    try:
        if file_kind == "pdf":
            return PageImage(_pdf_page(data, number, width), "image/png")
        if number != 1:
            raise PageNotFound
        return PageImage(_picture_page(data, width), "image/jpeg")
    except (PageNotFound, ExtractionError):
        raise PageNotFound from None
    except Exception:
        # pdfium and Pillow errors on a file they can't draw: no picture, never a crash
        logger.warning("page %s of a %s can't be drawn", number, file_kind, exc_info=True)
        raise PageNotFound from None


def _pdf_page(data: bytes, number: int, width: int) -> bytes:
    import pypdfium2.raw as pdfium_c

    document = _pdfium(data)  # refuses too many pages, a damaged file, a password
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
            raise PageNotFound
        if not 1 <= number <= len(document):
            raise PageNotFound
        page = document[number - 1]
        try:
            points_wide, points_high = page.get_size()
            if not (points_wide > 0 and points_high > 0):
                raise PageNotFound
            scale = min(
                width / points_wide,
                math.sqrt(PAGE_MAX_PIXELS / (points_wide * points_high)),
                (OCR_MAX_SIDE - 1) / max(points_wide, points_high),
            )
            size = (
                max(1, int(points_wide * scale + 1e-6)),
                max(1, int(points_high * scale + 1e-6)),
            )
            picture = _render(page, size)
        finally:
            page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _render(page: Any, size: tuple[int, int]) -> Any:
    """The page drawn on a white bitmap of ``size``, progressively: pdfium asks between
    drawing steps whether to pause, and a page still drawing after ``RENDER_SECONDS`` is
    given up (a hostile content stream can take minutes)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    deadline = time.monotonic() + RENDER_SECONDS
    bitmap = pdfium.PdfBitmap.new_native(size[0], size[1], pdfium_c.FPDFBitmap_BGR)
    try:
        bitmap.fill_rect((255, 255, 255, 255), 0, 0, size[0], size[1])
        pause = pdfium_c.IFSDK_PAUSE(version=1)
        callback_type = type(pause.NeedToPauseNow)
        need_to_pause = callback_type(lambda _pause: int(time.monotonic() > deadline))
        pause.NeedToPauseNow = need_to_pause
        status = pdfium_c.FPDF_RenderPageBitmap_Start(
            bitmap.raw,
            page.raw,
            0,
            0,
            size[0],
            size[1],
            0,
            pdfium_c.FPDF_ANNOT,
            ctypes.byref(pause),
        )
        try:
            while status == pdfium_c.FPDF_RENDER_TOBECONTINUED:
                if time.monotonic() > deadline:
                    raise PageNotFound
                status = pdfium_c.FPDF_RenderPage_Continue(page.raw, ctypes.byref(pause))
        finally:
            pdfium_c.FPDF_RenderPage_Close(page.raw)
        if status != pdfium_c.FPDF_RENDER_DONE:
            raise PageNotFound
        return bitmap.to_pil().convert("RGB")
    finally:
        bitmap.close()


def _picture_page(data: bytes, width: int) -> bytes:
    from PIL import ImageOps

    picture = _picture(data)  # within OCR_MAX_PIXELS, as for reading
    upright = ImageOps.exif_transpose(picture).convert("RGB")
    upright.thumbnail((width, max(width, PAGE_MAX_PIXELS // width)))
    buffer = io.BytesIO()
    upright.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
