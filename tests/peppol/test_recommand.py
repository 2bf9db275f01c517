"""The Recommand adapter against the Recommand stand-in on loopback (tests/fakes/recommand.py),
built as OkiOki builds it: ``apps.peppol.clients.gateway()`` from the settings."""

import hashlib
import hmac
import socket
import time

import pytest

from apps.peppol.clients import gateway
from apps.peppol.clients.recommand import RecommandGateway
from apps.peppol.gateway import (
    CompanyIdentity,
    GatewayError,
    MigrationStatus,
    SendStatus,
    WebhookRefused,
)
from tests.fakes.recommand import AccessPoint
from tests.peppol.test_contract import Receiver

IDENTITY = CompanyIdentity(
    name="Boulangerie Dupont BV",
    street="Rue de la Loi 16",
    postal_code="1000",
    city="Brussel",
    country="BE",
    enterprise_number="0403170701",
    vat_number="BE0403170701",
    email="facturen@dupont.example",
)
CUSTOMER = "0208:0987654321"
UBL = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">'
    "<cbc:ID>{number}</cbc:ID>"
    "<cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity>"
    "<cbc:RegistrationName>{buyer}</cbc:RegistrationName>"
    "</cac:PartyLegalEntity></cac:Party></cac:AccountingCustomerParty></Invoice>"
)


def ubl(number: str, buyer: str = "Klant BV") -> bytes:
    return UBL.format(number=number, buyer=buyer).encode()


def partner() -> RecommandGateway:
    built = gateway()
    assert isinstance(built, RecommandGateway)
    return built


@pytest.fixture
def company_id(access_point: AccessPoint) -> str:
    return partner().register_company(IDENTITY).ap_company_id


def send(company_id: str, number: str, *, xml: bytes | None = None):  # type: ignore[no-untyped-def]
    return partner().send(
        company_id, xml=ubl(number) if xml is None else xml, recipient=CUSTOMER, reference=number
    )


# --- companies ----------------------------------------------------------------------------


def test_registers_a_company_with_its_verification_page(access_point: AccessPoint) -> None:
    registered = partner().register_company(IDENTITY)

    assert registered.ap_company_id.startswith("c_")
    assert registered.verified is False
    assert registered.verification_url.startswith(access_point.url + "/company-verification/")
    assert registered.identifiers == ("0208:0403170701", "9925:BE0403170701")
    stored = access_point.state()["companies"][registered.ap_company_id]
    assert (stored["enterpriseNumber"], stored["email"]) == ("0403170701", IDENTITY.email)


def test_company_status_follows_the_verification(
    access_point: AccessPoint, company_id: str
) -> None:
    assert partner().company_status(company_id).verified is False

    access_point.verify_company(company_id)

    status = partner().company_status(company_id)
    assert status.verified is True
    assert status.identifiers == ("0208:0403170701", "9925:BE0403170701")


def test_migration_waits_for_the_verification(access_point: AccessPoint, company_id: str) -> None:
    status = partner().request_migration(company_id, "0208:0403170701", "Ab12$#xyZ9!kLm")

    assert status == MigrationStatus.PENDING
    access_point.verify_company(company_id)
    assert access_point.state()["migrations"][0]["status"] == "completed"
    # once verified, a migration runs at once (the VAT identifier, matched without case)
    status = partner().request_migration(company_id, "9925:be0403170701", "Cd34%&uvW8?j")
    assert status == MigrationStatus.COMPLETED


def test_a_refused_migration_key_is_not_temporary(
    access_point: AccessPoint, company_id: str
) -> None:
    with pytest.raises(GatewayError, match="required format") as refused:
        partner().request_migration(company_id, "0208:0403170701", "abcdefghij")
    assert refused.value.temporary is False
    with pytest.raises(GatewayError, match="no_identifier") as unknown:
        partner().request_migration(company_id, "0208:0000000097", "Ab12$#xyZ9!kLm")
    assert unknown.value.temporary is False


