"""Receiving e-invoices over Peppol: the access point's webhook is a signed hint, the
document is fetched with our credentials, kept byte for byte, acknowledged only once
stored, and becomes a document that goes to the accountant with the UBL as received.

The access point is a loopback stand-in of Recommand's API (tests/fakes/recommand.py); its
webhook calls are replayed into our endpoint with the headers it signed, as it sends them."""

import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from apps.billing.models import DocumentUsage
from apps.companies.scoping import company_scope
from apps.documents.models import Document, Source
from apps.peppol.models import InboundCall, Reception, Transmission
from apps.peppol.services import inbound_poll
from apps.sales.services.sending import invoice_send
from tests import factories
from tests.connections.conftest import OCTOPUS
from tests.events import run_events
from tests.peppol.parties import (
    customer_on_peppol,
    issued,
    received_ubl,
    registered,
    seller_details,
)

pytestmark = pytest.mark.django_db
WEBHOOK = "/peppol/webhook/"


@pytest.fixture
def ours(company, peppol_network, access_point):
    seller_details(company)
    return registered(company, access_point)


def _signed(body: bytes, key: str, secret: str = "whsec_test") -> dict[str, str]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"HTTP_X_IDEMPOTENCY_KEY": key, "HTTP_X_SIGNATURE": f"sha256={signature}"}


def _arrives(access_point, registration, xml: bytes) -> tuple[bytes, str]:
    """The access point receives ``xml`` for us; the webhook call it makes (body and key)."""
    access_point.drop_webhooks()  # we play its call ourselves, into the test's database
    arrived = access_point.inbound(registration.ap_company_id, xml.decode())
    body = json.dumps(
        {
            "eventType": "document.received",
            "documentId": arrived["documentId"],
            "teamId": "team_test",
            "companyId": registration.ap_company_id,
        }
    ).encode()
    return body, f"delivery_{arrived['documentId']}"


def _webhook(client, body: bytes, headers: dict[str, str], capture):
    with capture(execute=True):
        response = client.post(WEBHOOK, data=body, content_type="application/json", **headers)
    return response


def test_a_received_einvoice_becomes_a_document_kept_byte_for_byte_and_acknowledged(
    company, ours, access_point, client, django_capture_on_commit_callbacks
):
    xml = received_ubl(company)
    body, key = _arrives(access_point, ours, xml)
    response = _webhook(client, body, _signed(body, key), django_capture_on_commit_callbacks)
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        run_events()
    with company_scope(company):
        reception = Reception.objects.get()
        document = Document.objects.get(pk=reception.document_id)
        assert document.source == Source.PEPPOL
        assert document.original.open("rb").read() == xml
        assert reception.xml.open("rb").read() == xml
        assert reception.acknowledged_at is not None
        # a received e-invoice is the company's own post, not a collected document
        assert not DocumentUsage.objects.filter(company=company).exists()
    incoming = [
        d for d in access_point.state()["documents"].values() if d["direction"] != "outgoing"
    ]
    assert [d["readAt"] is not None for d in incoming] == [True]  # acknowledged at the partner


def test_the_same_webhook_twice_is_one_document(
    company, ours, access_point, client, django_capture_on_commit_callbacks
):
    body, key = _arrives(access_point, ours, received_ubl(company))
    first = _webhook(client, body, _signed(body, key), django_capture_on_commit_callbacks)
    again = _webhook(client, body, _signed(body, key), django_capture_on_commit_callbacks)
    assert first.json()["duplicate"] is False
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    run_events()
    inbound_poll()  # and the poll finds nothing more
    run_events()
    with company_scope(company):
        assert Reception.objects.count() == 1
        assert Document.objects.filter(source=Source.PEPPOL).count() == 1


def test_a_webhook_with_a_bad_signature_is_refused_and_nothing_is_stored(
    company, ours, access_point, client, django_capture_on_commit_callbacks
):
    body, key = _arrives(access_point, ours, received_ubl(company))
    forged = _webhook(
        client, body, _signed(body, key, secret="guessed"), django_capture_on_commit_callbacks
    )
    unsigned = _webhook(
        client, body, {"HTTP_X_IDEMPOTENCY_KEY": key}, django_capture_on_commit_callbacks
    )
    assert forged.status_code == 401
    assert unsigned.status_code == 401
    assert not InboundCall.objects.exists()
    with company_scope(company):
        assert not Reception.objects.exists()


