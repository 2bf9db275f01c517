"""Benchmark: counting usage for 10,000 companies at period end (issue #18).

Creates BENCH_COMPANIES companies (SQLite by default, PostgreSQL with DATABASE_URL) on the
three Collect plans, each with a month of billable documents (some past their plan's number,
a few under a staff override), then times what the period's close needs: every company's
total for the Stripe usage report and OkiOki's own invoice (``usage_period_totals``), with
its queries; and, for comparison, the same read one company at a time (``usage_get``) on a
sample, extrapolated. Prints queries and milliseconds.
"""

import datetime
import os
import random
import statistics
import time

import _setup  # noqa: F401 - Django set up for a benchmark
from django.db import connection
from django.test.utils import (
    CaptureQueriesContext,
    setup_databases,
    teardown_databases,
)

COUNT = int(os.environ.get("BENCH_COMPANIES", "10000"))
SAMPLE = int(os.environ.get("BENCH_SAMPLE", "300"))  # companies read one at a time
MONTH = datetime.date(2026, 11, 1)


def _companies() -> list:
    from apps.billing.models import DocumentUsage, Plan, PlanOverride
    from apps.companies.models import Company
    from apps.companies.scoping import all_companies

    plans = list(Plan.objects.filter(documents_per_month__gt=0))
    rng = random.Random(18)
    companies = Company.objects.bulk_create(
        [
            Company(
                name=f"Bench {n} BV",
                slug=f"bench-{n}",
                enterprise_number=f"{n:010d}",
                plan=rng.choice(plans),
            )
            for n in range(COUNT)
        ],
        batch_size=2000,
    )
    with all_companies():
        DocumentUsage.objects.bulk_create(
            [
                DocumentUsage(
                    company=company,
                    month=MONTH,
                    # most within their plan, one in five past it
                    documents=rng.randint(0, 300) if n % 5 == 0 else rng.randint(0, 25),
                    reported=0,
                )
                for n, company in enumerate(companies)
            ],
            batch_size=2000,
        )
        PlanOverride.objects.bulk_create(
            [
                PlanOverride(
                    company=company,
                    plan=plans[-1],
                    reason="bench",
                    ends_on=datetime.date(2026, 12, 31),
                )
                for company in companies[:: max(1, COUNT // 50)]
            ]
        )
    return companies


def main() -> None:
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        from apps.billing.selectors import usage_get, usage_period_totals
        from apps.companies.scoping import company_scope

        started = time.perf_counter()
        companies = _companies()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum would
        print(
            f"billing usage: {COUNT} companies with a month of documents on "
            f"{connection.vendor} (created in {time.perf_counter() - started:.0f} s)"
        )

        samples = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                totals = usage_period_totals(MONTH)
                samples.append(time.perf_counter() - t0)
        extra = sum(row.extra for row in totals)
        cost = sum(row.extra_cost for row in totals)
        print(
            f"  usage_period_totals (every company)  {len(queries)} queries  "
            f"{statistics.median(samples) * 1000:8.1f} ms   "
            f"{len(totals)} totals, {extra} extra documents, EUR {cost} extra"
        )

        sample = companies[:SAMPLE]
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            for company in sample:
                with company_scope(company):
                    usage_get(company=company, month=MONTH)
            elapsed = time.perf_counter() - t0
        per_company = len(queries) / len(sample)
        print(
            f"  usage_get one company at a time     {per_company:.0f} queries each  "
            f"{elapsed / len(sample) * 1000:8.2f} ms each  "
            f"(~{per_company * COUNT:.0f} queries, ~{elapsed / len(sample) * COUNT:.1f} s "
            f"for {COUNT})"
        )
    finally:
        teardown_databases(databases, verbosity=0)


if __name__ == "__main__":
    main()
