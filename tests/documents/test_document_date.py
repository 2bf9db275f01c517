"""The stored document date (``Document.document_date``): the issue date when known, else the
day the document arrived in Brussels, the same date the list computed on the fly before; it
follows every way a document is written, and the list's pages are read from its index."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse

from apps.companies.scoping import company_scope
from apps.documents import services
from apps.documents.models import Document, Source
from apps.documents.selectors import DocumentFilters, document_list
from apps.einvoice import to_ubl
from tests import factories
from tests.conftest import missing
from tests.documents import samples as rendered
from tests.documents.helpers import ingest_and_read
from tests.einvoice import samples
from tests.samples import PDF

UTC = datetime.UTC


@pytest.fixture
def company(company):
    """Uploads need a plan that collects documents (Start, the default, collects none)."""
    return factories.collecting(company)


def _stored(document: Document) -> datetime.date:
    with company_scope(document.company):
        return Document.objects.values_list("document_date", flat=True).get(pk=document.pk)


@pytest.mark.parametrize(
    ("arrived", "day"),
    [
        # summer time (UTC+2): 22:00 UTC is already the next day in Brussels
        (datetime.datetime(2026, 3, 31, 21, 59, tzinfo=UTC), datetime.date(2026, 3, 31)),
        (datetime.datetime(2026, 3, 31, 22, 0, tzinfo=UTC), datetime.date(2026, 4, 1)),
        # winter time (UTC+1)
        (datetime.datetime(2026, 1, 15, 22, 59, tzinfo=UTC), datetime.date(2026, 1, 15)),
        (datetime.datetime(2026, 1, 15, 23, 30, tzinfo=UTC), datetime.date(2026, 1, 16)),
    ],
)
def test_an_undated_arrival_is_dated_the_day_it_arrived_in_brussels(company, arrived, day):
    # when a file without a date of its own arrives near midnight
    with time_machine.travel(arrived, tick=False), company_scope(company):
        document = services.document_ingest(
            company=company, data=PDF, filename="scan.pdf", source=Source.UPLOAD
        ).document
    # then it is dated the Brussels day, on the saved instance as in the database
    assert document is not None
    assert document.issue_date is None
    assert document.document_date == day
    assert _stored(document) == day


def test_the_stored_date_is_the_one_the_list_computed_before(company):
    # given documents that arrived at every hour of the days summer time starts and ends, and
    # around new year (those two undated), half of them with a date of their own
    moments = (
        [
            datetime.datetime(2026, 3, 28, 20, tzinfo=UTC) + datetime.timedelta(hours=h)
            for h in range(30)
        ]
        + [
            datetime.datetime(2026, 10, 24, 20, tzinfo=UTC) + datetime.timedelta(hours=h)
            for h in range(30)
        ]
        + [
            datetime.datetime(2026, 12, 31, 22, 30, tzinfo=UTC),
            datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
        ]
    )
    for n, moment in enumerate(moments):
        factories.DocumentFactory(
            company=company,
            received_at=moment,
            issue_date=datetime.date(2025, 6, n % 28 + 1) if n % 2 and n < 60 else None,
        )
    # then each stored date is what Coalesce(issue date, TruncDate(arrival)) gave
    with company_scope(company):
        rows = Document.objects.annotate(
            computed=Coalesce(F("issue_date"), TruncDate("received_at"))
        ).values_list("document_date", "computed", "received_at")
        assert len(rows) == len(moments)
        assert [(stored, computed) for stored, computed, _ in rows if stored != computed] == []
        days = {r[0] for r in rows if r[2] == datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC)}
        assert days == {datetime.date(2027, 1, 1)}


def test_reading_an_einvoice_dates_the_document_by_its_issue_date(
    company, django_capture_on_commit_callbacks
):
    invoice = samples.domestic_mixed()
    with time_machine.travel(datetime.datetime(2027, 2, 1, 9, tzinfo=UTC), tick=False):
        document = ingest_and_read(
            company, to_ubl(invoice), "invoice.xml", django_capture_on_commit_callbacks
        )
    assert document.issue_date == invoice.issue_date
    assert document.document_date == invoice.issue_date != datetime.date(2027, 2, 1)


def test_reading_a_pdf_dates_the_document_by_the_date_read(
    company, django_capture_on_commit_callbacks
):
    sample = rendered.SAMPLES[1]
    with time_machine.travel(datetime.datetime(2027, 2, 1, 9, tzinfo=UTC), tick=False):
        document = ingest_and_read(
            company, rendered.pdf(sample), "facture.pdf", django_capture_on_commit_callbacks
        )
    assert document.issue_date == sample.issue_date
    assert document.document_date == sample.issue_date


def test_a_correction_sets_changes_and_clears_the_date(company, owner):
    # given a document without a date that arrived on 1 April, 00:30 in Brussels
    document = factories.DocumentFactory(
        company=company, received_at=datetime.datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    )
    assert _stored(document) == datetime.date(2026, 4, 1)
    with company_scope(company):
        for issue_date, expected in [
            (datetime.date(2026, 3, 2), datetime.date(2026, 3, 2)),  # set
            (datetime.date(2026, 2, 27), datetime.date(2026, 2, 27)),  # changed
            (None, datetime.date(2026, 4, 1)),  # cleared: the day it arrived again
        ]:
            services.document_correct(
                document=document, actor=owner, changes={"issue_date": issue_date}
            )
            assert _stored(document) == expected


def test_the_review_form_moves_the_document_in_the_list(company, owner, client_for):
    # given two documents, the undated one arrived last
    dated = factories.DocumentFactory(
        company=company,
        counterparty_name="Dated",
        issue_date=datetime.date(2026, 3, 10),
        received_at=datetime.datetime(2026, 3, 10, 9, tzinfo=UTC),
    )
    undated = factories.DocumentFactory(
        company=company,
        counterparty_name="Undated",
        received_at=datetime.datetime(2026, 3, 20, 9, tzinfo=UTC),
    )
    client = client_for(owner)
    url = reverse("documents:document-detail", args=[company.public_id, undated.public_id])
    form = {"kind": "purchase_invoice", "counterparty_name": "Undated", "currency": "EUR"}

    def order() -> list[str]:
        with company_scope(company):
            found = document_list(company=company, filters=DocumentFilters())
            return [d.counterparty_name for d in found]

    assert order() == ["Undated", "Dated"]
    # when a person gives the undated one an older date, it goes below
    assert client.post(url, {**form, "issue_date": "2026-03-01"}).status_code == 302
    assert _stored(undated) == datetime.date(2026, 3, 1)
    assert order() == ["Dated", "Undated"]
    # and when they clear it again, it is back at the day it arrived
    assert client.post(url, {**form, "issue_date": ""}).status_code == 302
    assert _stored(undated) == datetime.date(2026, 3, 20)
    assert order() == ["Undated", "Dated"]
    assert _stored(dated) == datetime.date(2026, 3, 10)


def test_queryset_updates_and_bulk_creates_keep_the_date(company):
    # the database computes the column: writes that skip save() are right too
    arrived = datetime.datetime(2026, 5, 5, 23, tzinfo=UTC)  # 6 May in Brussels
    with company_scope(company):
        (document,) = Document.objects.bulk_create(
            [
                Document(
                    company=company,
                    source=Source.API,
                    received_at=arrived,
                    original="x.pdf",
                    original_filename="x.pdf",
                    content_type="application/pdf",
                    file_kind="pdf",
                    size=1,
                    sha256="0" * 64,
                )
            ]
        )
        assert _stored(document) == datetime.date(2026, 5, 6)
        Document.objects.filter(pk=document.pk).update(issue_date=datetime.date(2026, 1, 2))
        assert _stored(document) == datetime.date(2026, 1, 2)
        Document.objects.filter(pk=document.pk).update(
            issue_date=None, received_at=datetime.datetime(2026, 7, 1, 12, tzinfo=UTC)
        )
        assert _stored(document) == datetime.date(2026, 7, 1)


def test_the_factory_gives_the_date(company):
    dated = factories.DocumentFactory(company=company, issue_date=datetime.date(2026, 2, 3))
    undated = factories.DocumentFactory(
        company=company, received_at=datetime.datetime(2026, 2, 3, 23, 15, tzinfo=UTC)
    )
    assert dated.document_date == _stored(dated) == datetime.date(2026, 2, 3)
    assert undated.document_date == _stored(undated) == datetime.date(2026, 2, 4)


def test_within_a_day_the_last_arrived_comes_first_and_the_period_counts_undated_ones(company):
    # given two undated documents that arrived on 4 March (Brussels) and one dated 5 March
    for name, arrived, issue_date in [
        ("Morning", datetime.datetime(2026, 3, 4, 8, tzinfo=UTC), None),
        ("Late", datetime.datetime(2026, 3, 4, 22, 30, tzinfo=UTC), None),  # 23:30 Brussels
        ("Dated", datetime.datetime(2026, 3, 1, 8, tzinfo=UTC), datetime.date(2026, 3, 5)),
        ("April", datetime.datetime(2026, 3, 31, 22, 30, tzinfo=UTC), None),  # 1 April
    ]:
        factories.DocumentFactory(
            company=company, counterparty_name=name, received_at=arrived, issue_date=issue_date
        )
    with company_scope(company):

        def names(**filters) -> list[str]:
            found = document_list(company=company, filters=DocumentFilters(**filters))
            return [d.counterparty_name for d in found]

        assert names() == ["April", "Dated", "Late", "Morning"]
        assert names(sort="-date") == ["Morning", "Late", "Dated", "April"]
        # a period is the dates the list shows: the undated ones by the day they arrived
        march = {"date_from": datetime.date(2026, 3, 1), "date_to": datetime.date(2026, 3, 31)}
        assert names(**march) == ["Dated", "Late", "Morning"]


@pytest.mark.parametrize(
    "filters",
    [
        DocumentFilters(),
        DocumentFilters(sort="-date"),
        DocumentFilters(date_from=datetime.date(2026, 3, 1), date_to=datetime.date(2026, 3, 31)),
    ],
    ids=["newest first", "oldest first", "a period"],
)
def test_a_page_by_date_is_read_from_the_index_without_sorting(company, filters):
    if connection.vendor != "postgresql":
        missing("the plan checked is PostgreSQL's (DATABASE_URL=postgres://…)")
    factories.DocumentFactory.create_batch(3, company=company)
    with company_scope(company), connection.cursor() as cursor:
        # a small table is cheaper to scan and sort: make the planner say how it reads a large
        # one (with sorting off, a plan still sorts when no index gives the order)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = document_list(company=company, filters=filters)[:51].explain()
    assert "document_dated" in plan, plan
    assert "Sort" not in plan, plan
