"""Microsoft 365 mailboxes whose IMAP is off, read through Microsoft Graph by the same scan.

Faked, at the HTTP boundary: Microsoft's sign-in (tests/fakes/oauth_provider.py, which also
plays Microsoft's refusal of the XOAUTH2 sign-in of an account whose IMAP is off, and its
rule of one resource a token) and Microsoft Graph's mail API (tests/fakes/graph_mail.py:
folders, the delta query with next and delta links and ``@removed``, MIME ``$value``, move,
429 and 410). Real: our OAuth and Graph clients and their requests, the consent page's form
posted as a browser would, Dovecot (tests/servers.py) refusing the IMAP sign-in, PostgreSQL,
and the import of the mail into documents.
"""

import html
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core import mail as django_mail
from django.utils import timezone, translation
from django.utils.formats import time_format

from apps.companies.scoping import company_scope
from apps.documents.models import Document
from apps.inbox import connection_tests
from apps.inbox.clients import graph_mail as graph_client
from apps.inbox.models import ConnectionTest, InboundMessage, Mailbox, MailboxFolder
from apps.inbox.scanning import ScanReport, mailbox_scan
from tests import factories
from tests.fakes.graph_mail import FakeGraphMail
from tests.fakes.graph_mail import configure as configure_graph
from tests.fakes.oauth_provider import MICROSOFT_ACCOUNT
from tests.fakes.oauth_provider import Server as FakeServer
from tests.inbox import mails
from tests.inbox.test_oauth import _start_url, sign_in

pytestmark = pytest.mark.slow

OUTLOOK = MICROSOFT_ACCOUNT
GRAPH_SCOPE = "https://graph.microsoft.com/Mail.ReadWrite"
VALUE = "GET /v1.0/me/messages/{id}/$value"
DELTA = "GET /v1.0/me/mailFolders/{id}/messages/delta"


