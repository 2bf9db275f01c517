"""Benchmark: an incremental pass over a 10,000-file cloud folder (issue #19).

A Dropbox folder (the loopback stand-in of tests/fakes/dropbox.py, 500 entries a page like a
real listing's pages of up to ~2,000) holds BENCH_FILES files with an extension OkiOki does
not collect (``.docx``): the scan records each one (its id, version, "not supported") without
downloading it, so that reading documents does not hide what listing costs. Timed: the first
full pass, then an incremental pass after 10 changes (4 new files, 4 changed, 2 renamed), one
with 10 new small PDFs (downloaded and read: what 10 documents cost), and one with nothing new.
For each: wall time, requests to Dropbox, database queries. The incremental passes must cost
in proportion to their changes: a page of the change feed plus one download a new document,
whatever the folder's size.
"""

import os
import time

import _setup  # noqa: F401 - Django set up for a benchmark
from django.test.utils import setup_databases, teardown_databases

COUNT = int(os.environ.get("BENCH_FILES", "10000"))
CHANGES = 10
PAGE = 500


class Queries:
    """Counts the database queries run through the default connection."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    from django.conf import settings
    from django.db import connection

    from tests.fakes.dropbox import DROPBOX_ACCOUNT, Server, configure
    from tests.fakes.oauth_provider import Grant
    from tests.inbox import mails

    server = Server().start()
    configure(settings, server)
    settings.OUTBOUND_ALLOW_PRIVATE = True
    fake = server.fake
    fake.page_size = PAGE
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        folder = _folder(fake, Grant(DROPBOX_ACCOUNT, settings.DROPBOX_CLIENT_ID, "files"))
        for n in range(COUNT):
            fake.put(f"/Facturen/{n % 20:02d}/notitie-{n:05d}.docx", f"notitie {n}".encode())

        def measure(label: str) -> dict[str, float]:
            fake.requests.clear()
            queries = Queries()
            with connection.execute_wrapper(queries):
                elapsed, report = scan(folder)
            row = {
                "seconds": elapsed,
                "requests": fake.api_requests(),
                "queries": queries.count,
                "seen": report.seen,
                "documents": report.documents,
            }
            print(
                f"  {label:34} {elapsed * 1000:9.0f} ms {row['requests']:6} requests "
                f"{queries.count:7} queries   ({report.seen} files read, "
                f"{report.documents} documents)"
            )
            return row

        print(f"cloud_incremental: Dropbox folder of {COUNT:,} files (stand-in, {PAGE} a page)")
        full = measure(f"first pass, {COUNT:,} files")
        for n in range(4):
            fake.put(f"/Facturen/nieuw-{n}.docx", b"new")
        for n in range(4):
            fake.put(f"/Facturen/{n:02d}/notitie-{n:05d}.docx", b"changed")
        fake.move("/Facturen/04/notitie-00004.docx", "/Facturen/04/hernoemd.docx")
        fake.move("/Facturen/05/notitie-00005.docx", "/Facturen/06/verplaatst.docx")
        changed = measure(f"{CHANGES} changes (new, changed, moved)")
        for n in range(CHANGES):
            fake.put(f"/Facturen/factuur-{n}.pdf", mails.pdf(f"bench-{n}"))
        pdfs = measure(f"{CHANGES} new PDFs")
        idle = measure("nothing new")

        assert changed["seen"] == 8, changed  # the 2 moves are not read again
        assert pdfs["documents"] == CHANGES, pdfs
        # proportional to the changes: one page of the feed (+ a download a new document)
        assert changed["requests"] <= 1 + CHANGES // PAGE + 1, changed
        assert pdfs["requests"] <= 1 + CHANGES, pdfs
        assert idle["requests"] == 1, idle
        assert changed["queries"] <= 12 + 3 * CHANGES, changed  # a few a file, not a folder
        assert changed["seconds"] < full["seconds"] / 10, (changed, full)
        print(
            f"  incremental / full: {changed['seconds'] / full['seconds']:.4f} of the time, "
            f"{changed['requests']}/{full['requests']} requests, "
            f"{changed['queries']}/{full['queries']} queries"
        )
    finally:
        teardown_databases(databases, verbosity=0)
        server.stop()


def _folder(fake: object, grant: object) -> object:
    from datetime import timedelta

    from django.utils import timezone

    from apps.billing.models import Plan
    from apps.companies.models import Company
    from apps.companies.scoping import company_scope
    from apps.core.crypto import encrypt
    from apps.inbox.models import CloudFolder

    refresh = "bench-refresh-token"
    fake.grants[refresh] = grant  # type: ignore[attr-defined]
    access = fake._access(grant, grant.scope)["access_token"]  # type: ignore[attr-defined]
    company = Company.objects.create(
        name="Bench BV",
        slug="bench",
        enterprise_number="0412345614",
        plan=Plan.objects.get(code="collect-200"),
    )
    with company_scope(company):
        return CloudFolder.objects.create(
            company=company,
            name="Facturen",
            provider=CloudFolder.Provider.DROPBOX,
            oauth_provider="dropbox",
            username="bench@dropbox.example",
            secret=encrypt(refresh),
            access_token=encrypt(access),
            token_expires_at=timezone.now() + timedelta(hours=1),
            path="/Facturen",
            folder_id="/facturen",
        )


def scan(folder: object) -> tuple[float, object]:
    from apps.companies.scoping import company_scope
    from apps.inbox.scanning import cloud_folder_scan

    with company_scope(folder.company):  # type: ignore[attr-defined]
        folder.refresh_from_db()  # type: ignore[attr-defined]
        begin = time.perf_counter()
        report = cloud_folder_scan(folder=folder)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - begin
    assert report.error is None, report.error
    return elapsed, report


if __name__ == "__main__":
    main()
