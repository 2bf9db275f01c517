"""Mailbox scans against a real Dovecot: the right documents, once, whatever happens."""

import socket

import pytest
from django.core import mail as django_mail

from apps.companies.scoping import company_scope
from apps.documents.models import Arrival, Document, Source
from apps.inbox import scanning
from apps.inbox.models import InboundMessage, Mailbox, MailboxFolder
from apps.inbox.scanning import mailbox_scan
from tests import factories
from tests.inbox import mails
from tests.samples import zipped

pytestmark = pytest.mark.slow


def _scan(mailbox: Mailbox) -> scanning.ScanReport:
    with company_scope(mailbox.company):
        return mailbox_scan(mailbox=mailbox)


def _documents(company) -> list[Document]:
    with company_scope(company):
        return list(Document.objects.order_by("original_filename"))


def test_a_mailbox_of_every_kind_of_mail_becomes_exactly_the_right_documents(
    dovecot, imap_user, make_mailbox, collecting
):
    # given a mailbox with invoices as PDF, UBL, a ZIP and a photo, a body-only invoice, a
    # newsletter with a logo, a broken message, a calendar invite, and the same PDF twice
    user, password = imap_user
    dovecot.append(
        user,
        password,
        [
            mails.invoice_pdf("2026-101"),
            mails.message(
                "E-factuur", attachments=[("inv-7.xml", "application/xml", mails.ubl("INV-7"))]
            ),
            mails.message(
                "Facturen november",
                attachments=[
                    (
                        "facturen.zip",
                        "application/zip",
                        zipped({"a.pdf": mails.pdf("zip-a"), "b.pdf": mails.pdf("zip-b")}),
                    )
                ],
            ),
            mails.message(
                "Kasticket", attachments=[("ticket.png", "image/png", mails.png(40_000))]
            ),
            mails.message(
                "Uw factuur van Energie Plus",
                text="Factuur nr. EP-88\nTotaal te betalen: € 123,45\nVervaldatum 15/12/2026",
            ),
            mails.message(
                "Nieuwsbrief november",
                html='<p>Promo!</p><img src="cid:logo">',
                inline_images=[("logo", mails.png(2_000, seed=2))],
                headers={"List-Unsubscribe": "<mailto:unsubscribe@news.example>"},
            ),
            mails.BROKEN_MIME,
            mails.message(
                "Afspraak",
                attachments=[
                    ("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
                ],
            ),
            mails.invoice_pdf("2026-101", message_id="<resent-1@example.test>"),
        ],
    )
    mailbox = make_mailbox(user, password)

    # when the mailbox is scanned
    report = _scan(mailbox)

    # then each document is there once, from the mailbox, with its e-mail's details
    assert report.error is None, report.error and report.error.message
    names = [d.original_filename for d in _documents(collecting)]
    assert names == [
        "a.pdf",
        "b.pdf",
        "factuur-2026-101.pdf",
        "inv-7.xml",
        "ticket.png",
        "uw-factuur-van-energie-plus.pdf",
    ]
    with company_scope(collecting):
        invoice = Document.objects.get(original_filename="factuur-2026-101.pdf")
        assert invoice.source == Source.MAILBOX
        assert invoice.source_details["subject"] == "Factuur 2026-101"
        assert "drukkerij-peeters" in invoice.source_details["sender"]
        assert invoice.source_details["message_id"]
        assert invoice.source_details["mailbox"] == mailbox.name
        # the second copy is linked to the first, not a second document
        assert Arrival.objects.filter(document=invoice, is_duplicate=True).count() == 1
        body = Document.objects.get(original_filename="uw-factuur-van-energie-plus.pdf")
        assert body.original.read().startswith(b"%PDF-")
        statuses = dict(InboundMessage.objects.values_list("subject", "status"))
    assert statuses["Nieuwsbrief november"] == InboundMessage.Status.IGNORED
    assert statuses["Afspraak"] == InboundMessage.Status.IGNORED
    broken = [s for subject, s in statuses.items() if "kapot" in subject or "x-unknown" in subject]
    assert broken == [InboundMessage.Status.FAILED]
    with company_scope(collecting):
        failed = InboundMessage.objects.get(status=InboundMessage.Status.FAILED)
        assert failed.problem_code == "broken_mime"
        assert failed.raw.read() == mails.BROKEN_MIME  # the e-mail is kept as it came
    assert report.seen == 9
    assert report.documents == 6
    assert report.duplicates == 1
    mailbox.refresh_from_db()
    assert mailbox.last_success_at is not None
    assert mailbox.documents_found == 6

    # and a second scan finds nothing new
    again = _scan(mailbox)
    assert (again.seen, again.documents, again.error) == (0, 0, None)
    assert len(_documents(collecting)) == 6


def test_scanning_leaves_read_flags_as_they_were(dovecot, imap_user, make_mailbox):
    user, password = imap_user
    dovecot.append(user, password, [mails.invoice_pdf("flags-1"), mails.invoice_pdf("flags-2")])
    mailbox = make_mailbox(user, password)

    _scan(mailbox)

    client = dovecot.client(user, password)
    client.select_folder("INBOX", readonly=True)
    flags = client.get_flags(client.search("ALL"))
    client.logout()
    assert all(b"\\Seen" not in f for f in flags.values())


def test_processed_mail_moves_to_a_folder_created_for_it(
    dovecot, imap_user, make_mailbox, collecting
):
    user, password = imap_user
    dovecot.append(
        user,
        password,
        [mails.invoice_pdf("move-1"), mails.message("Hallo", text="Gewoon een mail")],
    )
    mailbox = make_mailbox(user, password, move_to_folder="OkiOki/Verwerkt")

    report = _scan(mailbox)

    assert report.error is None, report.error and report.error.message
    assert report.documents == 1
    client = dovecot.client(user, password)
    assert client.folder_exists("OkiOki.Verwerkt")  # Dovecot's hierarchy delimiter is "."
    client.select_folder("OkiOki.Verwerkt", readonly=True)
    assert len(client.search("ALL")) == 1
    client.select_folder("INBOX", readonly=True)
    assert len(client.search("ALL")) == 1  # the mail without a document stays
    client.logout()
    assert _scan(mailbox).documents == 0


def test_a_connection_cut_mid_scan_loses_nothing_and_repeats_nothing(
    imap_user, make_mailbox, collecting, monkeypatch
):
    # given a Dovecot of this test's own, with 20 invoices, read 5 at a time
    from tests.servers import Dovecot

    server = Dovecot().start()
    try:
        user, password = server.add_user()
        server.append(user, password, [mails.invoice_pdf(f"cut-{n:02d}") for n in range(20)])
        mailbox = make_mailbox(user, password, port=server.port)
        monkeypatch.setattr(scanning, "BATCH", 5)
        imported = []
        real_import = scanning.message_import

        def import_then_cut(**kwargs):
            result = real_import(**kwargs)
            imported.append(kwargs["uid"])
            if len(imported) == 7:
                server.stop()  # the server goes down in the middle of the scan
            return result

        monkeypatch.setattr(scanning, "message_import", import_then_cut)

        # when the scan is cut off
        first = _scan(mailbox)

        # then what was read is kept, the mailbox says what happened
        assert first.error is not None
        assert first.error.code in ("connection_lost", "refused")
        kept = len(_documents(collecting))
        assert 7 <= kept < 20
        mailbox.refresh_from_db()
        assert mailbox.last_error_code == first.error.code
        assert mailbox.scanning_since is None

        # and when the server is back, the next scan resumes where it stopped
        server.start()
        monkeypatch.setattr(scanning, "message_import", real_import)
        second = _scan(mailbox)
        assert second.error is None
        assert second.documents == 20 - kept
        documents = _documents(collecting)
        assert len(documents) == 20
        assert len({d.original_filename for d in documents}) == 20
        mailbox.refresh_from_db()
        assert mailbox.last_error_code == ""
    finally:
        server.cleanup()


def test_a_new_uidvalidity_resyncs_without_duplicates(dovecot, imap_user, make_mailbox, collecting):
    # given a watched folder that was scanned
    user, password = imap_user
    messages = [mails.invoice_pdf(f"resync-{n}") for n in range(3)]
    dovecot.append(user, password, messages, folder="Facturen")
    mailbox = make_mailbox(user, password, folders=["INBOX", "Facturen"])
    assert _scan(mailbox).documents == 3
    with company_scope(collecting):
        before = MailboxFolder.objects.get(mailbox=mailbox, name="Facturen").uidvalidity

    # when the folder is rebuilt by the server (a new UIDVALIDITY), with one message more
    client = dovecot.client(user, password)
    client.delete_folder("Facturen")
    client.logout()
    dovecot.append(user, password, [*messages, mails.invoice_pdf("resync-new")], folder="Facturen")

    report = _scan(mailbox)

    # then the folder is read again from the start, and only the new message counts
    with company_scope(collecting):
        after = MailboxFolder.objects.get(mailbox=mailbox, name="Facturen").uidvalidity
    assert after != before
    assert report.resynced == ["Facturen"]
    assert report.already_known == 3
    assert report.documents == 1
    assert len(_documents(collecting)) == 4


def test_a_wrong_password_pauses_the_mailbox_and_tells_the_owner(
    dovecot, imap_user, make_mailbox, collecting, settings, django_capture_on_commit_callbacks
):
    settings.INBOX_AUTH_FAILURES_BEFORE_PAUSE = 3
    owner = factories.MembershipFactory(company=collecting, role="owner").user
    user, _password = imap_user
    mailbox = make_mailbox(user, "not-the-password")

    for attempt in range(1, 4):
        with django_capture_on_commit_callbacks(execute=True):
            report = _scan(mailbox)
        assert report.error is not None
        assert report.error.code == "wrong_password"
        mailbox.refresh_from_db()
        assert mailbox.auth_failures == attempt

    assert mailbox.status == Mailbox.Status.PAUSED
    assert len(django_mail.outbox) == 1
    assert django_mail.outbox[0].to == [owner.email]
    assert mailbox.name in django_mail.outbox[0].subject
    # a paused mailbox is not scanned by the sweep
    assert not mailbox.is_due


def test_a_message_over_the_size_limit_is_recorded_not_downloaded(
    dovecot, imap_user, make_mailbox, collecting, settings
):
    settings.INBOX_MAX_MESSAGE_SIZE = 200_000
    user, password = imap_user
    big = mails.message(
        "Groot", attachments=[("scan.pdf", "application/pdf", mails.pdf("x") + b"0" * 300_000)]
    )
    dovecot.append(user, password, [big, mails.invoice_pdf("small")])
    mailbox = make_mailbox(user, password)

    report = _scan(mailbox)

    assert report.documents == 1
    assert report.failed == 1
    with company_scope(collecting):
        record = InboundMessage.objects.get(problem_code="too_large")
        assert record.subject == "Groot"  # which e-mail it was shows, from its headers alone
        assert record.size > 200_000
        assert not record.raw
        assert "MB" in record.problem


def test_connection_problems_have_precise_answers(dovecot, imap_user):
    from apps.inbox.clients.imap import ImapAccount
    from apps.inbox.errors import InboxError
    from tests.servers import free_port

    user, password = imap_user

    def attempt(**changes):
        values = {
            "host": "127.0.0.1",
            "port": dovecot.port,
            "security": "plain",
            "username": user,
            "secret": password,
            "timeout": 5,
            **changes,
        }
        try:
            return scanning.mailbox_test(
                account=ImapAccount(**values), folders=values.pop("folders", ["INBOX"])
            )
        except InboxError as error:
            return error.code

    assert attempt() == 0
    assert attempt(secret="wrong") == "wrong_password"
    assert attempt(port=free_port()) == "refused"
    assert attempt(host="imap.does-not-exist.invalid", security="ssl") == "host_not_found"
    assert attempt(port=dovecot.tls_port, security="ssl") == "tls_failed"  # self-signed
    assert attempt(host="imap.example.com") == "plain_not_allowed"
    with socket.socket() as silent:  # accepts the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        assert attempt(port=silent.getsockname()[1], timeout=1) == "timeout"
    assert (
        scanning.mailbox_test(
            account=ImapAccount(
                host="127.0.0.1",
                port=dovecot.port,
                security="plain",
                username=user,
                secret=password,
            ),
            folders=["INBOX"],
        )
        == 0
    )
    with pytest.raises(InboxError) as missing:
        scanning.mailbox_test(
            account=ImapAccount(
                host="127.0.0.1",
                port=dovecot.port,
                security="plain",
                username=user,
                secret=password,
            ),
            folders=["Bestaat niet"],
        )
    assert missing.value.code == "folder_missing"
    assert "Bestaat niet" in str(missing.value.message)


def test_a_message_that_breaks_the_import_is_recorded_and_the_scan_goes_on(
    dovecot, imap_user, make_mailbox, collecting, monkeypatch, poison
):
    user, password = imap_user
    dovecot.append(user, password, [mails.invoice_pdf(f"poison-{n}") for n in range(3)])
    mailbox = make_mailbox(user, password)
    real_import = poison(scanning, "message_import", lambda call: b"poison-1" in call["raw"])

    report = _scan(mailbox)

    assert report.error is None
    assert report.documents == 2
    assert report.failed == 1
    with company_scope(collecting):
        failed = InboundMessage.objects.get(status=InboundMessage.Status.FAILED)
        assert failed.problem_code == "unreadable"
        assert b"poison-1" in failed.raw.read()
    # and it does not come back at the next scan
    monkeypatch.setattr(scanning, "message_import", real_import)
    assert _scan(mailbox).seen == 0


def test_a_mailbox_signs_in_with_an_oauth2_token(dovecot, make_mailbox, collecting):
    # XOAUTH2 against Dovecot, whose token check stands in for Google's or Microsoft's
    from apps.core.crypto import encrypt

    dovecot.append("oauth-user", dovecot.PASSWORD, [mails.invoice_pdf("OAUTH-1")])
    mailbox = make_mailbox(
        "oauth-user",
        "unused",
        auth_method=Mailbox.Auth.XOAUTH2,
        secret=encrypt(dovecot.tokens.VALID),
    )
    report = _scan(mailbox)
    assert report.error is None, report.error and report.error.message
    assert report.documents == 1

    expired = make_mailbox(
        "oauth-user",
        "unused",
        auth_method=Mailbox.Auth.XOAUTH2,
        secret=encrypt("expired-token"),
        host="localhost",
    )
    report = _scan(expired)
    assert report.error is not None
    assert report.error.code == "wrong_password"


def test_a_message_nested_2000_levels_deep_does_not_stop_the_mailbox(
    dovecot, imap_user, make_mailbox, collecting
):
    # given a hostile e-mail between two invoices
    user, password = imap_user
    hostile = mails.nested(2000, subject="Diep genest", sender="Nest <nest@evil.example>")
    dovecot.append(user, password, [mails.invoice_pdf("voor"), hostile, mails.invoice_pdf("na")])
    mailbox = make_mailbox(user, password)

    # when the mailbox is scanned
    report = _scan(mailbox)

    # then both invoices are collected and the bad one is recorded with its headers, kept
    assert report.error is None
    assert [d.original_filename for d in _documents(collecting)] == [
        "factuur-na.pdf",
        "factuur-voor.pdf",
    ]
    assert report.failed == 1
    with company_scope(collecting):
        bad = InboundMessage.objects.get(status=InboundMessage.Status.FAILED)
        assert bad.problem_code == "too_deep"
        assert bad.sender == "Nest <nest@evil.example>"
        assert bad.subject == "Diep genest"
        assert bad.sent_at is not None
        assert "30" in bad.problem
        assert bad.raw.read() == hostile.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        assert MailboxFolder.objects.get(mailbox=mailbox).last_uid == 3
    # and the folder has moved past it
    assert _scan(mailbox).seen == 0
