"""Sending invoices over Peppol exactly once, through the access point's documented contract.

The access point is a loopback stand-in of Recommand's API (tests/fakes/recommand.py, its
shapes pinned by the contract fixtures); the SML and SMP are loopback stand-ins too. Sends
run in the worker's task (eager here); what the access point received is read from it."""

import datetime
import hashlib

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.companies.scoping import company_scope
from apps.core.errors import DomainError
from apps.peppol.models import Transmission
from apps.peppol.services import transmission_queue, transmission_reconcile, transmissions_sweep
from apps.sales.models import Dispatch, Invoice
from apps.sales.services.invoices import credit_note_create, invoice_issue
from apps.sales.services.sending import invoice_send
from tests.events import run_events
from tests.peppol.conftest import INVOICE
from tests.peppol.parties import customer_on_peppol, issued, registered, seller_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(company, peppol_network, access_point):
    seller_details(company)
    registered(company, access_point)
    return company


def _send(invoice, owner, capture, **options) -> Dispatch:
    with capture(execute=True), company_scope(invoice.company):
        return invoice_send(invoice=invoice, actor=owner, **options)


def _transmission(company) -> Transmission:
    with company_scope(company):
        return Transmission.objects.get()


def test_an_invoice_to_a_customer_on_peppol_goes_over_peppol_once_with_its_message_id(
    seller, owner, peppol_network, access_point, django_capture_on_commit_callbacks
):
    invoice = issued(seller, owner, customer_on_peppol(seller, peppol_network))
    dispatch = _send(invoice, owner, django_capture_on_commit_callbacks)
    assert dispatch.channel == "peppol"
    assert dispatch.to == f"0208:{invoice.customer.enterprise_number}"
    transmission = _transmission(seller)
    assert transmission.status == Transmission.Status.SENT
    assert transmission.peppol_message_id
    # the exact bytes issued are the bytes sent and kept, with their hash
    with company_scope(seller):
        issued_ubl = invoice.ubl.open("rb").read()
        kept = transmission.xml.open("rb").read()
    [outgoing] = access_point.outgoing()
    assert kept == issued_ubl == outgoing["xml"].encode()
    assert transmission.sha256 == hashlib.sha256(issued_ubl).hexdigest()
    assert access_point.sends() == 1
    run_events()  # the invoice follows its transmission
    with company_scope(seller):
        invoice.refresh_from_db()
    assert invoice.sent_at is not None
    assert invoice.send_channel == Invoice.Channel.PEPPOL


def test_the_same_invoice_is_not_sent_twice_while_on_its_way_or_sent(
    seller, owner, peppol_network, access_point, django_capture_on_commit_callbacks
):
    invoice = issued(seller, owner, customer_on_peppol(seller, peppol_network))
    _send(invoice, owner, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError, match="already on its way"):
        _send(invoice, owner, django_capture_on_commit_callbacks)
    assert access_point.sends() == 1
    with company_scope(seller):
        assert Dispatch.objects.filter(invoice=invoice).count() == 1


def test_a_refusal_by_the_access_point_is_failed_with_its_reason_in_plain_words(
    seller, owner, peppol_network, access_point, client_for, django_capture_on_commit_callbacks
):
    invoice = issued(seller, owner, customer_on_peppol(seller, peppol_network))
    access_point.fail_next(
        400,
        body={
            "success": False,
            "errors": {"document": ["BR-CO-15: Invoice total amount with VAT = total + VAT"]},
        },
    )
    _send(invoice, owner, django_capture_on_commit_callbacks)
    transmission = _transmission(seller)
    assert transmission.status == Transmission.Status.FAILED
    assert any("BR-CO-15" in error for error in transmission.errors)
    page = client_for(owner).get(
        reverse(
            "sales:invoice-detail",
            kwargs={"company_id": seller.public_id, "invoice_id": invoice.public_id},
        )
    )
    text = page.content.decode()
    assert "The Peppol access point refused it" in text
    # the rule is explained, not quoted
    assert "BR-CO-15: Invoice total" not in text
    assert access_point.outgoing() == []


def test_a_lost_answer_is_reconciled_with_the_access_point_without_a_second_send(
    seller, owner, peppol_network, access_point, settings, django_capture_on_commit_callbacks
):
    settings.PEPPOL_SEND_TIMEOUT = 1
    invoice = issued(seller, owner, customer_on_peppol(seller, peppol_network))
    access_point.fail_next(timeout=3)  # the access point sends it, its answer comes too late
    _send(invoice, owner, django_capture_on_commit_callbacks)
    transmission = _transmission(seller)
    assert transmission.status == Transmission.Status.UNKNOWN
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        transmissions_sweep()  # asks the access point before anything else
    transmission.refresh_from_db()
    assert transmission.status == Transmission.Status.SENT
    assert transmission.peppol_message_id == access_point.outgoing()[0]["peppolMessageId"]
    assert access_point.sends() == 1
    assert len(access_point.outgoing()) == 1


