"""Deleting a document as junk: asked first, then out of the lists, the API and the transfer
to the accountant, its original kept; its count given back to its month once, and only
within the grace period; never a document the accountant already has."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from apps.billing.models import DocumentUsage
from apps.billing.selectors import usage_get
from apps.billing.services import usage_month, usage_release
from apps.companies.scoping import company_scope
from apps.connections.models import Delivery
from apps.connections.services import delivery_send, transfer_save
from apps.core.errors import DomainError
from apps.documents.junk import document_junk
from apps.documents.models import Document, Event, Source
from apps.documents.reading import document_read
from apps.documents.services import document_ingest
from tests import factories
from tests.access import cases, check_access
from tests.connections.conftest import ready_document
from tests.inbox import mails

pytestmark = pytest.mark.django_db

# anonymous, outsider, accountant of another office, member, linked accountant, owner
MATRIX = [
    ("get", {}, [302, 404, 404, 200, 403, 200]),  # the question
    ("post", {"confirmed": "yes"}, [302, 404, 404, 302, 403, 302]),  # confirmed
]


def _url(company, document, name: str = "documents:document-junk") -> str:
    kwargs = {"company_id": company.public_id, "document_id": document.public_id}
    return reverse(name, kwargs=kwargs)


def _arrived(company, label: str = "junk", source: str = Source.FORWARDING) -> Document:
    with company_scope(company):
        result = document_ingest(
            company=company, data=mails.pdf(label), filename="reclame.pdf", source=source
        )
    assert result.document is not None
    return result.document


def _usage(company) -> int:
    with company_scope(company):
        return usage_get(company=company).documents


@pytest.mark.parametrize(("method", "data", "role", "expected"), cases(MATRIX))
def test_access_matrix(method, data, role, expected, request, company):
    document = _arrived(company)

    check_access(
        request,
        role,
        method,
        _url(company, document),
        data,
        expected=expected,
        unchanged=lambda: sorted(Document.objects.values_list("pk", "junk_at", "counted_month")),
        wrote=(
            (lambda: Document.objects.filter(pk=document.pk, junk_at__isnull=False).exists())
            if method == "post"
            else None
        ),
    )


def test_the_owner_is_asked_first_then_the_document_leaves_every_list(company, owner, client_for):
    # given a document that arrived by the forwarding address, and another
    document = _arrived(company)
    kept = _arrived(company, "kept")
    client = client_for(owner)
    detail = client.get(_url(company, document, "documents:document-detail")).content.decode()
    assert "Delete as junk" in detail
    # when the owner opens "Delete as junk", then posts without confirming
    question = client.get(_url(company, document)).content.decode()
    assert "Delete as junk?" in question
    assert client.post(_url(company, document)).status_code == 200
    with company_scope(company):
        assert Document.objects.get(pk=document.pk).junk_at is None
    # and confirms
    response = client.post(_url(company, document), {"confirmed": "yes"}, follow=True)
    # then it is gone from the list, the API and its own page; its original is kept
    page = response.content.decode()
    assert "Deleted as junk" in page
    assert "not counted in your plan" in page
    list_url = reverse("documents:document-list", kwargs={"company_id": company.public_id})
    listed = client.get(list_url).content.decode()
    assert str(kept.public_id) in listed
    assert str(document.public_id) not in listed
    assert client.get(_url(company, document, "documents:document-detail")).status_code == 404
    assert client.get(_url(company, document, "documents:document-original")).status_code == 404
    api = APIClient()
    api.force_authenticate(owner)
    results = api.get(f"/api/v1/companies/{company.public_id}/documents/").json()["results"]
    assert [row["id"] for row in results] == [str(kept.public_id)]
    with company_scope(company):
        junk = Document.objects.get(pk=document.pk)
        assert junk.junked_by == owner
        assert junk.original.read().startswith(b"%PDF")
        assert Event.objects.filter(document=junk, action=Event.Action.JUNKED).exists()


def test_its_count_is_given_back_to_its_month_once(company, owner):
    # given two documents collected this month
    document = _arrived(company)
    _arrived(company, "other")
    assert _usage(company) == 2
    # when one is deleted as junk, and the same is tried again
    with company_scope(company):
        assert document_junk(document=document, actor=owner)
        with pytest.raises(DomainError):
            document_junk(document=document, actor=owner)
        # then the month counts one, and the document no longer remembers a counted month
        assert Document.objects.get(pk=document.pk).counted_month is None
    assert _usage(company) == 1


def test_after_the_grace_period_its_count_stays(company, owner, settings):
    settings.BILLING_JUNK_GRACE_HOURS = 72
    # given a document collected on 1 December
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC)):
        document = _arrived(company)
    # when it is deleted as junk four days later
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, tzinfo=datetime.UTC)):
        with company_scope(company):
            released = document_junk(document=document, actor=owner)
        # then it is junk all the same, still counted (and billed) in December
        assert not released
        assert _usage(company) == 1
        with company_scope(company):
            junk = Document.objects.get(pk=document.pk)
        assert junk.junk_at is not None
        assert junk.counted_month == datetime.date(2026, 12, 1)


def test_a_release_never_takes_a_month_below_zero(company):
    with company_scope(company):
        DocumentUsage.objects.create(company=company, month=usage_month(), documents=0)
        assert not usage_release(company=company, month=usage_month())
        assert usage_get(company=company).documents == 0


def test_a_document_not_counted_gives_nothing_back(company, owner):
    # given an e-invoice received over Peppol (never counted) and a collected document
    peppol = _arrived(company, "peppol", source=Source.PEPPOL)
    _arrived(company, "collected")
    with company_scope(company):
        assert not document_junk(document=peppol, actor=owner)
    assert _usage(company) == 1


def test_a_document_the_accountant_received_cannot_be_junked(company, owner, client_for):
    # given a document sent to the accountant
    document = factories.DocumentFactory(
        company=company,
        status=Document.Status.DELIVERED,
        delivered_at=datetime.datetime(2026, 11, 3, tzinfo=datetime.UTC),
        delivered_version=1,
    )
    client = client_for(owner)
    detail = client.get(_url(company, document, "documents:document-detail")).content.decode()
    assert "it can't be deleted as junk any more" in detail
    # when the owner tries all the same
    response = client.post(_url(company, document), {"confirmed": "yes"}, follow=True)
    # then it says why, and nothing changed
    assert "already sent to your accountant" in response.content.decode()
    with company_scope(company):
        assert Document.objects.get(pk=document.pk).junk_at is None


def test_a_junked_document_leaves_the_transfer(company, owner):
    # given a ready document waiting to be sent to the accountant
    factories.TransferFactory(company=company)
    document = ready_document(company)
    with company_scope(company):
        delivery = Delivery.objects.get(document=document)
        assert delivery.status == Delivery.Status.PENDING
        # when it is deleted as junk
        document_junk(document=document, actor=owner)
        delivery.refresh_from_db()
        # then its delivery is cancelled with the reason, and a send finds nothing to do
        assert delivery.status == Delivery.Status.CANCELLED
        assert delivery.problems[0]["code"] == "junk"
        assert delivery_send(company=company, delivery_id=delivery.pk) is None
        # nor does saving the transfer again plan it
        transfer_save(company=company, actor=owner, general_address="boekhouder@kantoor.example")
        assert Delivery.objects.filter(document=document).count() == 1


def test_a_delivery_that_missed_the_junking_is_cancelled_when_its_turn_comes(company):
    # given a delivery waiting to be sent, and its document marked junk behind its back
    factories.TransferFactory(company=company)
    document = ready_document(company)
    with company_scope(company):
        Document.objects.filter(pk=document.pk).update(junk_at=datetime.datetime.now(datetime.UTC))
        delivery = Delivery.objects.get(document=document)
        # when the send step takes it
        sent = delivery_send(company=company, delivery_id=delivery.pk)
    # then it is cancelled, never sent
    assert sent is not None
    assert sent.status == Delivery.Status.CANCELLED
    assert sent.sent_at is None


def test_a_document_on_its_way_to_the_accountant_cannot_be_junked(company, owner):
    factories.TransferFactory(company=company)
    document = ready_document(company)
    with company_scope(company):
        Delivery.objects.filter(document=document).update(status=Delivery.Status.SENDING)
        with pytest.raises(DomainError, match="already sent to your accountant"):
            document_junk(document=document, actor=owner)
        assert Document.objects.get(pk=document.pk).junk_at is None
        assert Delivery.objects.get(document=document).status == Delivery.Status.SENDING


def test_a_junked_document_is_not_read(company, owner):
    # given a document junked before its reading started
    document = _arrived(company)
    with company_scope(company):
        document_junk(document=document, actor=owner)
        # when the reading task runs
        document_read(company_id=company.pk, document_id=document.pk)
        # then it was not read, and it never becomes ready
        assert Document.objects.get(pk=document.pk).status == Document.Status.RECEIVED
