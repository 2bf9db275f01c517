"""The pages of an original as pictures, and the review screen that draws where a field was read
over them: a PDF page as PNG, a photo upright as JPEG, only for the company's own documents."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from apps.documents.extraction import page_images
from apps.documents.extraction.page_images import PAGE_WIDTH, PageNotFound, page_image
from tests import factories
from tests.access import user_of

TWO_PAGES = """<html><head><style>@page { size: A4; margin: 2cm }</style></head><body>
<h1>Factuur</h1><p>Factuurnummer: 2026-0311</p>
<p style="break-before: page">Totaal te betalen: € 121,00</p></body></html>"""

NUMBER_BOX = {
    "page": 0,
    "x0": 56.7,
    "top": 120.0,
    "x1": 210.0,
    "bottom": 132.0,
    "page_width": 595.3,
    "page_height": 841.9,
    "unit": "pt",
}


@pytest.fixture(scope="module")
def two_pages() -> bytes:
    from weasyprint import HTML

    return HTML(string=TWO_PAGES).write_pdf()


def pdf_document(company, data: bytes, **fields):
    import factory

    return factories.DocumentFactory(
        company=company,
        original=factory.django.FileField(data=data, filename="invoice.pdf"),
        size=len(data),
        **fields,
    )


def page_url(document, number: int, company=None) -> str:
    return reverse(
        "documents:document-page-image",
        kwargs={
            "company_id": (company or document.company).public_id,
            "document_id": document.public_id,
            "number": number,
        },
    )


def detail_url(document) -> str:
    return reverse(
        "documents:document-detail",
        kwargs={"company_id": document.company.public_id, "document_id": document.public_id},
    )


def test_page_of_a_pdf_is_a_png_at_the_screen_width(company, member, client_for, two_pages):
    document = pdf_document(company, two_pages)
    client = client_for(member)

    response = client.get(page_url(document, 2))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "PNG"
    assert picture.width == PAGE_WIDTH
    assert picture.height == pytest.approx(PAGE_WIDTH * 297 / 210, abs=2)  # A4
    # the second page, not the first: its print is lower down (after the break)
    first = Image.open(io.BytesIO(client.get(page_url(document, 1)).content))
    assert picture.convert("L").tobytes() != first.convert("L").tobytes()

    again = client.get(page_url(document, 2), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("number", [0, 3, 51])
def test_page_the_pdf_does_not_have_is_not_found(company, owner, client_for, two_pages, number):
    document = pdf_document(company, two_pages)
    assert client_for(owner).get(page_url(document, number)).status_code == 404


def test_page_of_another_companys_document_is_not_found(
    company, other_company, owner, client_for, two_pages
):
    theirs = pdf_document(other_company, two_pages, sha256="f" * 64)
    client = client_for(owner)

    # under our company's address: no such document; under theirs: not our company
    assert client.get(page_url(theirs, 1, company=company)).status_code == 404
    assert client.get(page_url(theirs, 1)).status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("outsider", 404), ("other_accountant", 404), ("accountant", 200)],
)
def test_page_image_access(role, expected, request, company, client_for, two_pages):
    document = pdf_document(company, two_pages)
    assert client_for(user_of(role, request)).get(page_url(document, 1)).status_code == expected


def test_photo_is_shown_upright_and_reduced(company, owner, client_for):
    """A phone photo taken sideways (EXIF orientation 6: turn it a quarter clockwise)."""
    import factory

    photo = Image.new("RGB", (3000, 2000), "white")
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", exif=exif)
    document = factories.DocumentFactory(
        company=company,
        original=factory.django.FileField(data=buffer.getvalue(), filename="photo.jpg"),
        file_kind="jpeg",
        content_type="image/jpeg",
    )
    client = client_for(owner)

    response = client.get(page_url(document, 1))

    assert response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (PAGE_WIDTH, 1800)
    assert client.get(page_url(document, 2)).status_code == 404


def blank_pdf(pages: int, width: float = 595, height: float = 842) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(width, height)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_hostile_pdf_pages_stay_within_the_limits(settings):
    # too many pages for reading: too many to show
    settings.PDF_MAX_PAGES = 5
    with pytest.raises(PageNotFound):
        page_image(blank_pdf(6), file_kind="pdf", number=1)
    # a page 200 inches long (the largest PDF allows) is drawn narrower, within the budget
    image = page_image(blank_pdf(1, 200, 14_400), file_kind="pdf", number=1)
    picture = Image.open(io.BytesIO(image.data))
    assert picture.width * picture.height <= page_images.PAGE_MAX_PIXELS
    assert picture.width < PAGE_WIDTH


def test_damaged_or_slow_pdf_has_no_page_image(two_pages, monkeypatch):
    with pytest.raises(PageNotFound):
        page_image(b"%PDF-1.4 nothing else", file_kind="pdf", number=1)
    # a page still drawing when the time is up is given up
    monkeypatch.setattr(page_images, "RENDER_SECONDS", -1.0)
    with pytest.raises(PageNotFound):
        page_image(two_pages, file_kind="pdf", number=1)


def test_review_screen_draws_the_box_of_the_field(company, owner, client_for, two_pages):
    document = pdf_document(
        company,
        two_pages,
        number="2026-0311",
        field_sources={"number": {"source": "pdf_text", "confidence": 0.9, "box": NUMBER_BOX}},
    )
    client = client_for(owner)

    page = client.get(detail_url(document)).content.decode()
    # a link per field with a box, that works without JavaScript
    assert 'href="?field=number#page-view"' in page
    assert "?field=issue_date" not in page
    assert '<div class="whole-document">' in page  # the page view is hidden

    page = client.get(detail_url(document), {"field": "number"}).content.decode()

    # the page picture under the box, 3 points wider on each side (0.5 % of the page)
    assert f'<image href="{page_url(document, 1)}"' in page
    assert 'viewBox="0 0 595.3 841.9"' in page
    assert '<rect class="field-box" x="52.5" y="115.8" width="161.7" height="20.4"/>' in page
    assert "Where “number” was read, on page 1" in page
    assert '<div class="whole-document" hidden>' in page


def test_review_screen_ignores_a_field_without_box_or_entered_by_a_person(
    company, owner, client_for, two_pages
):
    document = pdf_document(
        company,
        two_pages,
        field_sources={
            "number": {"source": "user", "confidence": 1.0, "box": NUMBER_BOX},
            "issue_date": {"source": "pdf_text", "confidence": 0.9},
        },
    )
    client = client_for(owner)
    for field in ("number", "issue_date", "nonsense"):
        page = client.get(detail_url(document), {"field": field}).content.decode()
        assert '<rect class="field-box" x="0" y="0" width="0" height="0"/>' in page
        assert '<div class="whole-document">' in page
        assert "show-box" not in page
