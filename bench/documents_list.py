"""Benchmark: the document list of a company with 100,000 documents (issue #4).

Creates the rows once in a throw-away database (SQLite by default, PostgreSQL with
DATABASE_URL), then times the list page's query for the first page, a deep page, a filter
and a search, as the view runs it. Prints milliseconds per query, and on PostgreSQL the plan of
the first page in both sorts (by document date, the default, and by arrival): each should be
one index scan, no sort of the company's rows.

One document in ten has no date of its own (sorted by the day it arrived), as in real lists.
"""

import datetime
import io
import os
import random
import statistics
import time
from decimal import Decimal

import _setup  # noqa: F401 - Django set up for a benchmark
from django.core.management import call_command
from django.db import connection
from django.test.utils import setup_databases, teardown_databases
from django.utils import timezone

COUNT = int(os.environ.get("BENCH_DOCUMENTS", "100000"))


def main() -> None:
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("seed_demo", stdout=io.StringIO())
        from apps.companies.models import Company
        from apps.companies.scoping import company_scope
        from apps.documents.models import Document, Kind, Source
        from apps.documents.selectors import DocumentFilters, document_list, document_page

        company = Company.objects.get(enterprise_number="0412345614")
        suppliers = [f"Leverancier {n} BV" for n in range(400)]
        now = timezone.now()
        started = time.perf_counter()
        with company_scope(company):
            batch = []
            for n in range(COUNT):
                batch.append(
                    Document(
                        company=company,
                        source=Source.UPLOAD,
                        received_at=now - datetime.timedelta(minutes=n),
                        original=f"bench/{n}.pdf",
                        original_filename=f"factuur-{n}.pdf",
                        content_type="application/pdf",
                        file_kind="pdf",
                        size=1000,
                        sha256=f"{n:064x}",
                        status=random.choice(["ready", "needs_review", "delivered"]),
                        kind=random.choice([Kind.PURCHASE_INVOICE, Kind.RECEIPT]),
                        counterparty_name=random.choice(suppliers),
                        number=f"F-{n}",
                        issue_date=(
                            None
                            if n % 10 == 0
                            else datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 330)
                        ),
                        total_incl_vat=Decimal(random.randint(100, 500000)) / 100,
                    )
                )
                if len(batch) == 5000:
                    Document.objects.bulk_create(batch)
                    batch = []
            Document.objects.bulk_create(batch)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE documents_document")  # as autovacuum would
            print(
                f"documents list: {COUNT} documents in one company on {connection.vendor} "
                f"(created in {time.perf_counter() - started:.0f} s)"
            )
            if connection.vendor == "postgresql":
                for sort in ("date", "received"):
                    queryset = document_list(company=company, filters=DocumentFilters(sort=sort))
                    plan = queryset[:51].explain()
                    print(f"  plan of the first page, sort={sort}:")
                    print("    " + plan.replace("\n", "\n    "))
            cases = {
                "first page, by document date": (DocumentFilters(), 1),
                "first page, oldest date first": (DocumentFilters(sort="-date"), 1),
                "page 200 (documents 9,951-10,000)": (DocumentFilters(), 200),
                "first page, last arrived first": (DocumentFilters(sort="received"), 1),
                "status needs review, by amount": (
                    DocumentFilters(status="needs_review", sort="amount"),
                    1,
                ),
                "search a supplier": (DocumentFilters(search="Leverancier 17 BV"), 1),
                "period and amount range": (
                    DocumentFilters(
                        date_from=datetime.date(2026, 3, 1),
                        date_to=datetime.date(2026, 3, 31),
                        amount_min=Decimal("100"),
                    ),
                    1,
                ),
            }
            for label, (filters, page) in cases.items():
                samples = []
                for _ in range(7):
                    t0 = time.perf_counter()
                    document_page(document_list(company=company, filters=filters), page=page)
                    samples.append(time.perf_counter() - t0)
                print(f"  {label:40} {statistics.median(samples) * 1000:8.1f} ms")
    finally:
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()