def test_deregisters_a_company_once_and_again(access_point: AccessPoint, company_id: str) -> None:
    partner().deregister_company(company_id)
    partner().deregister_company(company_id)

    assert company_id not in access_point.state()["companies"]
    with pytest.raises(GatewayError) as gone:
        partner().company_status(company_id)
    assert (gone.value.temporary, gone.value.status) == (False, 404)


def test_wrong_credentials_are_not_temporary(access_point: AccessPoint, settings) -> None:
    settings.PEPPOL_API_SECRET = "wrong"

    with pytest.raises(GatewayError, match="Unauthorized") as refused:
        partner().register_company(IDENTITY)

    assert (refused.value.temporary, refused.value.status) == (False, 401)
    assert access_point.state()["companies"] == {}


def test_a_partner_error_is_temporary(access_point: AccessPoint, company_id: str) -> None:
    access_point.fail_next(503, route="inbox")

    with pytest.raises(GatewayError) as failed:
        partner().list_unacked_inbound(company_id)

    assert (failed.value.temporary, failed.value.status) == (True, 503)


# --- lookup -------------------------------------------------------------------------------


def test_lookup_trusts_only_a_yes(access_point: AccessPoint) -> None:
    access_point.participant(CUSTOMER)

    found = partner().lookup(CUSTOMER)
    unknown = partner().lookup("0208:0000000097")

    assert found.registered is True
    assert len(found.document_types) == 2
    # Recommand's verify says "not valid" on its own errors too: unknown, not "not on Peppol"
    assert unknown.registered is None
    assert unknown.problem


# --- sending ------------------------------------------------------------------------------


def test_sends_and_answers_the_ids(access_point: AccessPoint, company_id: str) -> None:
    result = send(company_id, "INV-2026-0001")

    assert result.status == SendStatus.SENT
    [recorded] = access_point.outgoing()
    assert (result.ap_document_id, result.peppol_message_id) == (
        recorded["id"],
        recorded["peppolMessageId"],
    )
    assert recorded["receiverId"] == CUSTOMER
    assert recorded["xml"].encode() == ubl("INV-2026-0001")


def test_validation_findings_refuse_the_document(
    access_point: AccessPoint, company_id: str
) -> None:
    access_point.fail_next(400)
    refused = send(company_id, "INV-2026-0002")
    empty_number = send(company_id, "")
    broken = send(company_id, "INV-2026-0003", xml=b"<Invoice><cbc:ID>")

    assert refused.status == SendStatus.REFUSED
    assert refused.errors == ("BR-CO-15: VAT total wrong",)
    assert refused.code == "refused"
    assert refused.detail.startswith("Document validation failed.")
    assert empty_number.status == SendStatus.REFUSED
    assert empty_number.errors[0].startswith("BR-02: ")
    assert broken.status == SendStatus.REFUSED
    assert "could not be detected" in broken.detail
    assert access_point.outgoing() == []


def test_an_undeliverable_document_is_refused(access_point: AccessPoint, company_id: str) -> None:
    access_point.fail_next(422)

    result = send(company_id, "INV-2026-0004")

    assert result.status == SendStatus.REFUSED
    assert "Failed to send document over Peppol network" in result.detail


def test_an_unverified_company_of_a_strict_team_is_refused(
    access_point: AccessPoint, company_id: str
) -> None:
    access_point.strict()

    result = send(company_id, "INV-2026-0005")

    assert result.status == SendStatus.REFUSED
    assert (result.code, result.params["status"]) == ("refused_status", 403)
    assert result.detail.startswith("Company must be verified")


def test_a_server_error_leaves_the_send_unknown(access_point: AccessPoint, company_id: str) -> None:
    access_point.fail_next(500)

    result = send(company_id, "INV-2026-0006")

    assert result.status == SendStatus.UNKNOWN
    assert access_point.sends() == 1


