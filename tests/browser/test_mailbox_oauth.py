"""Connect Gmail in a real browser: the owner reads what OkiOki will read, continues to the
sign-in page, allows, and comes back to the mailbox with its mail collected.

Faked: Google's sign-in and consent page (tests/fakes/oauth_provider.py, on loopback; its
Allow button is clicked in the browser like Google's). Real: Chromium, the live server,
Dovecot reading the mailbox over XOAUTH2 and checking the token with the stand-in. The first
scan runs at once in the live server (CELERY_TASK_ALWAYS_EAGER)."""

import pytest

from apps.inbox.models import Mailbox
from tests import factories
from tests.browser.conftest import PHONE, choose_language, fits_the_phone, log_in, screenshot
from tests.fakes.oauth_provider import GMAIL_ACCOUNT
from tests.inbox import mails
from tests.inbox.conftest import oauth_dovecot, oauth_provider, oauth_server  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GMAIL = GMAIL_ACCOUNT


def test_connect_gmail_through_the_consent_page_and_see_its_mail_collected(
    oauth_provider,  # noqa: F811
    oauth_dovecot,  # noqa: F811
    live_server,
    browser_page,
    company,
    owner,
    settings,
):
    # given a company that reads mailboxes, and a Gmail inbox with an invoice
    factories.collecting(company, "collect-70")
    settings.SITE_URL = live_server.url
    oauth_dovecot.append(GMAIL, oauth_dovecot.PASSWORD, [mails.invoice_pdf("2026-77")])
    page = browser_page
    log_in(page, live_server, owner)

    # when the owner, in Dutch, picks Connect Gmail on the mailbox page
    page.goto(f"{live_server.url}/c/{company.public_id}/inbox/mailboxes/new/")
    choose_language(page, "nl")
    screenshot(page, "mailbox-connect-choices-nl-desktop")
    with page.expect_navigation():
        page.click("#connect-google")
    # then OkiOki says what it reads before anything leaves
    assert "https://mail.google.com/" in page.inner_text("main")
    screenshot(page, "mailbox-oauth-consent-nl-desktop")

    # when they continue, and allow on the provider's page
    with page.expect_navigation():
        page.click("#oauth-continue")
    assert page.url.startswith(oauth_provider.base_url)
    with page.expect_navigation(url=f"{live_server.url}/c/**"):
        page.click("#allow")

    # then they are back on the mailbox, its first scan done: the invoice is a document
    mailbox = Mailbox.objects.unscoped().get(company=company)
    assert page.url == f"{live_server.url}{mailbox.get_absolute_url()}"
    assert mailbox.username == GMAIL
    assert mailbox.documents_found == 1
    text = page.inner_text("main")
    assert "Google" in text
    assert GMAIL in text
    assert "1 document" in text
    screenshot(page, "mailbox-oauth-connected-nl-desktop")

    # and the pages fit a phone, in French
    page.set_viewport_size(PHONE)
    choose_language(page, "fr")
    assert fits_the_phone(page)
    screenshot(page, "mailbox-oauth-connected-fr-phone")
    page.goto(f"{live_server.url}/c/{company.public_id}/inbox/mailboxes/connect/microsoft/")
    assert fits_the_phone(page)
    screenshot(page, "mailbox-oauth-consent-fr-phone")
    assert page.console_errors == []  # type: ignore[attr-defined]
