"""The monthly count of collected documents: every source, atomic, Brussels calendar months."""

import datetime
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

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
from tests import factories
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
    factories.collecting(company, "collect-70")
    with company_scope(company):
        usage_record(company=company, documents=12)
    page = client_for(owner).get(
        reverse("companies:dashboard", kwargs={"company_id": company.public_id})
    )
    assert "12 of 70 documents this month, 0 extra" in page.content.decode()


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


def test_extra_documents_are_counted_with_their_price_and_the_reset_day(company, owner, client_for):
    factories.collecting(company, "collect-70")
    with (
        time_machine.travel(datetime.datetime(2026, 12, 7, 10, tzinfo=datetime.UTC)),
        company_scope(company),
    ):
        usage_record(company=company, documents=75)
        usage = usage_get(company=company)
        page = client_for(owner).get(
            reverse("companies:dashboard", kwargs={"company_id": company.public_id})
        )
    # a month with 75 documents on Collect 70: 5 extra at €0.30
    assert (usage.extra, usage.extra_cost) == (5, Decimal("1.50"))
    assert usage.resets_on == datetime.date(2027, 1, 1)
    text = page.content.decode()
    assert "75 of 70 documents this month, 5 extra (€1.50 so far, €0.30 each)" in text
    assert "counted again from 01/01/2027" in text


def test_the_owners_are_told_at_80_and_100_percent_once_each(
    company, owner, mailoutbox, django_capture_on_commit_callbacks
):
    company.plan = Plan.objects.get(code="collect-25")
    company.save(update_fields=["plan"])
    with company_scope(company), django_capture_on_commit_callbacks(execute=True):
        usage_record(company=company, documents=19)  # 76 %
        assert mailoutbox == []
        usage_record(company=company)  # 80 %
        usage_record(company=company)
        usage_record(company=company, documents=5)  # 100 %
        usage_record(company=company, documents=3)  # past it: nothing new
    subjects = [message.subject for message in mailoutbox]
    assert len(subjects) == 2
    assert "80 %" in subjects[0]
    assert "all documents of this month's plan are used" in subjects[1]
    assert "€0.50" in mailoutbox[1].body
