"""Benchmark: scanning a 10,000-message mailbox on a real Dovecot (issue #5).

Fills a fresh Dovecot mailbox with BENCH_MESSAGES messages (one in ten an invoice with a PDF,
the rest ordinary mail), then times the first scan (messages per second), an incremental scan
with 10 new messages among them, and one with none. The incremental scan should cost about
what its 10 messages cost, not what the mailbox's size would. Needs Dovecot
(`apt-get install dovecot-imapd`); says so and stops without it.
"""

import os
import shutil
import time
from pathlib import Path

import _setup  # noqa: F401 - Django set up for a benchmark
from django.test.utils import setup_databases, teardown_databases

COUNT = int(os.environ.get("BENCH_MESSAGES", "10000"))
NEW = 10


def _messages(start: int, count: int, *, every: int = 10) -> list[bytes]:
    from tests.inbox import mails

    out = []
    for n in range(start, start + count):
        if n % every == 0:
            out.append(mails.invoice_pdf(f"B-{n:06d}"))
        else:
            out.append(
                mails.message(
                    f"Re: planning week {n % 52}",
                    text=f"Hallo,\n\nKunnen we dinsdag om {n % 12 + 8}u afspreken?\n\nGroeten\n",
                )
            )
    return out


def _append(server: object, user: str, password: str, messages: list[bytes]) -> None:
    client = server.client(user, password)  # type: ignore[attr-defined]
    try:
        for start in range(0, len(messages), 500):
            client.multiappend("INBOX", messages[start : start + 500])
    finally:
        client.logout()


def main() -> None:
    if not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()):
        print("inbox: skipped, Dovecot is not installed (apt-get install dovecot-imapd)")
        return
    from django.conf import settings

    from tests.servers import Dovecot

    server = Dovecot().start()
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the Dovecot is on this computer
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        from apps.billing.models import Plan
        from apps.companies.models import Company
        from apps.companies.scoping import company_scope
        from apps.documents.models import Document

        user, password = server.add_user()
        started = time.perf_counter()
        _append(server, user, password, _messages(0, COUNT))
        filled = time.perf_counter() - started
        company = Company.objects.create(
            name="Bench BV",
            slug="bench",
            enterprise_number="0412345614",
            plan=Plan.objects.get(code="collect-200"),
        )
        mailbox = _mailbox(company, server, user, password)

        first, _report = scan(mailbox)
        with company_scope(company):
            documents = Document.objects.count()
        _append(server, user, password, _messages(COUNT, NEW, every=1))
        incremental, report_new = scan(mailbox)
        idle, _report = scan(mailbox)
        # the same 10 invoices in a mailbox of their own: what 10 messages cost by themselves
        small_user, _password = server.add_user()
        _append(server, small_user, password, _messages(COUNT + NEW, NEW, every=1))
        small = _mailbox(company, server, small_user, password)
        alone, _report = scan(small)

        print(f"inbox: mailbox of {COUNT:,} messages on Dovecot (filled in {filled:.0f} s)")
        print(
            f"  first scan              {first:8.2f} s   {COUNT / first:6.0f} messages/s "
            f"({documents} documents)"
        )
        print(
            f"  10 new among {COUNT:,}    {incremental * 1000:8.0f} ms  "
            f"({report_new.documents} documents)"
        )
        print(f"  10 new, empty mailbox   {alone * 1000:8.0f} ms  (what 10 messages cost)")
        print(f"  nothing new             {idle * 1000:8.0f} ms")
    finally:
        teardown_databases(databases, verbosity=0)
        server.cleanup()


def _mailbox(company: object, server: object, user: str, password: str) -> object:
    from apps.companies.scoping import company_scope
    from apps.core.crypto import encrypt
    from apps.inbox.models import Mailbox

    with company_scope(company):  # type: ignore[arg-type]
        return Mailbox.objects.create(
            company=company,
            name=user,
            host="127.0.0.1",
            port=server.port,  # type: ignore[attr-defined]
            security="plain",
            username=user,
            secret=encrypt(password),
        )


def scan(mailbox: object) -> tuple[float, object]:
    from apps.companies.scoping import company_scope
    from apps.inbox.scanning import mailbox_scan

    with company_scope(mailbox.company):  # type: ignore[attr-defined]
        begin = time.perf_counter()
        report = mailbox_scan(mailbox=mailbox)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - begin
    assert report.error is None, report.error
    return elapsed, report


if __name__ == "__main__":
    main()
