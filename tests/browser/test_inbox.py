"""Test connection in a real browser: the page shows "Testing…" at once, then the worker's
answer replaces it (htmx polling), for a cloud folder on a real WebDAV server on loopback.
The test runs eagerly in the live server's thread (CELERY_TASK_ALWAYS_EAGER)."""

import pytest

from apps.companies.scoping import company_scope
from apps.inbox.models import CloudFolder
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.inbox import mails

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # the plans seeded by migrations survive the flush after each test
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_test_connection_shows_the_workers_answer(
    live_server, browser_page, company, owner, webdav
):
    factories.collecting(company, "collect-70")
    webdav.put("/Facturen/factuur.pdf", mails.pdf("browser"))
    page = browser_page
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/c/{company.public_id}/inbox/folders/new/")
    page.fill("input[name=url]", webdav.url)
    page.fill("input[name=username]", webdav.user)
    page.fill("input[name=password]", webdav.password)
    page.fill("input[name=path]", "/Facturen")
    with page.expect_navigation():
        page.click("button[name=action][value=test]")

    page.wait_for_selector("#connection-test .message-success", timeout=10_000)
    assert "Connected. 1 file(s) in /Facturen." in page.locator("#connection-test").inner_text()
    assert page.input_value("input[name=password]") == webdav.password  # still typed in
    screenshot(page, "inbox-test-connection")
    assert page.console_errors == []  # type: ignore[attr-defined]
    with company_scope(company):
        assert not CloudFolder.objects.exists()  # a test saves nothing