def test_a_lost_webhook_is_made_up_for_by_the_poll(
    company, ours, access_point, django_capture_on_commit_callbacks
):
    _arrives(access_point, ours, received_ubl(company))  # its webhook never comes
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_poll() == 1
        run_events()
    with company_scope(company):
        assert Document.objects.filter(source=Source.PEPPOL).count() == 1
    assert inbound_poll() == 0  # acknowledged: not fetched again


def test_a_received_invoice_goes_to_the_accountants_purchase_address_as_received(
    company, ours, access_point, client, smtp, django_capture_on_commit_callbacks
):
    factories.TransferFactory(company=company)
    xml = received_ubl(company)
    body, key = _arrives(access_point, ours, xml)
    _webhook(client, body, _signed(body, key), django_capture_on_commit_callbacks)
    for _step in range(4):  # the document, its reading, its delivery, the delivery's news
        with django_capture_on_commit_callbacks(execute=True):
            run_events()
    with company_scope(company):
        document = Document.objects.get(source=Source.PEPPOL)
        assert document.status == Document.Status.DELIVERED, document.problems
    [mail] = smtp.wait_for(1)
    assert mail.rcpt_tos == [OCTOPUS["purchases"]]
    attached = [part.get_payload(decode=True) for part in mail.message.iter_attachments()]
    assert xml in attached  # the UBL as the supplier sent it, not rebuilt


def test_an_einvoice_addressed_to_someone_else_is_kept_and_held_for_the_user(
    company, ours, access_point, client, django_capture_on_commit_callbacks
):
    stranger = factories.CompanyFactory(name="Someone Else BV")
    body, key = _arrives(access_point, ours, received_ubl(stranger))
    _webhook(client, body, _signed(body, key), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run_events()
    with company_scope(company):
        document = Document.objects.get(source=Source.PEPPOL)
        assert document.status == Document.Status.NEEDS_REVIEW
        assert [problem["code"] for problem in document.problems] == ["wrong_receiver"]


def test_an_invoice_response_goes_into_the_history_of_the_invoice_we_sent(
    company,
    owner,
    ours,
    peppol_network,
    access_point,
    client,
    client_for,
    django_capture_on_commit_callbacks,
):
    invoice = issued(company, owner, customer_on_peppol(company, peppol_network))
    with django_capture_on_commit_callbacks(execute=True), company_scope(company):
        invoice_send(invoice=invoice, actor=owner)
    response = RESPONSE.format(number=invoice.number, buyer=invoice.customer.enterprise_number)
    body, key = _arrives(access_point, ours, response.encode())
    _webhook(client, body, _signed(body, key), django_capture_on_commit_callbacks)
    with company_scope(company):
        transmission = Transmission.objects.get()
        assert transmission.history[-1]["what"] == "response"
        assert transmission.history[-1]["code"] == "AP"
        assert not Document.objects.filter(source=Source.PEPPOL).exists()
    page = client_for(owner).get(
        reverse(
            "sales:invoice-detail",
            kwargs={"company_id": company.public_id, "invoice_id": invoice.public_id},
        )
    )
    assert "accepted by the customer" in page.content.decode()


RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<ApplicationResponse xmlns="urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:invoice_response:3</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:invoice_response:3</cbc:ProfileID>
  <cbc:ID>imr-1</cbc:ID>
  <cbc:IssueDate>2026-12-07</cbc:IssueDate>
  <cac:SenderParty><cbc:EndpointID schemeID="0208">{buyer}</cbc:EndpointID></cac:SenderParty>
  <cac:ReceiverParty><cbc:EndpointID schemeID="0208">0403170701</cbc:EndpointID></cac:ReceiverParty>
  <cac:DocumentResponse>
    <cac:Response><cbc:ResponseCode>AP</cbc:ResponseCode></cac:Response>
    <cac:DocumentReference><cbc:ID>{number}</cbc:ID>
      <cbc:DocumentTypeCode>380</cbc:DocumentTypeCode></cac:DocumentReference>
  </cac:DocumentResponse>
</ApplicationResponse>
"""


def test_a_webhook_of_another_event_is_kept_but_fetches_nothing(
    company, ours, access_point, client, django_capture_on_commit_callbacks
):
    body = json.dumps(
        {"eventType": "document.sent", "documentId": "doc_ours", "companyId": ours.ap_company_id}
    ).encode()
    response = _webhook(
        client, body, _signed(body, "delivery_1"), django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert InboundCall.objects.get().event_type == "document.sent"
    with company_scope(company):
        assert not Reception.objects.exists()
    assert access_point.state()["requests"].get("documents", 0) == 0
