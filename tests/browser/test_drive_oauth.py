"""Connect Google Drive in a real browser: the owner reads what OkiOki will read, signs in
at the provider, picks a folder in the folder browser, and sees its files collected.

Faked: Google's sign-in and consent page (tests/fakes/oauth_provider.py) and the Drive API
v3 (tests/fakes/google_drive.py), both on loopback. Real: Chromium, the live server, our
clients; the first scan runs at once in the live server (CELERY_TASK_ALWAYS_EAGER)."""

import pytest

from apps.inbox.models import CloudFolder
from tests import factories
from tests.browser.conftest import PHONE, choose_language, fits_the_phone, log_in, screenshot
from tests.inbox import mails
from tests.inbox.conftest import drive_server, google_drive, oauth_server  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_connect_google_drive_pick_a_folder_and_see_its_files_collected(
    google_drive,  # noqa: F811
    live_server,
    browser_page,
    company,
    owner,
    settings,
):
    # given a company that reads cloud folders, and a Drive with an invoice in Facturen
    factories.collecting(company, "collect-70")
    settings.SITE_URL = live_server.url
    invoices = google_drive.add_folder("Facturen")
    google_drive.add_folder("Archief", invoices)
    google_drive.add_file("factuur-2026.pdf", mails.pdf("2026-88"), invoices)
    page = browser_page
    log_in(page, live_server, owner)

    # when the owner, in Dutch, picks Connect Google Drive on the Connections page
    page.goto(f"{live_server.url}/c/{company.public_id}/inbox/")
    choose_language(page, "nl")
    with page.expect_navigation():
        page.click("#connect-google_drive")
    assert "https://www.googleapis.com/auth/drive" in page.inner_text("main")
    screenshot(page, "drive-oauth-consent-nl-desktop")

    # and continues, and allows on the provider's page
    with page.expect_navigation():
        page.click("#oauth-continue")
    assert page.url.startswith(google_drive.oauth.base_url)
    with page.expect_navigation(url=f"{live_server.url}/c/**"):
        page.click("#allow")

    # then the folder browser: My Drive, then Facturen with its sub-folder
    assert page.url.endswith("/browse/")
    with page.expect_navigation():
        page.click("#folder-list a")  # My Drive
    with page.expect_navigation():
        page.click("#folder-list a:has-text('Facturen')")
    assert "Archief" in page.inner_text("#folder-list")
    screenshot(page, "drive-browse-nl-desktop")
    page.set_viewport_size(PHONE)
    assert fits_the_phone(page)
    screenshot(page, "drive-browse-nl-phone")

    # when they collect from it
    with page.expect_navigation():
        page.click("#collect-here")

    # then the folder's page shows the account, the folder and the invoice collected
    folder = CloudFolder.objects.unscoped().get(company=company)
    assert page.url == f"{live_server.url}{folder.get_absolute_url()}"
    assert (folder.folder_id, folder.path, folder.documents_found) == (invoices, "/Facturen", 1)
    text = page.inner_text("main")
    assert "owner@gmail.example" in text
    assert "/Facturen" in text
    assert "factuur-2026.pdf" in text
    assert fits_the_phone(page)
    screenshot(page, "drive-folder-nl-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "drive-folder-nl-desktop")
    assert page.console_errors == []  # type: ignore[attr-defined]
