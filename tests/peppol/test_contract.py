"""Recommand's contract: the stand-in answers in the shapes of the contract fixtures
(tests/peppol/contract/recommand/, from Recommand's source), and the adapter reads those
fixtures right. If Recommand changes, a new recording there breaks one of the two."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from apps.peppol.clients.recommand import RecommandGateway
from apps.peppol.gateway import CompanyIdentity, GatewayError, MigrationStatus, SendStatus
from tests.fakes.recommand import AccessPoint

CONTRACT = Path(__file__).parent / "contract" / "recommand"
COMPANY = "c_01JQZ8X0M4T7RB6K9V2NDHW3PA"
DOCUMENT = "doc_01JR0A7K2M9X4T6B8V3N5QH1ZC"
INVOICE_TYPE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017"
    "#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
)
UBL = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
    "<cbc:ID>{number}</cbc:ID></Invoice>"
)


def contract(name: str) -> Any:
    return json.loads((CONTRACT / f"{name}.json").read_text())


def assert_same_shape(expected: Any, actual: Any, where: str = "$") -> None:
    """Same keys and JSON types, recursively. A null in the contract may be anything (a
    nullable field); an empty list accepts any list; ``errors`` is ``{name: [str]}``."""
    if expected is None:
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        if where.endswith(".errors"):
            for value in [*expected.values(), *actual.values()]:
                assert isinstance(value, list), f"{where}: {value!r}"
                assert all(isinstance(item, str) for item in value), f"{where}: {value!r}"
            return
        missing, extra = set(expected) - set(actual), set(actual) - set(expected)
        assert not missing, f"{where}: missing {missing}"
        assert not extra, f"{where}: extra {extra}"
        for key, value in expected.items():
            assert_same_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        for index, item in enumerate(actual if expected else []):
            assert_same_shape(expected[0], item, f"{where}[{index}]")
    elif isinstance(expected, bool) or isinstance(actual, bool):
        assert type(actual) is type(expected), f"{where}: {actual!r} is not like {expected!r}"
    elif isinstance(expected, int | float):
        assert isinstance(actual, int | float), f"{where}: {actual!r} is not a number"
    else:
        assert type(actual) is type(expected), f"{where}: {actual!r} is not like {expected!r}"


def test_shape_compare_catches_drift() -> None:
    assert_same_shape({"a": [{"b": 1}], "c": None}, {"a": [{"b": 2.5}], "c": "x"})
    with pytest.raises(AssertionError, match="extra"):
        assert_same_shape({"a": 1}, {"a": 1, "b": 2})
    with pytest.raises(AssertionError, match="not like"):
        assert_same_shape({"a": {"b": "x"}}, {"a": {"b": 1}})
    with pytest.raises(AssertionError, match="not like"):
        assert_same_shape({"a": True}, {"a": 1})


# --- the stand-in keeps to the contract ---------------------------------------------------


class Api:
    def __init__(self, access_point: AccessPoint):
        self.base = access_point.base_url
        self.auth = (access_point.key, access_point.secret)

    def __call__(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        kwargs.setdefault("auth", self.auth)
        response = requests.request(method, self.base + path, timeout=10, **kwargs)
        return response.status_code, response.json()


def new_company(api: Api) -> str:
    status, body = api(
        "POST",
        "/companies",
        json={
            "name": "Boulangerie Dupont BV",
            "address": "Rue de la Loi 16",
            "postalCode": "1000",
            "city": "Brussel",
            "country": "BE",
            "vatNumber": "BE0403170701",
            "email": "facturen@dupont.example",
        },
    )
    assert status == 200
    assert_same_shape(contract("create-company"), body)
    company_id: str = body["company"]["id"]
    return company_id


def test_standin_companies_answer_as_the_contract(access_point: AccessPoint) -> None:
    api = Api(access_point)
    company_id = new_company(api)

    assert_same_shape(contract("get-company"), api("GET", f"/companies/{company_id}")[1])
    assert api("GET", "/companies/c_NOBODY") == (200, contract("get-company-unknown"))
    status, identifiers = api("GET", f"/companies/{company_id}/identifiers")
    assert status == 200
    assert_same_shape(contract("get-identifiers"), identifiers)

    identifier = identifiers["identifiers"][0]["id"]
    path = f"/companies/{company_id}/identifiers/{identifier}/migration"
    status, body = api("POST", path, json={"migrationKey": "Ab12$#xyZ9!kLm"})
    assert status == 200
    assert_same_shape(contract("request-migration"), body)
    status, body = api("POST", path, json={"migrationKey": "abcdefgh"})
    assert status == 400
    assert_same_shape(contract("request-migration-refused"), body)

    assert api("DELETE", f"/companies/{company_id}") == (200, contract("delete-company"))


def test_standin_verify_answers_as_the_contract(access_point: AccessPoint) -> None:
    api = Api(access_point)
    access_point.participant("0208:0987654321", [INVOICE_TYPE])

    status, body = api("POST", "/verify", json={"peppolAddress": "0208:0987654321"})
    assert status == 200
    assert_same_shape(contract("verify"), body)
    status, body = api("POST", "/verify", json={"peppolAddress": "0208:0000000000"})
    assert (status, body) == (200, contract("verify-not-valid"))


def test_standin_sending_answers_as_the_contract(access_point: AccessPoint) -> None:
    api = Api(access_point)
    company_id = new_company(api)
    send = f"/{company_id}/send"

    def body(number: str) -> dict[str, Any]:
        xml = UBL.format(number=number)
        return {"recipient": "0208:0987654321", "documentType": "xml", "document": xml}

    status, answer = api("POST", send, json=body("INV-2024-001"))
    assert status == 200
    assert_same_shape(contract("send"), answer)

    status, answer = api("POST", send, json=body(""))
    assert status == 400
    assert_same_shape(contract("send-invalid"), answer)

    access_point.fail_next(422)
    status, answer = api("POST", send, json=body("INV-2024-002"))
    assert status == 422
    assert_same_shape(contract("send-undeliverable"), answer)

    status, answer = api(
        "GET",
        "/documents",
        params={"direction": "outgoing", "search": "INV-2024-001", "limit": 100},
    )
    assert status == 200
    assert_same_shape(contract("list-documents"), answer)
    assert answer["pagination"]["total"] == 1


def test_standin_receiving_answers_as_the_contract(access_point: AccessPoint) -> None:
    api = Api(access_point)
    company_id = new_company(api)
    received = Receiver()
    access_point.webhook_url(received.url)
    try:
        document_id = access_point.inbound(company_id, UBL.format(number="INV-2024-001"))[
            "documentId"
        ]
    finally:
        received.stop()

    status, answer = api("GET", f"/documents/{document_id}")
    assert status == 200
    assert_same_shape(contract("get-document"), answer)
    status, answer = api("GET", "/inbox", params={"companyId": company_id})
    assert status == 200
    assert_same_shape(contract("inbox"), answer)
    assert api("POST", f"/documents/{document_id}/mark-as-read", json={"read": True}) == (
        200,
        contract("mark-as-read"),
    )
    assert_same_shape(contract("webhook-document-received"), json.loads(received.calls[0][1]))


def test_standin_refuses_wrong_credentials_as_the_contract(access_point: AccessPoint) -> None:
    status, answer = Api(access_point)("GET", "/inbox", auth=("key_test", "wrong"))
    assert status == 401
    assert_same_shape(contract("unauthorized"), answer)


class Receiver:
    """A webhook receiver on loopback that records (headers, body) and answers 200."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        calls = self.calls

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                calls.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the adapter reads the contract -------------------------------------------------------


