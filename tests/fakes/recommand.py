"""A stand-in for Recommand's API v1 (recommand.eu), on loopback.

It answers the routes ``apps.peppol.clients.recommand`` uses, with the JSON shapes of
Recommand's public source (tests/peppol/contract/recommand/ holds one answer per route, and
test_contract.py keeps this fake to them): HTTP Basic auth, companies and their identifiers,
identifier migration, sending (validated: XML that is not well-formed or an empty ``cbc:ID``
is refused with a 400 in Recommand's shape), the outgoing list with its substring search,
documents, the inbox, mark-as-read and ``/verify``. State is in memory.

Test-only control routes (no auth; loopback only), under ``/__control/``:

- ``POST inbound {companyId, xml, senderId, receiverId?, docTypeId?}``: a document arrives;
  it is stored and the webhook fires as Recommand's does (``X-Idempotency-Key``,
  ``X-Signature: sha256=<hex HMAC(secret, raw body)>`` when a secret is set). Answers
  ``{documentId, delivery}`` (the webhook's status, or null when dropped).
- ``POST fail-next {status, body?}``, ``{timeout: seconds}`` or ``{reset: true}``, optional
  ``route`` (``send`` by default; ``companies``, ``identifiers``, ``migration``,
  ``documents``, ``inbox``, ``mark-as-read``, ``verify``): the next such request fails. With
  ``timeout`` or ``reset`` a send *is* recorded as sent, then the answer stalls past the
  client's timeout, or the connection is closed without an answer.
- ``POST drop-webhooks {drop}``, ``POST webhook-url {url}``, ``POST redeliver {key?}``
  (the last delivery, or the one with that key, again with the same key and body).
- ``POST verification {companyId, verified}`` (pending migrations then complete),
  ``POST strict {strict}`` (unverified companies may not send: 403, as strict teams).
- ``POST participant {peppolAddress, docTypeIds?}``: a participant elsewhere on Peppol.
- ``GET state``: everything, with request counts; ``POST reset``.

Run alone (``make run``'s development stand-in)::

    python -m tests.fakes.recommand --port 8025 --webhook-url URL --secret S
"""

import argparse
import datetime
import hashlib
import hmac
import json
import re
import threading
import uuid
from base64 import b64decode
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from lxml import etree

from tests.fakes.http import Answer, Hangup, LoopbackServer, Reply

API_PREFIX = "/api/v1"
TEAM_ID = "team_01JFAKEPEPPOLTEAM000000000"
MAX_BODY = 50 * 1024 * 1024
UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PROCESS_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
DOCUMENT_TYPES = {
    "Invoice": (
        "invoice",
        "invoiceNumber",
        "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:"
        "2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
    ),
    "CreditNote": (
        "creditNote",
        "creditNoteNumber",
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:"
        "en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1",
    ),
}
DOCUMENT_NAMES = {"invoice": "Invoice", "creditNote": "Credit Note"}
VALIDATION_FAILED = (
    "Document validation failed. Please ensure your document complies with EN16931 and "
    "PEPPOL BIS 3.0 requirements."
)
NOT_DETECTED = (
    "Document type could not be detected automatically from your XML document. Please "
    "provide the doctypeId manually."
)
SPECIAL = re.compile(r"[^A-Za-z0-9]")


def _id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:26].upper()


