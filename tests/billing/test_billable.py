"""The one rule of a billable document (apps.billing.metering), one test a case.

Each case is checked twice: the rule itself, and the document's arrival (or junking) that
asks it, so that a case taken out of the rule fails both: counting happens nowhere else.
"""

import datetime

import pytest
import time_machine

from apps.billing.metering import COLLECTED_SOURCES, UNCOLLECTED_SOURCES, is_billable
from apps.billing.selectors import usage_get
from apps.billing.services import usage_month
from apps.companies.scoping import company_scope
from apps.documents.junk import document_junk
from apps.documents.models import Document, Source
from apps.documents.services import document_ingest
from tests.banking.samples import read
from tests.inbox import mails

pytestmark = pytest.mark.django_db


def _ingest(company, source: str, label: str = "A", data: bytes | None = None):
    with company_scope(company):
        return document_ingest(
            company=company,
            data=data if data is not None else mails.pdf(label),
            filename="a.pdf",
            source=source,
        )


def _usage(company) -> int:
    with company_scope(company):
        return usage_get(company=company).documents


@pytest.mark.parametrize("source", ["mailbox", "forwarding", "cloud", "upload", "api"])
def test_a_document_collected_for_the_company_is_billable(company, source):
    assert is_billable(source=source)
    # when a document arrives by a collecting source
    result = _ingest(company, source)
    # then it counts in this month, and the document remembers the month
    assert _usage(company) == 1
    with company_scope(company):
        assert Document.objects.get(pk=result.document.pk).counted_month == usage_month()


def test_the_same_file_again_is_not_billable(company):
    assert not is_billable(source="upload", is_duplicate=True)
    # given a document
    _ingest(company, Source.UPLOAD, "same")
    # when the same file arrives again, by another source
    again = _ingest(company, Source.MAILBOX, "same")
    # then it is a duplicate, counted once
    assert again.is_duplicate
    assert _usage(company) == 1


def test_a_document_deleted_as_junk_within_the_grace_period_is_not_billable(
    company, owner, settings
):
    settings.BILLING_JUNK_GRACE_HOURS = 72
    assert not is_billable(source="upload", junked_after=datetime.timedelta(hours=71))
    assert is_billable(source="upload", junked_after=datetime.timedelta(hours=73))
    # given a document collected 71 hours ago
    with time_machine.travel(datetime.datetime(2026, 12, 7, 8, tzinfo=datetime.UTC)):
        result = _ingest(company, Source.FORWARDING)
    with time_machine.travel(datetime.datetime(2026, 12, 10, 7, tzinfo=datetime.UTC)):
        assert _usage(company) == 1
        # when the user deletes it as junk
        with company_scope(company):
            released = document_junk(document=result.document, actor=owner)
        # then its count is given back to its month
        assert released
        assert _usage(company) == 0


def test_an_einvoice_received_over_peppol_is_not_billable(company):
    assert not is_billable(source="peppol")
    result = _ingest(company, Source.PEPPOL)
    assert result.document is not None
    assert _usage(company) == 0
    assert result.document.counted_month is None


def test_a_document_made_in_okioki_is_not_billable(company):
    assert not is_billable(source="sales")
    result = _ingest(company, Source.SALES)
    assert result.document is not None
    assert _usage(company) == 0


def test_a_bank_statement_file_is_not_billable(company):
    assert not is_billable(source="upload", is_bank_statement=True)
    # when the bank's CODA file is uploaded with the documents
    result = _ingest(company, Source.UPLOAD, data=read("Coda_v2_3_single_statement.txt"))
    # then it goes to the bank import, and counts nothing
    assert result.is_statement
    assert _usage(company) == 0


def test_every_source_of_a_document_is_decided_by_the_rule():
    # a new way for documents to arrive must be put on one side of the rule or the other
    assert set(Source.values) == COLLECTED_SOURCES | UNCOLLECTED_SOURCES
    assert not COLLECTED_SOURCES & UNCOLLECTED_SOURCES