def test_a_send_the_access_point_never_recorded_goes_once_more_after_checking(
    seller, owner, peppol_network, access_point, django_capture_on_commit_callbacks
):
    invoice = issued(seller, owner, customer_on_peppol(seller, peppol_network))
    access_point.fail_next(502)  # a proxy's error: did it get there? the reconciler asks
    _send(invoice, owner, django_capture_on_commit_callbacks)
    transmission = _transmission(seller)
    assert transmission.status == Transmission.Status.UNKNOWN
    with company_scope(seller):
        # not due yet: nothing is asked, nothing is sent
        assert transmission_reconcile(company=seller, transmission_id=transmission.pk) is None
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        transmissions_sweep()
    transmission.refresh_from_db()
    assert transmission.status == Transmission.Status.SENT
    assert len(access_point.outgoing()) == 1
    assert [entry["what"] for entry in transmission.history] == [
        "queued",
        "unknown",
        "not_received",
        "sent",
    ]


def test_an_access_point_out_of_reach_keeps_the_invoice_queued_and_sends_it_later(
    seller, owner, peppol_network, access_point, settings, django_capture_on_commit_callbacks
):
    invoice = issued(seller, owner, customer_on_peppol(seller, peppol_network))
    reachable = settings.PEPPOL_API_URL
    settings.PEPPOL_API_URL = "http://127.0.0.1:9/api/v1"  # nothing listens there
    _send(invoice, owner, django_capture_on_commit_callbacks)
    transmission = _transmission(seller)
    assert transmission.status == Transmission.Status.QUEUED
    assert transmission.next_attempt_at is not None
    settings.PEPPOL_API_URL = reachable
    with time_machine.travel(transmission.next_attempt_at + datetime.timedelta(seconds=1)):
        transmissions_sweep()
    transmission.refresh_from_db()
    assert transmission.status == Transmission.Status.SENT
    assert access_point.sends() == 1


def test_ubl_that_fails_the_peppol_rules_never_reaches_the_access_point(
    seller, access_point, django_capture_on_commit_callbacks
):
    with company_scope(seller), pytest.raises(DomainError, match="does not pass the Peppol"):
        transmission_queue(
            company=seller,
            subject="invoice:test",
            reference="2026-0001",
            receiver="0208:0403170701",
            xml=b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>",
        )
    assert access_point.sends() == 0


def test_a_customer_not_on_peppol_gets_the_invoice_by_email(
    seller, owner, peppol_network, access_point, smtp, django_capture_on_commit_callbacks
):
    customer = customer_on_peppol(seller, peppol_network)
    peppol_network[0].smp_of.clear()  # not on Peppol after all
    invoice = issued(seller, owner, customer)
    dispatch = _send(invoice, owner, django_capture_on_commit_callbacks)
    assert dispatch.channel == "email"
    assert smtp.wait_for(1)
    assert access_point.sends() == 0


def test_the_user_can_send_by_email_although_the_customer_is_on_peppol(
    seller, owner, peppol_network, access_point, smtp, django_capture_on_commit_callbacks
):
    invoice = issued(seller, owner, customer_on_peppol(seller, peppol_network))
    dispatch = _send(invoice, owner, django_capture_on_commit_callbacks, by_email=True)
    assert dispatch.channel == "email"
    assert smtp.wait_for(1)
    assert access_point.sends() == 0


def test_a_credit_note_goes_by_email_to_a_customer_who_receives_only_invoices_on_peppol(
    seller, owner, peppol_network, access_point, client_for, django_capture_on_commit_callbacks
):
    customer = customer_on_peppol(seller, peppol_network, types=(INVOICE,))
    invoice = issued(seller, owner, customer)
    with company_scope(seller):
        note = invoice_issue(invoice=credit_note_create(invoice=invoice), actor=owner)
    client = client_for(owner)
    url = reverse(
        "sales:invoice-detail",
        kwargs={"company_id": seller.public_id, "invoice_id": note.public_id},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url)  # the customer's status is asked of a worker
    assert "does not receive credit notes there" in client.get(url).content.decode()


def test_the_invoice_page_says_it_goes_over_peppol_and_why_before_sending(
    seller, owner, peppol_network, access_point, client_for, django_capture_on_commit_callbacks
):
    invoice = issued(seller, owner, customer_on_peppol(seller, peppol_network))
    client = client_for(owner)
    url = reverse(
        "sales:invoice-detail",
        kwargs={"company_id": seller.public_id, "invoice_id": invoice.public_id},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url)  # the customer's status is asked of a worker
    text = client.get(url).content.decode()
    assert "Send over Peppol" in text
    assert f"The customer is on Peppol as 0208:{invoice.customer.enterprise_number}" in text
    assert "Send by e-mail instead" in text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse(
                "sales:invoice-send",
                kwargs={"company_id": seller.public_id, "invoice_id": invoice.public_id},
            )
        )
    listing = client.get(reverse("sales:invoice-list", kwargs={"company_id": seller.public_id}))
    assert "Peppol: sent" in listing.content.decode()
