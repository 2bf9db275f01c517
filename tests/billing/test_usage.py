"""The monthly count of collected documents: every source, atomic, Brussels calendar months."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connections, transaction
from django.urls import reverse

from apps.billing.models import DocumentUsage, Plan
from apps.billing.selectors import usage_get
from apps.billing.services import usage_record
from apps.companies.scoping import company_scope
from apps.documents.models import Source
from apps.documents.services import document_ingest
from tests.conftest import require_postgres
from tests.inbox import mails
from tests.samples import zipped


def _usage(company, month: datetime.date | None = None) -> int:
    with company_scope(company):
        return usage_get(company=company, month=month).documents


def test_every_collected_document_counts_once_whatever_its_source(company):
    with company_scope(company):
        for n, source in enumerate([Source.UPLOAD, Source.MAILBOX, Source.FORWARDING, Source.API]):
            document_ingest(
                company=company, data=mails.pdf(f"U{n}"), filename="a.pdf", source=source
            )
        # the same file again is a duplicate, and a ZIP counts its documents, not itself
        document_ingest(company=company, data=mails.pdf("U0"), filename="b.pdf", source="upload")
        archive = zipped({"z1.pdf": mails.pdf("Z1"), "z2.pdf": mails.pdf("Z2")})
        document_ingest(company=company, data=archive, filename="z.zip", source=Source.CLOUD)
        # an invoice made in OkiOki is not collected
        document_ingest(company=company, data=mails.pdf("S"), filename="s.pdf", source=Source.SALES)
    assert _usage(company) == 6


def test_a_rolled_back_document_is_not_counted(company):
    def ingest_then_fail() -> None:
        with transaction.atomic():
            document_ingest(company=company, data=mails.pdf("R"), filename="r.pdf", source="upload")
            raise RuntimeError

    with company_scope(company), pytest.raises(RuntimeError):
        ingest_then_fail()
    assert _usage(company) == 0


def test_months_are_calendar_months_in_brussels(company):
    # 30 November 23:30 UTC is already 1 December in Brussels
    with company_scope(company), time_machine.travel("2026-11-30 23:30:00+00:00", tick=False):
        usage_record(company=company)
        usage_record(
            company=company, at=datetime.datetime(2026, 11, 30, 22, 59, tzinfo=datetime.UTC)
        )
    assert _usage(company, datetime.date(2026, 12, 1)) == 1
    assert _usage(company, datetime.date(2026, 11, 1)) == 1


def test_the_dashboard_shows_this_month_beside_the_plan(company, owner, client_for):
    company.plan = Plan.objects.get(code="collect-70")
    company.save(update_fields=["plan"])
    with company_scope(company):
        usage_record(company=company, documents=12)
    page = client_for(owner).get(
        reverse("companies:dashboard", kwargs={"company_id": company.public_id})
    )
    assert "12 of 70 documents collected this month" in page.content.decode()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_documents_are_all_counted(company):
    require_postgres()

    def record(_n: int) -> None:
        # eight at a time, each in its own thread, connection and transaction: the first of
        # the month races to create the row
        try:
            with company_scope(company):
                for _ in range(25):
                    usage_record(company=company)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(record, range(8)))

    assert _usage(company) == 200
    with company_scope(company):
        assert DocumentUsage.objects.filter(company=company).count() == 1