def test_a_timeout_leaves_the_send_unknown_and_find_sent_finds_it(
    access_point: AccessPoint, company_id: str, settings
) -> None:
    settings.PEPPOL_SEND_TIMEOUT = 1
    access_point.fail_next(timeout=5)

    started = time.monotonic()
    result = send(company_id, "INV-2026-0007")

    assert time.monotonic() - started < 4
    assert result.status == SendStatus.UNKNOWN
    found = partner().find_sent(company_id, "INV-2026-0007")
    assert found is not None
    assert found.ap_document_id == access_point.outgoing()[0]["id"]
    assert found.sent_at is not None
    assert access_point.sends() == 1


def test_a_reset_after_sending_leaves_the_send_unknown(
    access_point: AccessPoint, company_id: str
) -> None:
    access_point.fail_next(reset=True)

    result = send(company_id, "INV-2026-0010")

    assert result.status == SendStatus.UNKNOWN
    assert partner().find_sent(company_id, "INV-2026-0010") is not None


def test_an_unreadable_answer_leaves_the_send_unknown(
    access_point: AccessPoint, company_id: str
) -> None:
    access_point.fail_next(200, body="<html>Welcome</html>")

    result = send(company_id, "INV-2026-0011")

    assert result.status == SendStatus.UNKNOWN
    assert (result.code, result.detail) == ("unreadable", "")


def test_find_sent_wants_the_number_exactly(access_point: AccessPoint, company_id: str) -> None:
    tenth = send(company_id, "INV-10")
    send(company_id, "X-1", xml=ubl("X-1", buyer="INV-1 BV"))

    assert partner().find_sent(company_id, "INV-1") is None  # INV-10 and "INV-1 BV" are hits
    found = partner().find_sent(company_id, "INV-10")
    assert found is not None
    assert found.ap_document_id == tenth.ap_document_id
    assert partner().find_sent("c_ANOTHER", "INV-10") is None


def test_a_partner_that_is_down_has_not_received_the_send(
    access_point: AccessPoint, company_id: str, settings
) -> None:
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        closed_port = hole.getsockname()[1]
    settings.PEPPOL_API_URL = f"http://127.0.0.1:{closed_port}/api/v1"

    result = send(company_id, "INV-2026-0008")
    settings.PEPPOL_API_URL = "app.recommand.example/api/v1"  # no scheme: a wrong setting
    misconfigured = send(company_id, "INV-2026-0008")

    assert result.status == SendStatus.NOT_SENT
    assert misconfigured.status == SendStatus.NOT_SENT
    settings.PEPPOL_API_URL = f"http://127.0.0.1:{closed_port}/api/v1"
    with pytest.raises(GatewayError) as unreachable:
        partner().find_sent(company_id, "INV-2026-0008")
    assert unreachable.value.temporary is True


# --- receiving ----------------------------------------------------------------------------

ODD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">\r\n'
    b"  <cbc:ID>F\xc3\xa9-2026/\xe2\x82\xac1</cbc:ID>\r\n"
    b"  <cbc:Note>Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9e \xe2\x80\x94 \xf0\x9f\x8d\xae</cbc:Note>\r\n"
    b"</Invoice>\r\n"
)


def test_fetches_a_received_document_byte_for_byte(
    access_point: AccessPoint, company_id: str
) -> None:
    arrived = access_point.inbound(company_id, ODD.decode(), sender_id=CUSTOMER)

    document = partner().fetch_inbound(arrived["documentId"])

    assert document.xml == ODD
    assert (document.ap_company_id, document.sender, document.receiver) == (
        company_id,
        CUSTOMER,
        "0208:0403170701",
    )
    assert document.peppol_message_id
    assert "Invoice-2::Invoice" in document.document_type


