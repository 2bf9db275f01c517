"""Hostile PDFs and pictures: memory stays within the pixel budget, long PDFs are refused from
their page tree before any page is loaded, and every parser or renderer error is a clear
reason on a document that needs review, never an exception out of the reading."""

import io
import struct
import tracemalloc
import zlib

import pypdfium2 as pdfium
import pytest
from django.test import override_settings
from PIL import Image

from apps.documents.extraction.files import (
    ExtractionError,
    _picture,
    embedded_xml,
    ocr_image,
    pdf_text,
    render_page,
)
from apps.documents.models import Document
from tests.conftest import require_tesseract
from tests.documents.helpers import ingest_and_read


def build_pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (1 is the catalogue), with a correct cross-reference table."""
    parts, offsets, position = [b"%PDF-1.4\n"], [], 9
    for number, body in enumerate(objects, start=1):
        offsets.append(position)
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        parts.append(chunk)
        position += len(chunk)
    parts.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    parts.append(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    parts.append(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, position)
    )
    return b"".join(parts)


def page_pdf(width: float, height: float) -> bytes:
    """One empty page of ``width`` × ``height`` points: a few hundred bytes."""
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] >>" % (width, height),
        ]
    )


def pages_pdf(pages: int, *, count: int | None = None) -> bytes:
    """``pages`` distinct empty pages; the page tree says ``count`` (a lie, if given)."""
    kids = b" ".join(b"%d 0 R" % (number + 3) for number in range(pages))
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages if count is None else count),
            *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages,
        ]
    )


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels (its pixel data is cut short)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def png(width: int, height: int, *, picture_format: str = "PNG") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (width, height), 255).save(buffer, format=picture_format)
    return buffer.getvalue()


def _rendered_pixels(data: bytes, max_pixels: int) -> tuple[int, int]:
    document = pdfium.PdfDocument(data)
    try:
        picture = render_page(document, 0, max_pixels=max_pixels)
    finally:
        document.close()
    return picture.size


@pytest.mark.parametrize(
    ("width", "height"), [(7200, 7200), (14400, 14400), (14400, 3), (3, 14400), (200, 14400)]
)
def test_a_huge_page_is_rendered_within_the_pixel_budget(width, height):
    budget = 2_000_000
    rendered_width, rendered_height = _rendered_pixels(page_pdf(width, height), budget)
    assert rendered_width * rendered_height <= budget
    assert max(rendered_width, rendered_height) <= 32_000  # Tesseract's limit
    if width == height:
        assert rendered_width * rendered_height > budget * 0.95  # no needless loss either


def test_an_ordinary_page_is_rendered_at_200_dpi():
    assert _rendered_pixels(page_pdf(595, 842), 40_000_000) == (1653, 2339)


@override_settings(OCR_MAX_PIXELS=500_000)
def test_a_huge_scanned_page_is_read_with_ocr_within_the_budget():
    require_tesseract()
    text = pdf_text(page_pdf(7200, 7200))
    assert text.ocr
    assert text.text.strip() == ""


@override_settings(PDF_MAX_PAGES=50)
def test_a_pdf_with_too_many_pages_is_refused_from_its_page_tree():
    data = pages_pdf(20_000)
    tracemalloc.start()
    try:
        for read in (pdf_text, embedded_xml):
            with pytest.raises(ExtractionError) as error:
                read(data)
            assert error.value.code == "too_many_pages"
            assert "50" in error.value.message
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000  # pdfplumber would have built 20,000 pages


@override_settings(PDF_MAX_PAGES=50)
def test_a_page_tree_that_lies_about_its_count_is_read_as_far_as_it_says():
    # pdfium (as a viewer) takes the tree's /Count: the pages past it are never built, so the
    # lie can't carry the reading past the limit
    assert pdf_text(pages_pdf(500, count=1), allow_ocr=False).pages == 1
    with pytest.raises(ExtractionError) as error:
        pdf_text(pages_pdf(60, count=500))
    assert error.value.code == "too_many_pages"


@override_settings(PDF_MAX_PAGES=50)
def test_a_pdf_at_the_page_limit_is_read():
    assert pdf_text(pages_pdf(50), allow_ocr=False).pages == 50


@pytest.mark.parametrize(
    "data",
    [
        png_header(100_000, 100_000),  # Pillow's own bomb error (over twice the limit)
        png_header(7000, 7000),  # Pillow's warning, an error here
        png_header(40_000, 1001),  # just over the budget
    ],
)
def test_a_picture_over_the_budget_is_refused_before_it_is_decoded(data):
    require_tesseract()
    with pytest.raises(ExtractionError) as error:
        ocr_image(data)
    assert error.value.code == "image_too_large"
    assert "40" in error.value.message  # the limit in megapixels


@override_settings(OCR_MAX_PIXELS=10_000)
def test_the_picture_budget_is_a_setting():
    require_tesseract()
    with pytest.raises(ExtractionError) as error:
        ocr_image(png(101, 100))
    assert error.value.code == "image_too_large"
    assert "101 × 100" in error.value.message
    assert ocr_image(png(100, 100)).strip() == ""


@override_settings(OCR_MAX_PIXELS=10_000)
def test_the_picture_budget_of_ocr_leaves_pillows_limit_as_it_was():
    # Pillow's limit is global: the next picture of the process (a page image, say) is not
    # held to the budget of the last one read for OCR
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ExtractionError):
        _picture(png(101, 100))
    _picture(png(100, 100))
    assert before == Image.MAX_IMAGE_PIXELS


@override_settings(OCR_MAX_PIXELS=10_000)
@pytest.mark.parametrize(
    ("width", "height", "read_size"),
    [(200, 150, (100, 75)), (400, 300, (100, 75)), (780, 800, (98, 100))],
)
def test_a_photo_over_the_budget_is_read_at_a_reduced_scale(width, height, read_size):
    # given a JPEG of up to 64 times the budget (a 48-megapixel phone photo against 40)
    data = png(width, height, picture_format="JPEG")
    # when it is decoded for OCR
    picture = _picture(data)
    # then libjpeg decodes it at 1/2, 1/4 or 1/8 scale, within the budget
    assert picture.size == read_size
    assert picture.size[0] * picture.size[1] <= 10_000


@override_settings(OCR_MAX_PIXELS=10_000)
def test_a_photo_too_large_even_at_an_eighth_or_not_a_jpeg_is_refused():
    for data in (png(1000, 1000, picture_format="JPEG"), png(200, 150)):
        with pytest.raises(ExtractionError) as error:
            _picture(data)
        assert error.value.code == "image_too_large"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,
    ],
)
def test_a_broken_picture_is_a_clear_error(data):
    require_tesseract()
    with pytest.raises(ExtractionError) as error:
        ocr_image(data)
    assert error.value.code == "unsupported_image"


@pytest.mark.parametrize(
    "data",
    [
        page_pdf(0, 0),  # an empty page box
        page_pdf(-5, 100),
        build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Count 3 >>"]),
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>",
        page_pdf(7200, 7200)[:200],  # cut off
    ],
)
@override_settings(OCR_MAX_PIXELS=100_000)
def test_a_damaged_pdf_is_a_clear_error_or_an_empty_text(data):
    outcome: str
    try:
        outcome = pdf_text(data).text.strip()
    except ExtractionError as error:
        outcome = error.code
    assert outcome in {"", "malformed", "ocr_failed"}


@override_settings(OCR_MAX_PIXELS=500_000, PDF_MAX_PAGES=10)
@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (page_pdf(14400, 14400), Document.Status.NEEDS_REVIEW, "missing_fields"),
        (pages_pdf(11), Document.Status.NEEDS_REVIEW, "too_many_pages"),
        (b"%PDF-1.4\n" + b"\x00" * 100, Document.Status.NEEDS_REVIEW, "malformed"),
    ],
)
def test_a_hostile_pdf_ends_in_needs_review_with_its_reason(
    company, django_capture_on_commit_callbacks, data, status, code
):
    require_tesseract()
    document = ingest_and_read(company, data, "hostile.pdf", django_capture_on_commit_callbacks)
    assert document.status == status
    assert document.problems[0]["code"] == code
    assert document.problem  # in words


def test_a_utf7_xml_hiding_a_dtd_fails_with_its_reason_instead_of_staying_reading(
    company, django_capture_on_commit_callbacks
):
    utf7 = (
        b'<?xml version="1.0" encoding="UTF-7"?>\n'
        b"+ADwAIQ-DOCTYPE Invoice +AFsAPAAh-ENTITY a +ACI-x+ACIAPgBd-+AD4-\n"
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
        b"<ID xmlns='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'>"
        b"&a;</ID></Invoice>"
    )
    document = ingest_and_read(company, utf7, "invoice.xml", django_capture_on_commit_callbacks)
    assert document.status == Document.Status.FAILED
    assert document.problems[0]["code"] == "unsupported_encoding"
    assert "UTF-7" in document.problem
    assert document.original.open("rb").read() == utf7
