"""The operators' command, the periodic sweep and the tasks."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.companies.scoping import all_companies, company_scope
from apps.core.crypto import encrypt
from apps.inbox import tasks
from apps.inbox.models import ConnectionTest, InboundMessage, Mailbox
from tests import factories
from tests.inbox import mails

pytestmark = pytest.mark.slow


def test_inbox_scan_scans_now_and_says_what_it_found(dovecot, imap_user, make_mailbox, collecting):
    user, password = imap_user
    dovecot.append(user, password, [mails.invoice_pdf("CMD-1"), mails.invoice_pdf("CMD-2")])
    mailbox = make_mailbox(user, password)
    out = io.StringIO()

    call_command("inbox_scan", "--company", collecting.slug, stdout=out)

    assert f"{collecting.slug} · {mailbox.name}: 2 new, 2 document(s)" in out.getvalue()
    out = io.StringIO()
    call_command("inbox_scan", "--mailbox", str(mailbox.public_id), stdout=out)
    assert "0 new, 0 document(s)" in out.getvalue()


def test_inbox_scan_fails_loudly(collecting):
    with pytest.raises(CommandError, match="No active company"):
        call_command("inbox_scan", "--company", "no-such-company", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No such mailbox"):
        call_command(
            "inbox_scan", "--mailbox", "00000000-0000-4000-8000-000000000000", stdout=io.StringIO()
        )
    factories.MailboxFactory(company=collecting)  # nothing answers on its port
    out = io.StringIO()
    with pytest.raises(CommandError, match="Some scans failed"):
        call_command("inbox_scan", "--company", collecting.slug, stdout=out)
    assert "refused the connection" in out.getvalue()


def test_the_sweep_queues_what_is_due_and_leaves_paused_ones_alone(collecting, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.mailbox_scan, "delay", lambda *args: queued.append(("mailbox", args)))
    monkeypatch.setattr(
        tasks.cloud_folder_scan, "delay", lambda *args: queued.append(("folder", args))
    )
    due = factories.MailboxFactory(company=collecting)
    recent = factories.MailboxFactory(company=collecting, last_scan_at=timezone.now())
    paused = factories.MailboxFactory(company=collecting, status=Mailbox.Status.PAUSED)
    folder = factories.CloudFolderFactory(
        company=collecting, last_scan_at=timezone.now() - datetime.timedelta(hours=1)
    )

    assert tasks.inbox_sweep() == 2

    assert ("mailbox", (collecting.pk, due.pk)) in queued
    assert ("folder", (collecting.pk, folder.pk)) in queued
    assert all(args[1] not in (recent.pk, paused.pk) for kind, args in queued if kind == "mailbox")


def test_collecting_a_forwarded_message_twice_changes_nothing(collecting):
    raw = mails.invoice_pdf("TWICE")
    message = factories.InboundMessageFactory(
        company=collecting, status=InboundMessage.Status.RECEIVED, raw__data=raw
    )
    tasks.message_collect(collecting.pk, message.pk)
    tasks.message_collect(collecting.pk, message.pk)
    with company_scope(collecting):
        message.refresh_from_db()
        assert message.status == InboundMessage.Status.IMPORTED
        assert message.documents_created == 1
        from apps.documents.models import Document

        assert Document.objects.count() == 1


def test_the_sweep_forgets_old_connection_tests_and_their_passwords(collecting, other_company):
    old = [
        factories.ConnectionTestFactory(company=company, secret=encrypt("typed, never run"))
        for company in (collecting, other_company)
    ]
    recent = factories.ConnectionTestFactory(company=collecting)
    with all_companies():
        ConnectionTest.objects.filter(pk__in=[t.pk for t in old]).update(
            created_at=timezone.now() - datetime.timedelta(hours=2)
        )

    tasks.inbox_sweep()

    with all_companies():
        assert list(ConnectionTest.objects.values_list("pk", flat=True)) == [recent.pk]
