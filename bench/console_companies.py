"""Benchmark: the staff console's companies list over 10,000 companies (issue #18).

Creates the companies once in a throw-away database (SQLite by default, PostgreSQL with
DATABASE_URL), each with this month's usage, half with a subscription and one in ten with a
running override, then times the list's page as the view runs it (first page, a deep page,
a search, a status filter) and counts its queries (one, whatever the page).
"""

import datetime
import os
import statistics
import time
from decimal import Decimal

import _setup  # noqa: F401 - Django set up for a benchmark
from django.db import connection
from django.test.utils import (
    CaptureQueriesContext,
    setup_databases,
    teardown_databases,
)
from django.utils import timezone

COUNT = int(os.environ.get("BENCH_COMPANIES", "10000"))


def main() -> None:
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        from apps.billing.console.selectors import company_list
        from apps.billing.models import DocumentUsage, Plan, PlanOverride, Subscription
        from apps.billing.services import usage_month
        from apps.companies.models import Company
        from apps.companies.scoping import all_companies
        from apps.core.paging import page_slice

        plans = list(Plan.objects.order_by("sort_order"))
        now = timezone.now()
        month = usage_month()
        started = time.perf_counter()
        Company.objects.bulk_create(
            [
                Company(
                    name=f"Bedrijf {n:05d} BV",
                    slug=f"bedrijf-{n}",
                    enterprise_number=f"{n:010d}",
                    vat_number=f"BE{n:010d}",
                    plan=plans[n % len(plans)],
                )
                for n in range(COUNT)
            ],
            batch_size=2000,
        )
        companies = list(Company.objects.order_by("pk"))
        with all_companies():
            DocumentUsage.objects.bulk_create(
                [
                    DocumentUsage(company=c, month=month, documents=n % 90)
                    for n, c in enumerate(companies)
                ],
                batch_size=2000,
            )
            Subscription.objects.bulk_create(
                [
                    Subscription(
                        company=c,
                        plan=c.plan,
                        status="active" if n % 7 else "past_due",
                        last_payment_at=now,
                        last_payment_amount=Decimal("35.00"),
                    )
                    for n, c in enumerate(companies)
                    if n % 2
                ],
                batch_size=2000,
            )
            PlanOverride.objects.bulk_create(
                [
                    PlanOverride(
                        company=c,
                        plan=plans[-1],
                        reason="bench",
                        ends_on=timezone.localdate() + datetime.timedelta(days=30),
                    )
                    for n, c in enumerate(companies)
                    if n % 10 == 0
                ],
                batch_size=2000,
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("companies_company", "billing_documentusage", "billing_subscription"):
                    cursor.execute(f"ANALYZE {table}")  # as autovacuum would
        print(
            f"console companies list: {COUNT} companies on {connection.vendor} "
            f"(created in {time.perf_counter() - started:.0f} s)"
        )
        cases = {
            "first page, by name": ({}, 1),
            "page 100 (companies 4,951-5,000)": ({}, 100),
            "search a name": ({"query": "Bedrijf 04242"}, 1),
            "search an enterprise number": ({"query": "0000.004.242"}, 1),
            "status payment overdue": ({"status": "past_due"}, 1),
        }
        with all_companies():
            for label, (filters, page) in cases.items():
                samples = []
                for _ in range(7):
                    with CaptureQueriesContext(connection) as queries:
                        t0 = time.perf_counter()
                        page_slice(company_list(**filters), page=page)
                        samples.append(time.perf_counter() - t0)
                print(
                    f"  {label:40} {statistics.median(samples) * 1000:8.1f} ms"
                    f"  {len(queries.captured_queries)} query"
                )
    finally:
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()