@pytest.fixture(scope="session")
def graph_server(oauth_server) -> Iterator[FakeServer]:
    server = FakeServer(FakeGraphMail(oauth=oauth_server.fake)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def graph(graph_server, oauth_provider, settings) -> Iterator[FakeGraphMail]:
    """Microsoft Graph (the stand-in), and a Microsoft account whose IMAP is off."""
    fake: FakeGraphMail = graph_server.fake
    fake.reset()
    configure_graph(settings, graph_server)
    oauth_provider.rotate_refresh = True  # Microsoft's way
    oauth_provider.imap_off.add(OUTLOOK)
    yield fake
    fake.reset()


def _connect(company, user, client_for, capture) -> Mailbox:
    sign_in(client_for(user), _start_url(company, "microsoft"), capture, account=OUTLOOK)
    with company_scope(company):
        return Mailbox.objects.get()


@pytest.fixture
def outlook(graph, collecting, owner, client_for, django_capture_on_commit_callbacks) -> Mailbox:
    """The account connected through the consent page, its first scan done (nothing in it)."""
    return _connect(collecting, owner, client_for, django_capture_on_commit_callbacks)


def _scan(mailbox: Mailbox) -> ScanReport:
    with company_scope(mailbox.company):
        mailbox.refresh_from_db()
        return mailbox_scan(mailbox=mailbox)


def _unread(graph: FakeGraphMail, folder: str = "Inbox", parent: str = "") -> list[bool]:
    return [not m.is_read for m in graph.in_folder(OUTLOOK, folder, parent)]


# --- connecting -------------------------------------------------------------------------------


def test_a_microsoft_account_with_imap_off_is_read_through_graph(
    graph, oauth_provider, collecting, owner, client_for, django_capture_on_commit_callbacks
):
    # given an invoice in a Microsoft 365 mailbox whose IMAP its administrator turned off
    graph.deliver(OUTLOOK, mails.invoice_pdf("G-1"))

    # when the owner connects it through Microsoft's consent page
    mailbox = _connect(collecting, owner, client_for, django_capture_on_commit_callbacks)

    # then the consent covered Graph's mail besides IMAP, IMAP was tried first and refused,
    # and the first scan read the mailbox through Graph with a token for Graph
    asked = oauth_provider.authorize_requests[0]["scope"].split()
    assert "https://outlook.office.com/IMAP.AccessAsUser.All" in asked
    assert GRAPH_SCOPE in asked
    assert mailbox.transport == Mailbox.Transport.GRAPH
    assert mailbox.last_error_code == "", mailbox.last_error
    assert mailbox.documents_found == 1
    assert oauth_provider.token_requests[-1]["scope"].split() == ["offline_access", GRAPH_SCOPE]
    with company_scope(collecting):
        assert Document.objects.count() == 1
        assert MailboxFolder.objects.get().sync_token.startswith(graph.base_url)
    # and the page says how the mailbox is read
    page = client_for(owner).get(mailbox.get_absolute_url()).content.decode()
    assert "Read through Microsoft Graph: IMAP is off for this account." in page
    # and the mail is as it was: unread, never patched
    assert _unread(graph) == [True]
    assert graph.patches == []


def test_a_second_scan_collects_nothing_and_new_mail_only_itself(outlook, graph):
    graph.deliver(OUTLOOK, mails.invoice_pdf("N-1"), mails.message("Nieuwsbrief", text="Promo"))
    first = _scan(outlook)
    assert (first.error, first.seen, first.documents) == (None, 2, 1)
    downloads = graph.requests[VALUE]
    assert downloads == 2

    # nothing new: nothing looked at, nothing downloaded
    again = _scan(outlook)
    assert (again.error, again.seen, again.documents) == (None, 0, 0)
    assert graph.requests[VALUE] == downloads

    # new mail: only that
    graph.deliver(OUTLOOK, mails.invoice_pdf("N-2"))
    later = _scan(outlook)
    assert (later.seen, later.documents, later.already_known) == (1, 1, 0)
    assert graph.requests[VALUE] == downloads + 1
    with company_scope(outlook.company):
        assert InboundMessage.objects.count() == 3
    assert all(_unread(graph))
    assert graph.patches == []


def test_a_round_follows_the_next_links_page_after_page(outlook, graph, monkeypatch):
    # given five messages and pages of two
    monkeypatch.setattr(graph_client, "PAGE_SIZE", 2)
    graph.deliver(OUTLOOK, *(mails.message(f"Bericht {n}", text="Hallo") for n in range(4)))
    graph.deliver(OUTLOOK, mails.invoice_pdf("P-1"))
    delta_calls = graph.requests[DELTA]

    report = _scan(outlook)

    # then three pages were read, every message once
    assert graph.requests[DELTA] - delta_calls == 3
    assert (report.seen, report.documents, report.already_known) == (5, 1, 0)
    assert _scan(outlook).seen == 0


def test_removed_mail_and_a_lost_sync_state_collect_nothing_twice(outlook, graph):
    # given three messages collected
    ids = graph.deliver(
        OUTLOOK, mails.invoice_pdf("S-1"), mails.invoice_pdf("S-2"), mails.invoice_pdf("S-3")
    )
    assert _scan(outlook).documents == 3

    # when one is deleted (the delta says @removed) and a new one comes
    graph.delete(OUTLOOK, ids[0])
    graph.deliver(OUTLOOK, mails.invoice_pdf("S-4"))
    report = _scan(outlook)

    # then only the new one is collected
    assert (report.seen, report.documents, report.resynced) == (1, 1, [])

    # when Exchange forgets the sync state (410 Gone, SyncStateNotFound)
    graph.expire_sync_state()
    downloads = graph.requests[VALUE]
    report = _scan(outlook)

    # then the folder is listed again from the beginning, and nothing is downloaded again
    assert report.error is None
    assert report.resynced == ["INBOX"]
    assert (report.seen, report.already_known) == (0, 3)
    assert graph.requests[VALUE] == downloads
    with company_scope(outlook.company):
        assert InboundMessage.objects.count() == 4
    assert _scan(outlook).resynced == []  # the new delta link holds


def test_processed_mail_moves_to_its_folder_created_on_the_way(outlook, graph):
    # given a folder for processed mail (not there yet), an invoice and a newsletter
    Mailbox.objects.unscoped().filter(pk=outlook.pk).update(move_to_folder="OkiOki/Verwerkt")
    graph.deliver(OUTLOOK, mails.invoice_pdf("M-1"), mails.message("Nieuwsbrief", text="Promo"))

    report = _scan(outlook)

    # then the invoice moved, the newsletter stayed, neither is read
    assert (report.error, report.documents) == (None, 1)
    assert _unread(graph, "Verwerkt", parent="OkiOki") == [True]
    assert _unread(graph) == [True]
    assert graph.patches == []
    # and the move's trace in the delta (@removed) collects nothing
    again = _scan(outlook)
    assert (again.error, again.seen) == (None, 0)


def test_too_many_requests_is_a_temporary_error_and_the_next_scan_resumes(outlook, graph):
    graph.deliver(OUTLOOK, mails.invoice_pdf("T-1"))
    graph.throttle(1, retry_after=7)

    report = _scan(outlook)

    assert report.error.code == "graph_busy"
    outlook.refresh_from_db()
    assert not outlook.is_paused
    assert outlook.auth_failures == 0
    assert "the scan resumes at the next one" in outlook.last_error
    with time_machine.travel(timezone.now() + timedelta(seconds=8), tick=True):
        report = _scan(outlook)
    assert (report.error, report.documents) == (None, 1)
    outlook.refresh_from_db()
    assert outlook.retry_after is None


def test_no_scan_calls_graph_before_its_retry_after(
    outlook, graph, owner, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    graph.deliver(OUTLOOK, mails.invoice_pdf("W-1"))
    graph.throttle(1, retry_after=600)
    before = timezone.now()

    assert _scan(outlook).error.code == "graph_busy"

    outlook.refresh_from_db()
    wait = (outlook.retry_after - before).total_seconds()
    assert 600 <= wait < 620
    outlook.last_scan_at = before - timedelta(hours=1)  # its interval is long over...
    assert not outlook.is_due  # ...yet the scheduled scans leave it alone
    calls = sum(graph.requests.values())
    again = _scan(outlook)  # a scan queued anyway (a second worker)
    assert again.waiting
    assert (again.error, again.seen) == (None, 0)
    assert sum(graph.requests.values()) == calls  # Graph was not asked
    # "Scan now" says when it resumes, in the user's language, and queues nothing
    queued = []
    monkeypatch.setattr(
        "apps.inbox.services.collector_scan_now", lambda collector: queued.append(collector)
    )
    owner.language = "en"
    owner.save()
    page = client_for(owner).post(outlook.get_absolute_url() + "scan/", follow=True)
    text = html.unescape(page.content.decode())
    with translation.override("en"):
        resumes = time_format(timezone.localtime(outlook.retry_after))
    assert "asked OkiOki to wait a little" in text
    assert f"resumes by itself at {resumes}" in text
    assert queued == []
    # paused and resumed during the wait: it says the same, and still queues nothing
    client_for(owner).post(outlook.get_absolute_url() + "pause/")
    page = client_for(owner).post(outlook.get_absolute_url() + "resume/", follow=True)
    text = html.unescape(page.content.decode())
    assert f"resumes by itself at {resumes}" in text
    assert "A scan has started" not in text
    assert queued == []
    outlook.refresh_from_db()
    assert outlook.status == "active"
    # past the wait, it is due again and reads the mail
    with time_machine.travel(outlook.retry_after + timedelta(seconds=1), tick=True):
        outlook.refresh_from_db()
        assert not outlook.is_waiting
        report = _scan(outlook)
    assert (report.error, report.documents) == (None, 1)


def test_an_access_token_graph_refuses_early_is_renewed_once(outlook, graph, oauth_provider):
    oauth_provider.access_tokens.clear()  # Microsoft forgot it: 401 InvalidAuthenticationToken
    graph.deliver(OUTLOOK, mails.invoice_pdf("E-1"))
    refreshes = oauth_provider.refreshes()

    report = _scan(outlook)

    assert (report.error, report.documents) == (None, 1)
    assert oauth_provider.refreshes() == refreshes + 1


def test_a_mailbox_graph_is_kept_out_of_says_so(outlook, graph):
    graph.denied.add(OUTLOOK)  # an administrator's application access policy

    report = _scan(outlook)

    assert report.error.code == "graph_forbidden"
    assert "ErrorAccessDenied" in report.error.message
    outlook.refresh_from_db()
    assert not outlook.is_paused


def test_a_revoked_grant_pauses_the_mailbox_and_tells_the_owners(
    outlook, graph, oauth_provider, owner, django_capture_on_commit_callbacks
):
    django_mail.outbox.clear()
    graph.deliver(OUTLOOK, mails.invoice_pdf("V-1"))
    oauth_provider.revoke_account(OUTLOOK)  # the user removes OkiOki from their account

    with django_capture_on_commit_callbacks(execute=True):
        report = _scan(outlook)

    # then Graph refuses the token, the refresh gets invalid_grant, the mailbox pauses
    assert report.error.code == "oauth_revoked"
    outlook.refresh_from_db()
    assert outlook.needs_reconnect
    assert (outlook.secret, outlook.access_token) == ("", "")
    assert [message.to for message in django_mail.outbox] == [[owner.email]]
    assert graph.requests[VALUE] == 0


def test_a_mailbox_connected_before_graph_mail_asks_for_a_reconnect_not_a_revoked_one(
    outlook, graph, oauth_provider, owner, client_for, django_capture_on_commit_callbacks
):
    # given a mailbox signed in when OkiOki read IMAP only (no consent to Graph's mail),
    # whose IMAP its administrator has since turned off
    with oauth_provider.lock:
        for grant in oauth_provider.grants.values():
            grant.scope = " ".join(s for s in grant.scope.split() if s != GRAPH_SCOPE)
    with company_scope(outlook.company):
        Mailbox.objects.filter(pk=outlook.pk).update(
            transport=Mailbox.Transport.IMAP, access_token="", token_expires_at=None
        )
    graph.deliver(OUTLOOK, mails.invoice_pdf("C-1"))
    django_mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        report = _scan(outlook)

    # then Microsoft refuses Graph for lack of consent: a reason and a message of its own
    assert report.error.code == "graph_consent"
    with company_scope(outlook.company):
        outlook.refresh_from_db()
    assert (outlook.status, outlook.paused_reason) == ("paused", "graph_consent")
    assert outlook.needs_reconnect
    assert "reconnect once so OkiOki may read it through Microsoft Graph" in outlook.last_error
    [email] = django_mail.outbox
    assert email.to == [owner.email]
    assert "reconnect it once" in email.subject
    assert "no longer allows IMAP" in email.body
    assert "revoked" not in email.body
    assert outlook.get_absolute_url() + "reconnect/" in email.body
    page = client_for(owner).get(outlook.get_absolute_url()).content.decode()
    assert "no longer allows IMAP for this account: reconnect it once" in page
    assert "revoked or has expired" not in page

    # and one new sign-in (consenting to Graph) mends it
    sign_in(
        client_for(owner),
        _start_url(outlook.company, "microsoft"),
        django_capture_on_commit_callbacks,
        account=OUTLOOK,
    )
    with company_scope(outlook.company):
        outlook.refresh_from_db()
    assert (outlook.status, outlook.paused_reason) == ("active", "")
    assert outlook.documents_found == 1


def test_a_new_sign_in_tries_imap_again_and_goes_on_where_graph_stopped(
    outlook, graph, oauth_provider, oauth_dovecot, owner, client_for,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    graph.deliver(OUTLOOK, mails.invoice_pdf("R-1"))
    assert _scan(outlook).documents == 1

    # when the owner signs in again (IMAP still off)
    sign_in(
        client_for(owner),
        _start_url(outlook.company, "microsoft"),
        django_capture_on_commit_callbacks,
        account=OUTLOOK,
    )

    # then the scan turned to Graph again, and its delta link held: nothing twice
    outlook.refresh_from_db()
    assert outlook.transport == Mailbox.Transport.GRAPH
    assert outlook.last_error_code == ""
    assert outlook.documents_found == 1
    with company_scope(outlook.company):
        assert InboundMessage.objects.count() == 1


def test_the_connection_test_of_a_graph_mailbox_goes_through_graph(outlook, graph, owner):
    graph.deliver(OUTLOOK, mails.message("Hallo", text="Hallo"), folder="Facturen")
    graph.deliver(OUTLOOK, mails.message("Hallo", text="Hallo"))
    with company_scope(outlook.company):
        test = ConnectionTest.objects.create(
            company=outlook.company,
            kind=ConnectionTest.Kind.MAILBOX,
            mailbox=outlook,
            values={"folders": ["INBOX", "Facturen"]},
            created_by=owner,
        )
        connection_tests.connection_test_run(test=test)
    assert (test.status, test.count) == (ConnectionTest.Status.CONNECTED, 2), test.error
    test.status, test.values = ConnectionTest.Status.PENDING, {"folders": ["Nergens"]}
    with company_scope(outlook.company):
        connection_tests.connection_test_run(test=test)
    assert test.error_code == "folder_missing"


# --- tenants ----------------------------------------------------------------------------------


def test_two_companies_reading_the_same_account_each_collect_their_own(
    graph, collecting, other_company, owner, client_for, django_capture_on_commit_callbacks
):
    # given the same Microsoft account connected by two companies
    factories.collecting(other_company, "collect-70")
    other_owner = factories.MembershipFactory(company=other_company, role="owner").user
    graph.deliver(OUTLOOK, mails.invoice_pdf("I-1"))
    ours = _connect(collecting, owner, client_for, django_capture_on_commit_callbacks)
    theirs = _connect(other_company, other_owner, client_for, django_capture_on_commit_callbacks)

    # then each collected the invoice once, for itself, and sees only its own
    assert (ours.documents_found, theirs.documents_found) == (1, 1)
    for company, mailbox in ((collecting, ours), (other_company, theirs)):
        with company_scope(company):
            assert list(Mailbox.objects.all()) == [mailbox]
            assert Document.objects.count() == 1
            assert InboundMessage.objects.get().mailbox == mailbox
            assert MailboxFolder.objects.get().mailbox == mailbox
    # and another company's mailbox page is not found
    assert client_for(owner).get(theirs.get_absolute_url()).status_code == 404


def test_a_message_over_the_limit_is_recorded_with_its_size_and_not_downloaded(
    outlook, graph, settings
):
    small = mails.invoice_pdf("S-1")
    large = mails.invoice_pdf("L-1", text="x" * 80_000)
    settings.INBOX_MAX_MESSAGE_SIZE = 60_000
    graph.deliver(OUTLOOK, small, large)

    report = _scan(outlook)

    assert (report.error, report.documents, report.failed) == (None, 1, 1)
    assert graph.requests[VALUE] == 1  # only the small one was downloaded
    with company_scope(outlook.company):
        too_large = InboundMessage.objects.get(problem_code="too_large")
    assert too_large.subject == "Factuur L-1"
    assert too_large.size == len(large)


def test_the_size_comes_from_the_message_size_property():
    item = {"singleValueExtendedProperties": [{"id": "Integer 0xe08", "value": "123456"}]}
    assert graph_client.message_size(item) == 123456
    assert graph_client.message_size({}) == 0
    odd = {"singleValueExtendedProperties": [{"id": "Integer 0x0E08", "value": "lots"}]}
    assert graph_client.message_size(odd) == 0