def _now() -> str:
    moment = datetime.datetime.now(datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def failure(*messages: str, **fields: list[str]) -> dict[str, Any]:
    """Recommand's ``actionFailure``: ``{success: false, errors: {root|field: [...]}}``."""
    errors: dict[str, list[str]] = {}
    if messages:
        errors["root"] = list(messages)
    errors.update(fields)
    return {"success": False, "errors": errors}


def success(**data: Any) -> dict[str, Any]:
    return {"success": True, **data}


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Failure:
    route: str
    status: int | None = None
    body: object = None
    timeout: float | None = None
    reset: bool = False


@dataclass
class FakeRecommand:
    """The partner's state and behaviour; ``Server`` puts it on HTTP."""

    api_key: str = "key_fake"
    api_secret: str = "secret_fake"
    webhook_secret: str = ""
    webhook_url: str = ""
    base_url: str = ""
    drop_webhooks: bool = False
    strict: bool = False
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    identifiers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    migrations: list[dict[str, Any]] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    participants: dict[str, list[str]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    stopping: threading.Event = field(default_factory=threading.Event)

    # --- dispatch -------------------------------------------------------------------------

    def routes(self) -> list[tuple[str, re.Pattern[str], str, Callable[..., Any]]]:
        c = r"(?P<company>[A-Za-z0-9_-]+)"
        d = r"(?P<document>[A-Za-z0-9_-]+)"
        return [
            ("POST", re.compile(r"/companies"), "companies", self.create_company),
            ("GET", re.compile(rf"/companies/{c}"), "companies", self.get_company),
            ("DELETE", re.compile(rf"/companies/{c}"), "companies", self.delete_company),
            (
                "GET",
                re.compile(rf"/companies/{c}/identifiers"),
                "identifiers",
                self.get_identifiers,
            ),
            (
                "POST",
                re.compile(rf"/companies/{c}/identifiers/(?P<identifier>[A-Za-z0-9_-]+)/migration"),
                "migration",
                self.migrate,
            ),
            ("POST", re.compile(r"/verify"), "verify", self.verify),
            ("GET", re.compile(r"/inbox"), "inbox", self.inbox),
            ("GET", re.compile(r"/documents"), "documents", self.list_documents),
            ("GET", re.compile(rf"/documents/{d}"), "documents", self.get_document),
            ("POST", re.compile(rf"/documents/{d}/mark-as-read"), "mark-as-read", self.mark_read),
            ("POST", re.compile(rf"/{c}/send"), "send", self.send),
        ]

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, object]:
        if path.startswith("/__control/"):
            return 200, self.control(method, path.removeprefix("/__control/"), body)
        if not path.startswith(API_PREFIX + "/"):
            return 404, failure("Not found")
        path = path.removeprefix(API_PREFIX)
        for verb, pattern, name, view in self.routes():
            match = pattern.fullmatch(path)
            if verb != method or not match:
                continue
            if not self.authorised(headers.get("Authorization", "")):
                return 401, failure("Unauthorized")
            with self.lock:
                self.requests[name] += 1
                failing = next((f for f in self.failures if f.route == name), None)
                if failing:
                    self.failures.remove(failing)
            if failing and failing.status:
                return failing.status, failing.body or self.failure_body(failing.status)
            data = self.json(body) if body else None
            status, answer = view(data=data, query=query, **match.groupdict())
            if failing and failing.timeout:
                self.stopping.wait(failing.timeout)
            if failing and failing.reset:
                raise Hangup
            return status, answer
        return 404, failure("Not found")

    def authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = b64decode(encoded, validate=True)
        except ValueError:
            return False
        expected = f"{self.api_key}:{self.api_secret}".encode()
        return hmac.compare_digest(given, expected)

    @staticmethod
    def json(body: bytes) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            raise Reply(400, failure("Malformed JSON in request body")) from None

    @staticmethod
    def failure_body(status: int) -> object:
        if status == 400:
            return failure(VALIDATION_FAILED, **{"cbc:TaxTotal": ["BR-CO-15: VAT total wrong"]})
        if status == 422:
            return failure(
                "Failed to send document over Peppol network. Receiver's access point "
                "answered with a SOAP fault."
            )
        return "Internal Server Error"

    # --- companies ------------------------------------------------------------------------

    def create_company(self, data: Any, **_: Any) -> tuple[int, object]:
        if not isinstance(data, dict):
            return 400, failure("Invalid request data")
        missing = {
            key: ["Required"]
            for key in ("name", "address", "postalCode", "city", "country")
            if not isinstance(data.get(key), str) or not data[key]
        }
        if missing:
            return 400, failure(**missing)
        vat = (data.get("vatNumber") or "").replace(" ", "").replace(".", "").upper() or None
        enterprise = re.sub(r"[^0-9A-Za-z]", "", data.get("enterpriseNumber") or "") or None
        if not enterprise and vat and data["country"] == "BE":
            enterprise = vat.removeprefix("BE")
        now = _now()
        company = {
            "id": _id("c_"),
            "teamId": TEAM_ID,
            "name": data["name"],
            "address": data["address"],
            "postalCode": data["postalCode"],
            "city": data["city"],
            "country": data["country"],
            "enterpriseNumberScheme": "0208" if enterprise else None,
            "enterpriseNumber": enterprise,
            "vatNumber": vat,
            "email": data.get("email") or None,
            "phone": data.get("phone") or None,
            "isSmpRecipient": data.get("isSmpRecipient", True) is not False,
            "isVerified": False,
            "createdAt": now,
            "updatedAt": now,
        }
        identifiers = []
        for scheme, value in (("0208", enterprise), ("9925", vat)):
            if value:
                identifiers.append(
                    {
                        "id": _id("ci_"),
                        "companyId": company["id"],
                        "scheme": scheme,
                        "identifier": value,
                        "createdAt": now,
                        "updatedAt": now,
                    }
                )
        log_id = _id("cvl_")
        with self.lock:
            self.companies[company["id"]] = company
            self.identifiers[company["id"]] = identifiers
        return 200, success(
            company=company,
            verificationUrl=f"{self.base_url}/company-verification/{log_id}",
            verificationLogId=log_id,
        )

    def get_company(self, company: str, **_: Any) -> tuple[int, object]:
        # Recommand answers success without a company when it does not know the id.
        found = self.companies.get(company)
        return 200, success(company=found) if found else success()

    def delete_company(self, company: str, **_: Any) -> tuple[int, object]:
        with self.lock:
            self.companies.pop(company, None)
            self.identifiers.pop(company, None)
        return 200, success()

    def get_identifiers(self, company: str, **_: Any) -> tuple[int, object]:
        if company not in self.companies:
            return 404, failure("Company not found")
        return 200, success(identifiers=self.identifiers.get(company, []))

    def migrate(self, company: str, identifier: str, data: Any, **_: Any) -> tuple[int, object]:
        if company not in self.companies:
            return 404, failure("Company not found")
        record = next((i for i in self.identifiers[company] if i["id"] == identifier), None)
        if record is None:
            return 404, failure("Company identifier not found")
        key = data.get("migrationKey") if isinstance(data, dict) else None
        if not isinstance(key, str) or not 8 <= len(key.strip()) <= 24:
            return 400, failure(migrationKey=["String must contain between 8 and 24 characters"])
        key = key.strip()
        if not (
            sum(ch.isupper() for ch in key) >= 2
            and sum(ch.islower() for ch in key) >= 2
            and sum(ch.isdigit() for ch in key) >= 2
            and len(SPECIAL.findall(key)) >= 2
        ):
            return 400, failure("The migration key does not have the required format")
        with self.lock:
            verified = self.companies[company]["isVerified"]
            for earlier in self.migrations:
                if earlier["identifierId"] == identifier and earlier["status"] == "pending":
                    earlier["status"] = "cancelled"
            migration = {
                "id": _id("pm_"),
                "companyId": company,
                "scheme": record["scheme"],
                "identifier": record["identifier"],
                "direction": "inbound",
                "status": "completed" if verified else "pending",
                "migrationKey": key,
                "errorMessage": None,
                "createdAt": _now(),
                "completedAt": _now() if verified else None,
            }
            self.migrations.append({**migration, "identifierId": identifier})
        return 200, success(migration=migration)

    # --- lookup ---------------------------------------------------------------------------

    def verify(self, data: Any, **_: Any) -> tuple[int, object]:
        address = data.get("peppolAddress") if isinstance(data, dict) else None
        if not isinstance(address, str):
            return 400, failure(peppolAddress=["Required"])
        address = address.strip().lower()
        types = self.participants.get(address)
        if types is None and any(
            f"{i['scheme']}:{i['identifier']}".lower() == address
            for ids in self.identifiers.values()
            for i in ids
        ):
            types = [info[2] for info in DOCUMENT_TYPES.values()]
        if types is None:
            return 200, success(isValid=False)
        smp = f"{self.base_url}/smp"
        return 200, success(
            isValid=True,
            smpUrl=smp,
            serviceMetadataReferences=[
                f"{smp}/iso6523-actorid-upis::{address}/services/busdox-docid-qns::{t}"
                for t in types
            ],
            smpHostnames=[urlsplit(smp).hostname or ""],
            supportedDocuments=[
                {"name": "Invoice" if "Invoice-2" in t else "Credit Note", "docTypeId": t}
                for t in types
            ],
        )

    # --- sending --------------------------------------------------------------------------

    def send(self, company: str, data: Any, **_: Any) -> tuple[int, object]:
        sender = self.companies.get(company)
        if sender is None:
            return 404, failure("Company not found")
        if self.strict and not sender["isVerified"]:
            return 403, failure(
                "Company must be verified before sending or receiving documents. Please "
                "verify your company first."
            )
        if not isinstance(data, dict):
            return 400, failure("Invalid request data")
        recipient, document = data.get("recipient"), data.get("document")
        if data.get("documentType") != "xml" or not isinstance(document, str):
            return 400, failure("This stand-in sends documentType xml only.")
        if not isinstance(recipient, str) or not recipient:
            return 400, failure(
                "Either recipient (for Peppol) or email.to (for email delivery) must be provided."
            )
        if ":" not in recipient:
            recipient = "0208:" + re.sub(r"[^0-9]", "", recipient)
        parsed = self.parse(document)
        if parsed is None:
            return 400, failure(NOT_DETECTED)
        kind, number_key, doc_type, number, buyer = parsed
        if not number:
            return 400, failure(
                VALIDATION_FAILED,
                **{"cbc:ID": [f"BR-02: An {DOCUMENT_NAMES[kind]} shall have a number (BT-1)."]},
            )
        identifiers = self.identifiers.get(company) or [{"scheme": "0208", "identifier": "0"}]
        record = self.document(
            company=sender,
            direction="outgoing",
            sender=f"{identifiers[0]['scheme']}:{identifiers[0]['identifier']}",
            receiver=recipient,
            xml=document,
            kind=kind,
            doc_type=doc_type,
            parsed={
                number_key: number,
                "seller": {"name": sender["name"]},
                "buyer": {"name": buyer},
            },
            read=True,
        )
        return 200, success(
            teamId=TEAM_ID,
            companyId=company,
            id=record["id"],
            peppolMessageId=record["peppolMessageId"],
            envelopeId=record["envelopeId"],
            sentOverPeppol=True,
            sentOverEmail=False,
            emailRecipients=[],
        )

    @staticmethod
    def parse(document: str) -> tuple[str, str, str, str, str] | None:
        """Kind, number field, document type, number and buyer of a UBL document; None when
        it is not well-formed UBL Invoice or CreditNote."""
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            root = etree.fromstring(document.encode("utf-8"), parser)
        except (etree.XMLSyntaxError, ValueError):
            return None
        local = etree.QName(root).localname
        if local not in DOCUMENT_TYPES:
            return None
        kind, number_key, doc_type = DOCUMENT_TYPES[local]
        found = root.find(f"{{{UBL_CBC}}}ID")
        number = (found.text or "").strip() if found is not None else ""
        names = root.xpath(
            "//*[local-name()='AccountingCustomerParty']//*[local-name()='RegistrationName']"
        )
        buyer = (names[0].text or "").strip() if names else ""
        return kind, number_key, doc_type, number, buyer

    def document(
        self,
        *,
        company: dict[str, Any],
        direction: str,
        sender: str,
        receiver: str,
        xml: str,
        kind: str,
        doc_type: str,
        parsed: dict[str, Any] | None,
        read: bool,
    ) -> dict[str, Any]:
        now = _now()
        record = {
            "id": _id("doc_"),
            "teamId": TEAM_ID,
            "companyId": company["id"],
            "direction": direction,
            "senderId": sender,
            "receiverId": receiver,
            "docTypeId": doc_type,
            "processId": PROCESS_ID,
            "countryC1": company["country"],
            "type": kind,
            "readAt": now if read else None,
            "createdAt": now,
            "updatedAt": now,
            "xml": xml,
            "parsed": parsed,
            "validation": {"result": "valid", "errors": []},
            "sentOverPeppol": direction == "outgoing",
            "sentOverEmail": False,
            "emailRecipients": [],
            "labels": [],
            "peppolMessageId": str(uuid.uuid4()),
            "peppolConversationId": str(uuid.uuid4()),
            "receivedPeppolSignalMessage": "<eb:SignalMessage/>",
            "envelopeId": str(uuid.uuid4()),
        }
        with self.lock:
            self.documents[record["id"]] = record
        return record

    # --- documents ------------------------------------------------------------------------

    def list_documents(self, query: dict[str, list[str]], **_: Any) -> tuple[int, object]:
        def one(name: str) -> str:
            return (query.get(name) or [""])[0]

        try:
            page = int(one("page") or 1)
            limit = int(one("limit") or 10)
        except ValueError:
            return 400, failure(page=["Expected number"])
        if page < 1 or not 1 <= limit <= 200:
            return 400, failure(limit=["Number must be between 1 and 200"])
        companies = query.get("companyId") or []
        search = one("search").strip().lower()
        with self.lock:
            found = [
                d
                for d in sorted(self.documents.values(), key=lambda d: d["createdAt"], reverse=True)
                if (not one("direction") or d["direction"] == one("direction"))
                and (not companies or d["companyId"] in companies)
                and (not search or search in self.search_text(d))
            ]
        chosen = found[(page - 1) * limit : page * limit]
        return 200, success(
            documents=[{k: v for k, v in d.items() if k != "xml"} for d in chosen],
            pagination={
                "total": len(found),
                "page": page,
                "limit": limit,
                "totalPages": -(-len(found) // limit),
            },
        )

    @staticmethod
    def search_text(document: dict[str, Any]) -> str:
        """Recommand's ``searchText``: names and number, joined; matched as a substring."""
        parsed = document.get("parsed") or {}
        parts = [
            (parsed.get("seller") or {}).get("name"),
            (parsed.get("buyer") or {}).get("name"),
            parsed.get("invoiceNumber") or parsed.get("creditNoteNumber"),
        ]
        return " ".join(p for p in parts if p).lower()

    def get_document(self, document: str, **_: Any) -> tuple[int, object]:
        found = self.documents.get(document)
        if found is None:
            return 404, failure("Document not found")
        return 200, success(document=found)

    def mark_read(self, document: str, data: Any, **_: Any) -> tuple[int, object]:
        read = data.get("read", True) if isinstance(data, dict) else True
        with self.lock:
            found = self.documents.get(document)
            if found is None:
                return 404, failure("Document not found")
            found["readAt"] = _now() if read else None
        return 200, success()

    def inbox(self, query: dict[str, list[str]], **_: Any) -> tuple[int, object]:
        company = (query.get("companyId") or [""])[0]
        with self.lock:
            unread = [
                {k: v for k, v in d.items() if k not in ("xml", "parsed")}
                for d in self.documents.values()
                if d["direction"] == "incoming"
                and d["readAt"] is None
                and (not company or d["companyId"] == company)
            ]
        return 200, success(documents=unread)

    # --- control --------------------------------------------------------------------------

    def control(self, method: str, name: str, body: bytes) -> object:
        data = self.json(body) if body else {}
        if method == "GET" and name == "state":
            return self.state()
        if method != "POST" or not isinstance(data, dict):
            raise Reply(404, failure("Not found"))
        if name == "inbound":
            return self.inbound(data)
        if name == "fail-next":
            self.failures.append(
                Failure(
                    route=data.get("route", "send"),
                    status=data.get("status"),
                    body=data.get("body"),
                    timeout=data.get("timeout"),
                    reset=bool(data.get("reset")),
                )
            )
            return {"ok": True}
        if name == "drop-webhooks":
            self.drop_webhooks = bool(data.get("drop", True))
            return {"ok": True}
        if name == "webhook-url":
            self.webhook_url = str(data.get("url") or "")
            return {"ok": True}
        if name == "redeliver":
            wanted = data.get("key")
            chosen = [d for d in self.deliveries if not wanted or d["key"] == wanted]
            if not chosen:
                raise Reply(404, failure("No such delivery"))
            return self.deliver(chosen[-1]["key"], chosen[-1]["body"].encode())
        if name == "verification":
            return self.verification(data)
        if name == "strict":
            self.strict = bool(data.get("strict", True))
            return {"ok": True}
        if name == "participant":
            types = data.get("docTypeIds") or [info[2] for info in DOCUMENT_TYPES.values()]
            self.participants[str(data["peppolAddress"]).lower()] = list(types)
            return {"ok": True}
        if name == "reset":
            with self.lock:
                for collection in (
                    self.companies,
                    self.identifiers,
                    self.documents,
                    self.participants,
                    self.requests,
                ):
                    collection.clear()
                self.migrations.clear()
                self.deliveries.clear()
                self.failures.clear()
                self.drop_webhooks = self.strict = False
            return {"ok": True}
        raise Reply(404, failure("Not found"))

    def state(self) -> dict[str, Any]:
        with self.lock:
            return json.loads(
                json.dumps(
                    {
                        "companies": self.companies,
                        "identifiers": self.identifiers,
                        "migrations": self.migrations,
                        "documents": self.documents,
                        "deliveries": self.deliveries,
                        "requests": dict(self.requests),
                        "webhookUrl": self.webhook_url,
                        "dropWebhooks": self.drop_webhooks,
                    }
                )
            )

    def verification(self, data: dict[str, Any]) -> object:
        with self.lock:
            company = self.companies.get(str(data.get("companyId")))
            if company is None:
                raise Reply(404, failure("Company not found"))
            company["isVerified"] = bool(data.get("verified", True))
            if company["isVerified"]:
                for migration in self.migrations:
                    if migration["companyId"] == company["id"] and migration["status"] == "pending":
                        migration["status"] = "completed"
                        migration["completedAt"] = _now()
        return {"ok": True}

    def inbound(self, data: dict[str, Any]) -> object:
        company = self.companies.get(str(data.get("companyId")))
        xml = data.get("xml")
        if company is None or not isinstance(xml, str):
            raise Reply(400, failure("companyId of a known company and xml are needed"))
        parsed = self.parse(xml)
        kind, number_key, doc_type, number = (
            parsed[:4] if parsed else ("unknown", "", data.get("docTypeId") or "", "")
        )
        ids = self.identifiers.get(company["id"]) or []
        receiver = data.get("receiverId") or (
            f"{ids[0]['scheme']}:{ids[0]['identifier']}" if ids else ""
        )
        record = self.document(
            company=company,
            direction="incoming",
            sender=str(data.get("senderId") or "0208:0000000097"),
            receiver=receiver,
            xml=xml,
            kind=kind,
            doc_type=data.get("docTypeId") or doc_type,
            parsed={number_key: number, "seller": {"name": ""}, "buyer": {"name": company["name"]}}
            if parsed
            else None,
            read=False,
        )
        body = json.dumps(
            {
                "eventType": "document.received",
                "documentId": record["id"],
                "teamId": TEAM_ID,
                "companyId": company["id"],
            },
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        delivery = None if self.drop_webhooks else self.deliver(_id("rad_"), body)
        return {"documentId": record["id"], "delivery": delivery}

    def deliver(self, key: str, body: bytes) -> dict[str, Any] | None:
        """POST the webhook as recommand-core does (10 s timeout, no redirects); outside the
        lock, since the receiver may call back at once."""
        if not self.webhook_url:
            return None
        headers = {"Content-Type": "application/json", "X-Idempotency-Key": key}
        if self.webhook_secret:
            headers["X-Signature"] = webhook_signature(self.webhook_secret, body)
        outcome: dict[str, Any] = {"key": key, "body": body.decode(), "url": self.webhook_url}
        try:
            response = requests.post(
                self.webhook_url, data=body, headers=headers, timeout=10, allow_redirects=False
            )
            outcome.update(status=response.status_code, error=None)
        except requests.RequestException as error:
            outcome.update(status=None, error=type(error).__name__)
        with self.lock:
            self.deliveries.append(outcome)
        return outcome


class AccessPoint:
    """Drives a running stand-in through its control routes (tests, or ``make run``)."""

    def __init__(self, url: str, *, key: str, secret: str, webhook_secret: str = ""):
        self.url = url.rstrip("/")
        self.base_url = self.url + API_PREFIX  # what PEPPOL_API_URL points at
        self.key = key
        self.secret = secret
        self.webhook_secret = webhook_secret

    def _post(self, name: str, **data: Any) -> Any:
        response = requests.post(f"{self.url}/__control/{name}", json=data, timeout=30)
        response.raise_for_status()
        return response.json()

    def inbound(
        self, company_id: str, xml: str, *, sender_id: str = "0208:0000000097", **extra: Any
    ) -> dict[str, Any]:
        """A document arrives for ``company_id``; ``{documentId, delivery}``."""
        result: dict[str, Any] = self._post(
            "inbound", companyId=company_id, xml=xml, senderId=sender_id, **extra
        )
        return result

    def fail_next(
        self,
        status: int | None = None,
        *,
        body: object = None,
        timeout: float | None = None,
        reset: bool = False,
        route: str = "send",
    ) -> None:
        self._post("fail-next", status=status, body=body, timeout=timeout, reset=reset, route=route)

    def drop_webhooks(self, drop: bool = True) -> None:
        self._post("drop-webhooks", drop=drop)

    def webhook_url(self, url: str) -> None:
        self._post("webhook-url", url=url)

    def redeliver(self, key: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._post("redeliver", key=key)
        return result

    def verify_company(self, company_id: str, verified: bool = True) -> None:
        self._post("verification", companyId=company_id, verified=verified)

    def strict(self, strict: bool = True) -> None:
        self._post("strict", strict=strict)

    def participant(self, address: str, doc_type_ids: list[str] | None = None) -> None:
        self._post("participant", peppolAddress=address, docTypeIds=doc_type_ids)

    def reset(self) -> None:
        self._post("reset")

    def state(self) -> dict[str, Any]:
        response = requests.get(f"{self.url}/__control/state", timeout=30)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def sends(self) -> int:
        """How many send requests reached the stand-in."""
        return int(self.state()["requests"].get("send", 0))

    def outgoing(self) -> list[dict[str, Any]]:
        return [d for d in self.state()["documents"].values() if d["direction"] == "outgoing"]


class Server(LoopbackServer):
    """A ``FakeRecommand`` on ``127.0.0.1:port`` (0: a free one), in a thread."""

    methods = ("GET", "POST", "DELETE")
    max_body = MAX_BODY

    def __init__(self, fake: FakeRecommand | None = None, port: int = 0):
        super().__init__(port)
        self.fake = fake or FakeRecommand()
        self.api_url = self.url + API_PREFIX
        self.fake.base_url = self.url

    def answer(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Answer:
        status, data = self.fake.handle(method, path, parse_qs(query), headers, body)
        return status, data, {}

    def too_large(self) -> Answer:
        return 413, failure("Payload too large"), {}

    def stop(self) -> None:
        self.fake.stopping.set()
        super().stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="A stand-in for Recommand's API, on loopback")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--secret", default="", help="the webhook secret (signs X-Signature)")
    parser.add_argument("--api-key", default="key_fake")
    parser.add_argument("--api-secret", default="secret_fake")
    options = parser.parse_args()
    fake = FakeRecommand(
        api_key=options.api_key,
        api_secret=options.api_secret,
        webhook_secret=options.secret,
        webhook_url=options.webhook_url,
    )
    server = Server(fake, port=options.port)
    print(f"Recommand stand-in (development only) on {server.api_url}", flush=True)
    server.serve()


if __name__ == "__main__":
    main()
