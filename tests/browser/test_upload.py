"""Uploading in a real browser: each file shows its progress while it is sent (the upload is
slowed down to be seen), the page then opens the upload's result, which follows the reading
by itself (no reload), and a reload of the result uploads nothing again."""

import pytest

from apps.companies.scoping import company_scope
from apps.documents.models import Document
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.samples import PDF

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

KB = 1024


def test_each_file_shows_its_progress_then_the_result_follows_the_reading(
    live_server, browser_page, company, owner, tmp_path
):
    factories.collecting(company)  # Start, the default plan, collects nothing by itself
    page = browser_page
    log_in(page, live_server, owner)
    # given two files of 400 KB and an upload slowed to 400 KB/s
    files = []
    for name in ("first.pdf", "second.pdf"):
        path = tmp_path / name
        path.write_bytes(PDF + name.encode() + b"\n%" + b"0" * (400 * KB))
        files.append(str(path))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 400 * KB},
    )
    upload = f"{live_server.url}/c/{company.public_id}/documents/upload/"
    page.goto(upload)

    # when the owner sends them
    page.set_input_files("input[name=uploads]", files)
    page.click("main form.upload-form button[type=submit]")

    # then each file has its progress bar, the first one moving before the second
    page.wait_for_function(
        "() => document.querySelectorAll('[data-upload-progress] progress').length === 2"
        " && document.querySelector('[data-upload-progress] progress').value > 0"
    )
    values = page.eval_on_selector_all(
        "[data-upload-progress] progress", "bars => bars.map(bar => bar.value)"
    )
    assert values[0] > 0
    assert values[1] <= values[0]
    assert page.locator("main form button[type=submit]").is_disabled()
    screenshot(page, "upload-progress")

    # and the page opens the result of that upload
    page.wait_for_url(f"{upload}?batch=*", timeout=30_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    results = page.locator("#upload-results")
    assert "first.pdf" in results.inner_text()
    assert "second.pdf" in results.inner_text()
    with company_scope(company):
        assert Document.objects.count() == 2

    # when a document is still being read, its line says so and follows it without a reload
    with company_scope(company):
        document = Document.objects.get(original_filename="first.pdf")
        Document.objects.filter(pk=document.pk).update(status=Document.Status.READING)
    page.reload()  # a reload of the result: nothing is uploaded again
    with company_scope(company):
        assert Document.objects.count() == 2
    line = page.locator("#upload-results li", has_text="first.pdf")
    assert line.locator(".badge").inner_text() == "Reading…"
    page.evaluate("window.stillTheSamePage = true")
    screenshot(page, "upload-reading")
    with company_scope(company):
        Document.objects.filter(pk=document.pk).update(status=Document.Status.NEEDS_REVIEW)
    page.locator(
        "#upload-results li:has-text('first.pdf') .badge[data-status=needs_review]"
    ).wait_for(timeout=10_000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator("#upload-results[hx-trigger]").count() == 0  # no more polling
    screenshot(page, "upload-read")
    assert page.console_errors == []
