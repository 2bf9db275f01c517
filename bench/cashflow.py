"""Benchmark: the Cash flow page of a company with 5 years of bank history (issue 17).

One current account with ``--years`` (BENCH_CASHFLOW_YEARS, 5) years of daily statements
(closing balances that add up) and about 11 transactions a day (~20,000): customers paying
invoices (matched), card payments, suppliers, and the recurring debits a small company has
(rent, three salaries, social security, a loan, a subscription, a quarterly social insurance
fund); 3,000 paid invoices (each customer's delay), 150 open invoices (some overdue, a few
at risk), 80 open purchase invoices, a quarterly VAT filer paying advance tax.

Prints the forecast's computation alone (target under 100 ms) and the whole page rendered
by Django's test client, signed in (target under 300 ms): the median and the slowest of
``--runs`` (15) after one warm-up, with the queries of each. SQLite by default (a file, as
``make run``); PostgreSQL with DATABASE_URL.
"""

import argparse
import datetime
import os
import random
import shutil
import statistics
import time
from decimal import Decimal

from _setup import OWN_VAR_DIR  # Django set up for a benchmark
from django.db import connection
from django.test.utils import (
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

D = Decimal
YEARS = int(os.environ.get("BENCH_CASHFLOW_YEARS", "5"))
PER_DAY = 11
SEED = 17
OWN_IBAN = "BE68539007547034"
RECURRING = [  # (name, iban, amount, day of month, every n months)
    ("Vastgoed Noord NV", "BE71096123456769", D("-1850.00"), 3, 1),
    ("An Peeters", "BE43068999999501", D("-2650.00"), 28, 1),
    ("Tom Maes", "BE62510007547061", D("-2410.00"), 28, 1),
    ("Els Jacobs", "BE86407051416150", D("-2980.00"), 28, 1),
    ("RSZ", "BE63679026181108", D("-3120.00"), 5, 1),
    ("KBC Investeringskrediet", "BE13734018726039", D("-780.00"), 15, 1),
    ("Telenet BV", "BE49001123456771", D("-89.00"), 12, 1),
    ("Xerius", "BE08001456789013", D("-1150.00"), 1, 3),
]


def populate(years: int, today: datetime.date):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from apps.banking.models import (
        BankAccount,
        BankTransaction,
        CashflowSettings,
        Match,
        Statement,
        StatementFile,
    )
    from apps.billing.models import Plan
    from apps.companies.models import Role
    from apps.companies.scoping import company_scope
    from apps.documents.models import Document, Kind, Source
    from apps.sales.models import Customer, Invoice
    from tests import factories

    rng = random.Random(SEED)
    company = factories.CompanyFactory(
        name="Cash Bench BV", iban=OWN_IBAN, plan=Plan.objects.get(code="collect-200")
    )
    owner = factories.UserFactory()
    with company_scope(company):
        factories.MembershipFactory(company=company, user=owner, role=Role.OWNER)
        account = BankAccount.objects.create(company=company, iban=OWN_IBAN, name="Zicht")
        kept = StatementFile(
            company=company, filename="bench.xml", sha256="0" * 64, status="imported"
        )
        kept.file.save("bench.xml", ContentFile(b"bench"), save=False)
        kept.save()
        customers = Customer.objects.bulk_create(
            Customer(company=company, name=f"Klant {n} BV", vat_treatment="domestic")
            for n in range(200)
        )
        start = today - datetime.timedelta(days=365 * years)
        days = [start + datetime.timedelta(days=n) for n in range((today - start).days)]
        balance = D("25000.00")
        statements, rows = [], []
        for n, day in enumerate(days):
            moved = []
            for name, iban, amount, dom, every in RECURRING:
                if day.day == dom and (day.month - 1) % every == 0:
                    moved.append(
                        (amount * D(rng.uniform(0.98, 1.02)).quantize(D("0.01")), name, iban, "")
                    )
            while len(moved) < PER_DAY:
                kind = rng.random()
                if kind < 0.2:
                    customer = rng.choice(customers)
                    moved.append(
                        (
                            D(rng.randint(100, 2100)),
                            customer.name,
                            f"BE{rng.randint(10**13, 10**14)}",
                            "invoice",
                        )
                    )
                elif kind < 0.7:
                    moved.append((-D(rng.randint(5, 120)), "Kaartbetaling", "", ""))
                else:
                    moved.append(
                        (
                            -D(rng.randint(50, 900)),
                            f"Leverancier {rng.randint(1, 60)}",
                            f"BE{rng.randint(10**13, 10**14)}",
                            "",
                        )
                    )
            net = sum((m[0] for m in moved), D("0"))
            statements.append(
                Statement(
                    company=company,
                    account=account,
                    file=kept,
                    format="camt053",
                    number=str(n + 1),
                    date=day,
                    opening_balance=balance,
                    closing_balance=balance + net,
                )
            )
            balance += net
            for k, (amount, name, iban, what) in enumerate(moved):
                rows.append((n, day, amount, name, iban, what, k))
        Statement.objects.bulk_create(statements, batch_size=1000)
        by_number = dict(Statement.objects.filter(company=company).values_list("number", "pk"))
        transactions = BankTransaction.objects.bulk_create(
            (
                BankTransaction(
                    company=company,
                    account=account,
                    statement_id=by_number[str(n + 1)],
                    identity=f"bench:{n}:{k}",
                    booking_date=day,
                    value_date=day,
                    amount=amount,
                    counterparty_name=name,
                    counterparty_iban=iban,
                    match_state="matched" if what else "unmatched",
                )
                for n, day, amount, name, iban, what, k in rows
            ),
            batch_size=2000,
        )
        BankAccount.objects.filter(pk=account.pk).update(balance=balance, balance_date=days[-1])
        # the invoices those payments paid (the last 3,000), the open ones, the VAT
        issued = []
        credits = [(t, r) for t, r in zip(transactions, rows, strict=True) if r[5] == "invoice"][
            -3000:
        ]
        for transaction, row in credits:
            day = row[1]
            issued.append(
                Invoice(
                    company=company,
                    customer=rng.choice(customers),
                    status=Invoice.Status.PAID,
                    number=f"P-{len(issued)}",
                    issue_date=day - datetime.timedelta(days=40),
                    due_date=day - datetime.timedelta(days=rng.randint(-5, 20)),
                    total_incl_vat=transaction.amount,
                    total_vat=(transaction.amount * D("0.1736")).quantize(D("0.01")),
                    paid_amount=transaction.amount,
                    paid_on=day,
                    vat_treatment="domestic",
                )
            )
        for n in range(150):
            due = today + datetime.timedelta(days=rng.randint(-120, 60))
            issued.append(
                Invoice(
                    company=company,
                    customer=rng.choice(customers),
                    status=Invoice.Status.ISSUED,
                    number=f"O-{n}",
                    issue_date=due - datetime.timedelta(days=30),
                    due_date=due,
                    total_incl_vat=D(rng.randint(200, 6000)),
                    total_vat=D(rng.randint(30, 1000)),
                    vat_treatment="domestic",
                )
            )
        made = Invoice.objects.bulk_create(issued, batch_size=1000)
        Match.objects.bulk_create(
            (
                Match(
                    company=company,
                    transaction=transaction,
                    invoice=invoice,
                    amount=transaction.amount,
                    state=Match.State.MATCHED,
                )
                for (transaction, _row), invoice in zip(credits, made, strict=False)
            ),
            batch_size=2000,
        )
        Document.objects.bulk_create(
            Document(
                company=company,
                kind=Kind.PURCHASE_INVOICE,
                status=Document.Status.READY,
                source=Source.UPLOAD,
                received_at=timezone.now(),
                original_filename=f"bill-{n}.pdf",
                content_type="application/pdf",
                file_kind="pdf",
                size=10,
                sha256=f"{n:064x}",
                counterparty_name=f"Leverancier {n % 60}",
                number=f"B-{n}",
                issue_date=today - datetime.timedelta(days=rng.randint(0, 60)),
                due_date=today + datetime.timedelta(days=rng.randint(-10, 50)),
                total_incl_vat=D(rng.randint(50, 3000)),
                total_vat=D(rng.randint(5, 400)),
            )
            for n in range(80)
        )
        CashflowSettings.objects.create(
            company=company,
            vat_filer="quarterly",
            makes_advance_payments=True,
            advance_payment_1=D("3000"),
            advance_payment_2=D("3000"),
            advance_payment_3=D("3000"),
            advance_payment_4=D("3000"),
            threshold=D("10000"),
        )
    return company, owner, len(rows)


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _timed(label: str, call, runs: int) -> dict:
    counter = Counter()
    call()  # warm-up: caches, the session, the templates
    times, queries = [], []
    for _ in range(runs):
        counter.count = 0
        with connection.execute_wrapper(counter):
            begin = time.perf_counter()
            call()
            times.append((time.perf_counter() - begin) * 1000)
        queries.append(counter.count)
    found = {
        "label": label,
        "median": statistics.median(times),
        "max": max(times),
        "queries": max(queries),
    }
    print(
        f"{label:<34} median {found['median']:7.1f} ms   "
        f"slowest {found['max']:7.1f} ms   {found['queries']} queries"
    )
    return found


def run(years: int, runs: int) -> None:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from apps.banking.cashflow.forecast import build
    from apps.banking.cashflow.history import history
    from apps.banking.cashflow.queries import forecast, forecast_inputs
    from apps.companies.scoping import company_scope

    today = timezone.localdate()
    began = time.perf_counter()
    company, owner, count = populate(years, today)
    print(
        f"{connection.vendor}: {count} transactions over {years} years, "
        f"made in {time.perf_counter() - began:.1f} s"
    )
    client = Client()
    client.force_login(owner)
    url = reverse("banking:cashflow", kwargs={"company_id": company.public_id})
    assert client.get(url).status_code == 200
    with company_scope(company):
        ahead = forecast(company, today)
        print(
            f"forecast: {len(ahead.lines)} lines, {len(ahead.patterns)} recurring patterns, "
            f"{len(ahead.at_risk)} at risk, lowest {ahead.lowest} on {ahead.lowest_day}"
        )
        _timed("forecast (queries + computation)", lambda: forecast(company, today), runs)
        inputs = forecast_inputs(company, today)
        _timed("forecast computation alone (build)", lambda: build(inputs, today), runs)
        _timed("history (12 months)", lambda: history(company, today), runs)
    _timed("cash-flow page (rendered)", lambda: client.get(url), runs)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--years", type=int, default=YEARS, help="years of history (5)")
    arguments.add_argument("--runs", type=int, default=15, help="timed runs (15)")
    options = arguments.parse_args()
    setup_test_environment()  # the test client's host allowed, e-mail kept in memory
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        run(options.years, options.runs)
    finally:
        teardown_databases(databases, verbosity=0)
        if OWN_VAR_DIR:
            shutil.rmtree(os.environ["OKIOKI_VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
