"""The flows between documents, the transfer and the bank: each app changes its own tables
and announces it; the other follows once the announcement is dispatched (after the commit,
or by the sweeper when that dispatch was lost)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.banking.models import MatchState
from apps.companies.scoping import company_scope
from apps.connections import services
from apps.connections.models import Delivery
from apps.documents.models import Document, Event, Kind
from apps.documents.services import document_set_status
from apps.outbox.models import OutboxEvent, Topic
from apps.outbox.services import SWEEP_GRACE_SECONDS, outbox_sweep
from tests import factories
from tests.banking import parties
from tests.connections.conftest import ready_document
from tests.events import run_events

pytestmark = pytest.mark.django_db


def _waiting_topics(company) -> list[str]:
    with company_scope(company):
        return list(
            OutboxEvent.objects.filter(dispatched_at__isnull=True).values_list("topic", flat=True)
        )


def test_the_transfer_announces_a_sent_delivery_and_the_document_follows(company, smtp):
    factories.TransferFactory(company=company)
    document = ready_document(company)
    with company_scope(company):
        [delivery] = Delivery.objects.all()
        services.delivery_send(company=company, delivery_id=delivery.pk)
        document.refresh_from_db()
        # sent, and announced; the document's tables are not the transfer's to write
        assert document.status == Document.Status.READY
        assert document.delivered_version is None
        assert not Event.objects.filter(document=document, data__status="sent").exists()
    assert _waiting_topics(company) == [Topic.DELIVERY_CHANGED]
    run_events()
    with company_scope(company):
        document.refresh_from_db()
        assert document.status == Document.Status.DELIVERED
        assert document.delivered_version == document.content_version == 1
        assert document.delivered_at is not None
        sent = Event.objects.get(document=document, data__status="sent")
        assert sent.data["address"] == delivery.destination
    assert _waiting_topics(company) == []


def test_a_ready_document_whose_dispatch_was_lost_gets_its_delivery_from_the_sweeper(company):
    factories.TransferFactory(company=company)
    document = ready_document(company, dispatch=False)  # the process died before dispatching
    with company_scope(company):
        assert not Delivery.objects.filter(document=document).exists()
    assert outbox_sweep() == 0  # its dispatch may still be on its way
    later = timezone.now() + timedelta(seconds=SWEEP_GRACE_SECONDS + 1)
    with time_machine.travel(later):
        assert outbox_sweep() == 1
    with company_scope(company):
        assert Delivery.objects.get(document=document).status == Delivery.Status.PENDING


def test_a_document_taken_back_before_its_event_is_dispatched_gets_no_delivery(company):
    factories.TransferFactory(company=company)
    document = ready_document(company, dispatch=False)
    with company_scope(company):
        Document.objects.filter(pk=document.pk).update(status=Document.Status.NEEDS_REVIEW)
    run_events()
    with company_scope(company):
        assert not Delivery.objects.filter(document=document).exists()


def test_a_purchase_invoice_read_after_its_payment_is_matched_with_it(
    company, django_capture_on_commit_callbacks
):
    row = parties.transaction(company, "-363.00", reference="090933755493", name="Peeters")
    with company_scope(company):
        document = factories.DocumentFactory(
            company=company,
            kind=Kind.PURCHASE_INVOICE,
            status=Document.Status.NEEDS_REVIEW,
            total_incl_vat=Decimal("363.00"),
            structured_communication="090933755493",
        )
        with django_capture_on_commit_callbacks(execute=True):
            document_set_status(document=document, status=Document.Status.READY)
            run_events()
        row.refresh_from_db()
        document.refresh_from_db()
    assert row.match_state == MatchState.MATCHED
    assert document.payment_state == "paid"
