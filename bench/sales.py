"""Benchmark: issuing invoices (issue #7): number, UBL, PDF/A-3, the three validation layers.

Makes ``--count`` (BENCH_INVOICES, default 100) draft invoices of five lines at three VAT
rates for a Belgian customer, then issues them one after the other in one process (one
core): each issue takes the number, builds the UBL, validates it (XSD, EN 16931, Peppol),
renders the PDF/A-3 with the UBL inside, builds and validates the UBL with that PDF inside,
and hands it to the documents. Prints invoices per second and, timed alone on the same
invoices, the PDF rendering, the UBL building and one validation.
"""

import argparse
import os
import shutil
import statistics
import time
from decimal import Decimal
from unittest import mock

from _setup import OWN_VAR_DIR  # Django set up for a benchmark
from django.db import connection
from django.test.utils import setup_databases, teardown_databases

COUNT = int(os.environ.get("BENCH_INVOICES", "100"))
D = Decimal


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def run(count: int) -> None:
    from apps.companies.scoping import company_scope
    from apps.einvoice import to_ubl, validate
    from apps.einvoice.validation import warm_up
    from apps.sales.einvoicing import invoice_model
    from apps.sales.pdf import invoice_pdf
    from apps.sales.services.invoices import LineInput, invoice_create, invoice_issue
    from tests import factories

    company = factories.CompanyFactory(
        name="Bakkerij De Gouden Korst BV",
        vat_number="",
        iban="BE68539007547034",
        street="Meir 12",
        postal_code="2000",
        city="Antwerpen",
    )
    company.vat_number = f"BE{company.enterprise_number}"
    company.save()
    lines = [
        LineInput("Volkorenbrood", D("10"), D("2.45"), D("6")),
        LineInput("Taart", D("2"), D("18.50"), D("6"), discount_percent=D("10")),
        LineInput("Catering", D("3"), D("45.00"), D("21"), unit="HUR"),
        LineInput("Koffie", D("40"), D("1.80"), D("12")),
        LineInput("Levering", D("1"), D("25.00"), D("21")),
    ]
    warm_up()  # compiling the rules once per worker process is not part of the figure
    with company_scope(company):
        customer = factories.CustomerFactory(company=company, name="Studio Lumière SRL")
        drafts = [
            invoice_create(company=company, customer=customer, lines=lines) for _ in range(count)
        ]
        # one issue first: imports, fonts and templates are loaded once per process
        invoice_issue(
            invoice=invoice_create(company=company, customer=customer, lines=lines), actor=None
        )

        started = time.perf_counter()
        issued = [invoice_issue(invoice=draft, actor=None) for draft in drafts]
        elapsed = time.perf_counter() - started

        pdf_times, ubl_times, validate_times = [], [], []
        for invoice in issued[: min(count, 50)]:
            model = invoice_model(invoice)
            t = time.perf_counter()
            xml = to_ubl(model)
            ubl_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            invoice_pdf(invoice, model, ubl=xml)
            pdf_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            validate(xml)
            validate_times.append(time.perf_counter() - t)
        numbers = [invoice.number for invoice in issued]
    print(f"sales: {count} invoices of 5 lines (6, 12 and 21 %), one process; {connection.vendor}")
    print(
        f"  issue (number, UBL, 2 x validate, PDF/A-3, document)  {elapsed:7.2f} s"
        f"   {count / elapsed:6.1f} invoices/s per core   ({elapsed / count * 1000:.0f} ms each)"
    )
    print(f"  PDF/A-3 rendering alone (median)                 {_median_ms(pdf_times):7.1f} ms")
    print(f"  UBL building alone (median)                      {_median_ms(ubl_times):7.1f} ms")
    print(
        f"  one validation, three layers (median)            {_median_ms(validate_times):7.1f} ms"
    )
    print(f"  numbers {numbers[0]} … {numbers[-1]}, unique: {len(set(numbers)) == count}")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--count", type=int, default=COUNT, help="invoices (default 100)")
    count = arguments.parse_args().count
    databases = setup_databases(verbosity=0, interactive=False)
    # The sales document's reading is queued on a broker in production; not part of issuing.
    mock.patch("apps.documents.tasks.document_read").start()
    try:
        run(count)
    finally:
        mock.patch.stopall()
        teardown_databases(databases, verbosity=0)
        if OWN_VAR_DIR:
            shutil.rmtree(os.environ["OKIOKI_VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