class Replay:
    """Answers each (method, path) with a contract fixture, on loopback."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], tuple[int, object]] = {}
        answers = self.answers

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                path = self.path.split("?")[0]
                status, body = answers.get((self.command, path), (404, {"success": False}))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.gateway = RecommandGateway(
            api_url=f"http://127.0.0.1:{self.server.server_address[1]}/api/v1",
            key="key",
            secret="secret",
            webhook_secret="whsec",
            network="test",
            is_standin=True,
            send_timeout=10,
        )

    def on(self, method: str, path: str, fixture: str, status: int = 200) -> None:
        self.answers[(method, "/api/v1" + path)] = (status, contract(fixture))


@pytest.fixture
def replay() -> Iterator[Replay]:
    replay = Replay()
    try:
        yield replay
    finally:
        replay.server.shutdown()
        replay.server.server_close()


IDENTITY = CompanyIdentity(
    name="Boulangerie Dupont BV",
    street="Rue de la Loi 16",
    postal_code="1000",
    city="Brussel",
    country="BE",
    enterprise_number="0403170701",
    vat_number="BE0403170701",
)


def test_adapter_reads_the_company_contract(replay: Replay) -> None:
    replay.on("POST", "/companies", "create-company")
    replay.on("GET", f"/companies/{COMPANY}", "get-company")
    replay.on("GET", f"/companies/{COMPANY}/identifiers", "get-identifiers")
    replay.on("GET", "/companies/c_GONE", "get-company-unknown")
    replay.on("DELETE", f"/companies/{COMPANY}", "delete-company")

    registered = replay.gateway.register_company(IDENTITY)

    assert registered.ap_company_id == COMPANY
    assert registered.verified is False
    assert registered.verification_url == contract("create-company")["verificationUrl"]
    assert registered.identifiers == ("0208:0403170701", "9925:BE0403170701")
    assert replay.gateway.company_status(COMPANY).identifiers == registered.identifiers
    with pytest.raises(GatewayError) as gone:
        replay.gateway.company_status("c_GONE")
    assert (gone.value.temporary, gone.value.status) == (False, 404)
    replay.gateway.deregister_company(COMPANY)


def test_adapter_reads_the_migration_contract(replay: Replay) -> None:
    replay.on("GET", f"/companies/{COMPANY}/identifiers", "get-identifiers")
    path = f"/companies/{COMPANY}/identifiers/ci_01JQZ8X0M4T7RB6K9V2NDHW3PB/migration"
    replay.on("POST", path, "request-migration")

    status = replay.gateway.request_migration(COMPANY, "0208:0403170701", "Ab12$#xyZ9!kLm")

    assert status == MigrationStatus.PENDING
    replay.on("POST", path, "request-migration-refused", status=400)
    with pytest.raises(GatewayError, match="required format") as refused:
        replay.gateway.request_migration(COMPANY, "0208:0403170701", "abcdefgh")
    assert refused.value.temporary is False


def test_adapter_reads_the_verify_contract(replay: Replay) -> None:
    replay.on("POST", "/verify", "verify")
    found = replay.gateway.lookup("0208:0987654321")
    assert (found.registered, found.document_types, found.smp) == (
        True,
        (INVOICE_TYPE,),
        "https://smp.example.eu",
    )

    replay.on("POST", "/verify", "verify-not-valid")
    assert replay.gateway.lookup("0208:0987654321").registered is None


def test_adapter_reads_the_send_contract(replay: Replay) -> None:
    xml = UBL.format(number="INV-2024-001").encode()

    def send() -> Any:
        return replay.gateway.send(
            COMPANY, xml=xml, recipient="0208:0987654321", reference="INV-2024-001"
        )

    replay.on("POST", f"/{COMPANY}/send", "send")
    sent = send()
    assert (sent.status, sent.ap_document_id, sent.peppol_message_id) == (
        SendStatus.SENT,
        DOCUMENT,
        "0b7c3a52-4f0e-4d0b-9a7e-3f1f2b6c8d11",
    )

    replay.on("POST", f"/{COMPANY}/send", "send-invalid", status=400)
    refused = send()
    assert refused.status == SendStatus.REFUSED
    assert refused.detail.startswith("Document validation failed.")
    assert refused.errors == (
        "BR-02: An Invoice shall have an Invoice number (BT-1).",
        contract("send-invalid")["errors"]["cac:TaxTotal"][0],
    )

    replay.on("POST", f"/{COMPANY}/send", "send-undeliverable", status=422)
    undeliverable = send()
    assert undeliverable.status == SendStatus.REFUSED
    assert "Receiver could not be reached" in undeliverable.detail
    assert undeliverable.errors == ()


def test_adapter_reads_the_outgoing_list_contract(replay: Replay) -> None:
    replay.on("GET", "/documents", "list-documents")

    found = replay.gateway.find_sent(COMPANY, "INV-2024-001")

    assert found is not None
    assert (found.ap_document_id, found.reference) == (DOCUMENT, "INV-2024-001")
    assert found.sent_at is not None
    assert found.sent_at.isoformat().startswith("2026-04-21T10:01")
    # the search matched a longer number: not ours
    assert replay.gateway.find_sent(COMPANY, "INV-2024-00") is None


def test_adapter_reads_the_receiving_contract(replay: Replay) -> None:
    replay.on("GET", f"/documents/{DOCUMENT}", "get-document")
    replay.on("GET", "/inbox", "inbox")
    replay.on("POST", f"/documents/{DOCUMENT}/mark-as-read", "mark-as-read")

    document = replay.gateway.fetch_inbound(DOCUMENT)

    assert document.xml == contract("get-document")["document"]["xml"].encode()
    assert (document.ap_company_id, document.sender, document.receiver) == (
        COMPANY,
        "0208:0987654321",
        "0208:0403170701",
    )
    assert document.document_type == INVOICE_TYPE
    assert replay.gateway.list_unacked_inbound(COMPANY) == [DOCUMENT]
    replay.gateway.ack_inbound(DOCUMENT)


def test_adapter_reads_the_unauthorized_contract(replay: Replay) -> None:
    replay.on("GET", "/inbox", "unauthorized", status=401)
    with pytest.raises(GatewayError, match="Unauthorized") as refused:
        replay.gateway.list_unacked_inbound(COMPANY)
    assert (refused.value.temporary, refused.value.status) == (False, 401)


def test_adapter_reads_the_webhook_contract(replay: Replay) -> None:
    body = json.dumps(contract("webhook-document-received"), separators=(",", ":")).encode()
    signature = "sha256=" + hmac.new(b"whsec", body, hashlib.sha256).hexdigest()

    call = replay.gateway.read_webhook(
        {"X-Signature": signature, "X-Idempotency-Key": "rad_01"}, body
    )

    assert (call.key, call.event_type, call.ap_document_id, call.ap_company_id) == (
        "rad_01",
        "document.received",
        DOCUMENT,
        COMPANY,
    )