def test_an_outgoing_document_is_not_fetched_as_received(
    access_point: AccessPoint, company_id: str
) -> None:
    sent = send(company_id, "INV-2026-0009")

    with pytest.raises(GatewayError, match="not_incoming"):
        partner().fetch_inbound(sent.ap_document_id)


def test_acknowledged_documents_leave_the_unacked_list(
    access_point: AccessPoint, company_id: str
) -> None:
    access_point.drop_webhooks()
    first = access_point.inbound(company_id, ubl("A-1").decode())
    second = access_point.inbound(company_id, ubl("A-2").decode())
    other = partner().register_company(IDENTITY).ap_company_id
    access_point.inbound(other, ubl("B-1").decode())

    assert first["delivery"] is None
    assert sorted(partner().list_unacked_inbound(company_id)) == sorted(
        [first["documentId"], second["documentId"]]
    )
    partner().ack_inbound(first["documentId"])
    assert partner().list_unacked_inbound(company_id) == [second["documentId"]]


# --- webhooks -----------------------------------------------------------------------------


@pytest.fixture
def receiver(access_point: AccessPoint):  # type: ignore[no-untyped-def]
    received = Receiver()
    access_point.webhook_url(received.url)
    try:
        yield received
    finally:
        received.stop()


def test_reads_a_signed_webhook(
    access_point: AccessPoint, company_id: str, receiver: Receiver
) -> None:
    arrived = access_point.inbound(company_id, ubl("W-1").decode())
    headers, body = receiver.calls[0]

    call = partner().read_webhook(headers, body)

    assert arrived["delivery"]["status"] == 200
    assert call.key == headers["X-Idempotency-Key"]
    assert (call.event_type, call.ap_document_id, call.ap_company_id) == (
        "document.received",
        arrived["documentId"],
        company_id,
    )
    # header names in any case (WSGI and proxies change them)
    lowered = {name.upper(): value for name, value in headers.items()}
    assert partner().read_webhook(lowered, body) == call


def test_a_redelivered_webhook_has_the_same_key(
    access_point: AccessPoint, company_id: str, receiver: Receiver
) -> None:
    access_point.inbound(company_id, ubl("W-2").decode())
    access_point.redeliver()

    calls = [partner().read_webhook(headers, body) for headers, body in receiver.calls]

    assert len(calls) == 2
    assert calls[0] == calls[1]


def test_refuses_a_webhook_with_a_wrong_or_no_signature(
    access_point: AccessPoint, company_id: str, receiver: Receiver
) -> None:
    access_point.inbound(company_id, ubl("W-3").decode())
    headers, body = receiver.calls[0]
    tampered = body.replace(b"document.received", b"document.receivee")
    unsigned = {k: v for k, v in headers.items() if k.lower() != "x-signature"}
    other_secret = "sha256=" + hmac.new(b"other", body, hashlib.sha256).hexdigest()

    for wrong_headers, wrong_body in [
        (headers, tampered),
        (unsigned, body),
        ({**unsigned, "X-Signature": other_secret}, body),
        ({**unsigned, "X-Signature": "sha1=" + "0" * 40}, body),
        ({**unsigned, "X-Signature": "sha256=ŝ"}, body),
    ]:
        with pytest.raises(WebhookRefused):
            partner().read_webhook(wrong_headers, wrong_body)


def test_without_a_secret_a_readable_webhook_is_a_hint(access_point: AccessPoint, settings) -> None:
    settings.PEPPOL_WEBHOOK_SECRET = ""
    body = b'{"eventType":"document.received","documentId":"doc_1","companyId":"c_1"}'

    call = partner().read_webhook({}, body)

    assert call.ap_document_id == "doc_1"
    assert call.key == "sha256:" + hashlib.sha256(body).hexdigest()
    with pytest.raises(WebhookRefused):
        partner().read_webhook({}, b"not json")
    with pytest.raises(WebhookRefused):
        partner().read_webhook({}, b'{"documentId":"doc_1"}')
