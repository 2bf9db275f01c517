"""Gap-free, unique numbers when many invoices are issued at once (PostgreSQL, threads)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from apps.companies.scoping import company_scope
from apps.sales.models import Invoice, VatTreatment
from apps.sales.numbering import number_next
from apps.sales.services.invoices import LineInput, invoice_issue
from tests.conftest import require_postgres
from tests.sales.conftest import customer_for, draft

COUNT = 100


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_100_invoices_issued_at_once_get_gap_free_unique_numbers(seller, owner):
    require_postgres()
    from decimal import Decimal

    with company_scope(seller):
        customer = customer_for(seller, VatTreatment.DOMESTIC)
        drafts = [
            draft(seller, customer, lines=[LineInput(f"Item {n}", Decimal("1"), Decimal("10"))])
            for n in range(COUNT)
        ]

    def issue(invoice: Invoice) -> str:
        # eight at a time, each in its own thread, connection and transaction
        try:
            with company_scope(seller):
                return invoice_issue(invoice=invoice, actor=owner).number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(issue, drafts))

    with company_scope(seller):
        issued = Invoice.objects.filter(status=Invoice.Status.ISSUED)
        year = issued.first().issue_date.year
        assert issued.count() == COUNT
    assert sorted(numbers) == [f"{year}-{n:04d}" for n in range(1, COUNT + 1)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_issue_leaves_no_gap(seller):
    require_postgres()
    from django.db import transaction

    with company_scope(seller):
        with transaction.atomic():
            assert number_next(company=seller, kind="invoice", year=2026) == (1, "2026-0001")
        try:
            with transaction.atomic():
                number_next(company=seller, kind="invoice", year=2026)
                raise RuntimeError("the UBL was not valid")
        except RuntimeError:
            pass
        with transaction.atomic():
            assert number_next(company=seller, kind="invoice", year=2026) == (2, "2026-0002")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_are_only_taken_inside_a_transaction(seller):
    with company_scope(seller), pytest.raises(RuntimeError):
        number_next(company=seller, kind="invoice", year=2026)
