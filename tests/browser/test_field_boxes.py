"""Issue 13 in a real browser: "Show on the page" draws where a field was read over the page
of the original, on a desktop and on a phone, with and without JavaScript."""

import pytest

from apps.companies.scoping import company_scope
from apps.documents.models import Document, Source
from apps.documents.reading import document_read
from apps.documents.services import document_ingest
from tests.browser.conftest import log_in, screenshot
from tests.documents import degraded, samples

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NL = next(sample for sample in samples.SAMPLES if sample.name == "nl_mixed_rates")


def read(company, data: bytes, filename: str) -> Document:
    with company_scope(company):
        document = document_ingest(
            company=company, data=data, filename=filename, source=Source.UPLOAD
        ).document
        document_read(company_id=company.pk, document_id=document.pk)
        return Document.objects.get(pk=document.pk)


def assert_box_inside_the_page(page) -> None:
    """The box is drawn, on the page picture, which has loaded."""
    svg = page.locator("#page-view svg").bounding_box()
    box = page.locator("#page-view rect.field-box").bounding_box()
    assert svg
    assert box
    assert box["width"] > 10
    assert box["height"] > 5
    assert svg["x"] <= box["x"] <= box["x"] + box["width"] <= svg["x"] + svg["width"] + 1
    assert svg["y"] <= box["y"] <= box["y"] + box["height"] <= svg["y"] + svg["height"] + 1
    assert page.evaluate(
        "() => new Promise((done) => { const i = new Image(); i.onload = () => done(i.width);"
        " i.onerror = () => done(0);"
        " i.src = document.querySelector('#page-view image').getAttribute('href'); })"
    )


def test_show_on_the_page_on_a_desktop_and_a_phone(live_server, browser_page, company, owner):
    document = read(company, samples.pdf(NL), "factuur.pdf")
    assert document.field_sources["total_incl_vat"]["box"]["unit"] == "pt"
    page = browser_page
    log_in(page, live_server, owner)
    url = f"{live_server.url}/c/{company.public_id}/documents/{document.public_id}/"
    page.goto(url)
    assert not page.locator("#page-view").is_visible()

    page.click("a.show-box[data-field=total_incl_vat]")

    assert page.locator("#page-view").is_visible()
    assert not page.locator(".whole-document iframe").is_visible()
    assert "“total incl. VAT”" in page.locator("#page-view figcaption").inner_text()
    assert page.url.endswith("?field=total_incl_vat")
    page.wait_for_load_state("networkidle")
    assert_box_inside_the_page(page)
    screenshot(page, "field-box-desktop")

    page.click("#page-view .page-view-close")
    assert page.locator(".whole-document iframe").is_visible()
    assert not page.locator("#page-view").is_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.click("a.show-box[data-field=number]")
    page.wait_for_load_state("networkidle")
    assert_box_inside_the_page(page)
    screenshot(page, "field-box-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.console_errors == []


def test_show_on_the_page_of_a_photo_without_javascript(live_server, browser_page, company, owner):
    from tests.conftest import require_tesseract

    require_tesseract("nld", "fra", "eng")
    photo = degraded.jpeg(degraded.photographed(degraded.page(NL)), quality=80)
    document = read(company, photo, "foto.jpg")
    assert document.field_sources["number"]["box"]["unit"] == "px"
    page = browser_page
    log_in(page, live_server, owner)
    page.set_viewport_size({"width": 390, "height": 844})
    page.route("**/*.js", lambda route: route.abort())  # as without JavaScript
    page.goto(f"{live_server.url}/c/{company.public_id}/documents/{document.public_id}/")

    page.click("a.show-box[data-field=number]")

    assert "field=number" in page.url
    page.wait_for_load_state("networkidle")
    assert_box_inside_the_page(page)
    screenshot(page, "field-box-photo-phone")
