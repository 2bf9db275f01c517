"""Recommand (recommand.eu, BRBX BV): our access-point partner, over its REST API v1.

The contract is read from Recommand's public source (github.com/recommand/recommand-peppol,
AGPL; snapshot of 2026-04-21 and newer files in the code index), not from a live account:
docs/peppol.md lists each route and how it maps onto ``AccessPointGateway``.

- Auth: HTTP Basic ``key:secret`` on every call. The API URL is the operator's setting, not
  a user's, so no guard against private addresses; redirects are never followed.
- Every call has a timeout (connect 5 s; read 20 s, or ``send_timeout`` for a send, which
  Recommand performs synchronously over AS4) and a bounded answer; JSON is read defensively.
- A send is not idempotent at Recommand: an answer lost after the request left us is
  ``UNKNOWN``, never ``NOT_SENT``; only a connection that was never made is ``NOT_SENT``.
- Webhooks carry ``X-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`` when a secret is
  set on Recommand's side, and ``X-Idempotency-Key`` (the delivery id, the same on retries).
  There is no timestamp in the signature: a replay is caught by the key, not by the HMAC.
"""

import datetime
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from django.utils import timezone
from urllib3.exceptions import MaxRetryError, NewConnectionError

from apps.core.outbound import AnswerTooLarge, read_limited
from apps.core.xml import XMLRejected, parse_xml
from apps.peppol.gateway import (
    ApCompany,
    CompanyIdentity,
    GatewayError,
    InboundDocument,
    MigrationStatus,
    SendResult,
    SendStatus,
    SentDocument,
    WebhookCall,
    WebhookRefused,
)
from apps.peppol.lookup import Reachability
from apps.peppol.problems import detail

logger = logging.getLogger(__name__)

CONNECT_SECONDS = 5
READ_SECONDS = 20
SMALL_ANSWER_BYTES = 2 * 1024 * 1024
# A received document comes back as JSON holding the XML (base64 attachments included) and
# its parsed form (the attachments again): room for two 20 MB documents and some.
DOCUMENT_ANSWER_BYTES = 64 * 1024 * 1024
WEBHOOK_BODY_BYTES = 64 * 1024
FIND_PAGE_SIZE = 100
FIND_MAX_PAGES = 5
MAX_KEY_CHARACTERS = 200  # WebhookCall.key is stored in a 200-character column
UBL_ID = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID"


class _Unreadable(Exception):
    """The partner answered, but not with what it promised (too large, not JSON)."""


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as error:  # UnicodeDecodeError is a ValueError too
            raise _Unreadable("the answer is not JSON") from error

    def object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise _Unreadable("the answer is not a JSON object")
        return data


def _never_sent(error: requests.RequestException) -> bool:
    """True when the connection was never made (refused, DNS, connect timeout, TLS
    handshake, an API URL that is not one): the partner cannot have received a byte."""
    never = (
        requests.ConnectTimeout,
        requests.exceptions.SSLError,
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
    )
    if isinstance(error, never):
        return True
    if not isinstance(error, requests.ConnectionError):
        return False
    reason = error.args[0] if error.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)  # NameResolutionError is one too


def _messages(errors: object) -> list[str]:
    """Every string in Recommand's ``errors`` (``{field: [message, …]}``; older code nested
    that object inside ``root``), in order."""
    found: list[str] = []
    if isinstance(errors, str):
        found.append(errors)
    elif isinstance(errors, list):
        for item in errors:
            found.extend(_messages(item))
    elif isinstance(errors, dict):
        for value in errors.values():
            found.extend(_messages(value))
    return found


def _refusal(answer: _Answer) -> tuple[str, tuple[str, ...]]:
    """The partner's own words (its ``root`` messages, else its findings; empty when it gave
    none) and its findings (every other field's)."""
    try:
        errors = answer.object().get("errors")
    except _Unreadable:
        return "", ()
    if not isinstance(errors, dict):
        return detail("; ".join(_messages(errors))), ()
    root = _messages(errors.get("root"))
    findings = tuple(
        dict.fromkeys(m for key, value in errors.items() if key != "root" for m in _messages(value))
    )
    return detail(" ".join(root) or "; ".join(findings)), findings


def _refused(status: int, words: str) -> tuple[str, dict[str, Any]]:
    """The code of a refusal with HTTP ``status`` and the partner's ``words``, and its params
    (the status too): a validation (400) or delivery (422) refusal is worded in the partner's
    words alone, any other with its status as well."""
    if not words:
        return "refused_http", {"status": status}
    if status in (400, 422):
        return "refused", {"status": status, "detail": words}
    return "refused_status", {"status": status, "detail": words}


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _moment(value: object) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _participant(data: Mapping[str, Any]) -> str:
    scheme, identifier = _text(data, "scheme"), _text(data, "identifier")
    return f"{scheme}:{identifier}" if scheme and identifier else ""


@dataclass
class RecommandGateway:
    api_url: str
    key: str
    secret: str
    webhook_secret: str
    network: str
    is_standin: bool
    send_timeout: int
    name: str = "recommand"
    label: str = "Recommand"

    def _error(
        self, code: str, *, temporary: bool, status: int | None = None, **params: Any
    ) -> GatewayError:
        """A ``GatewayError`` naming us as the partner."""
        return GatewayError(code, temporary=temporary, status=status, partner=self.label, **params)

    def _result(self, outcome: SendStatus, code: str, /, **params: Any) -> SendResult:
        """A send that did not go (or not surely), with its code and the partner's name."""
        return SendResult(outcome, code=code, params={"partner": self.label, **params})

    # --- the wire -------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
        read_seconds: float = READ_SECONDS,
        limit: int = SMALL_ANSWER_BYTES,
    ) -> _Answer:
        """One request; requests' exceptions pass through, an oversized answer is
        ``_Unreadable``. A fresh session each time: a pooled connection the partner closed
        would turn a send that never left into an unknown one."""
        url = f"{self.api_url.rstrip('/')}/{path.lstrip('/')}"
        with requests.Session() as session:
            session.trust_env = False  # no proxy or .netrc from the environment
            response = session.request(
                method,
                url,
                json=body,
                params=params,
                auth=(self.key, self.secret),
                headers={"Accept": "application/json"},
                timeout=(CONNECT_SECONDS, read_seconds),
                allow_redirects=False,
                stream=True,
            )
            with response:
                try:
                    answer = read_limited(response, limit)
                except AnswerTooLarge as error:
                    raise _Unreadable(str(error)) from error
        return _Answer(response.status_code, answer)

    def _json(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: Mapping[str, str | int] | None = None,
        limit: int = SMALL_ANSWER_BYTES,
    ) -> dict[str, Any]:
        """A call other than a send: the answer's JSON object, or ``GatewayError``."""
        try:
            answer = self._call(method, path, body=body, params=params, limit=limit)
        except requests.RequestException as error:
            raise self._error("not_reached", temporary=True, error=type(error).__name__) from error
        except _Unreadable as error:
            logger.warning("Recommand %s %s: %s", method, path, error)
            raise self._error("unreadable", temporary=True) from error
        if 200 <= answer.status < 300:
            try:
                return answer.object()
            except _Unreadable as error:
                logger.warning("Recommand %s %s: %s", method, path, error)
                raise self._error("unreadable", temporary=True, status=answer.status) from error
        words, findings = _refusal(answer)
        if findings and words != detail("; ".join(findings)):
            words = detail(f"{words} {'; '.join(findings)}")
        if answer.status == 429:
            raise self._error("rate_limited", temporary=True, status=answer.status)
        if answer.status >= 500 or answer.status == 408:
            raise self._error("server_error", temporary=True, status=answer.status, detail=words)
        code, params = _refused(answer.status, words)
        params.pop("status")  # the error's own
        raise self._error(code, temporary=False, status=answer.status, **params)

    # --- companies ------------------------------------------------------------------------

    def register_company(self, identity: CompanyIdentity, *, receive: bool = True) -> ApCompany:
        """``POST /companies``. Recommand creates the company's identifiers (0208 from the
        enterprise number, and the VAT number's) and its document types itself, and answers
        with the page where the owner verifies their identity. ``receive=False``: not an SMP
        recipient (it sends through us and keeps receiving at its own access point)."""
        data = self._json(
            "POST",
            "/companies",
            body={
                "name": identity.name,
                "address": identity.street,
                "postalCode": identity.postal_code,
                "city": identity.city,
                "country": identity.country,
                "enterpriseNumber": identity.enterprise_number or None,
                "vatNumber": identity.vat_number or None,
                "email": identity.email or None,
                "isSmpRecipient": receive,
            },
        )
        company = data.get("company")
        if not isinstance(company, dict) or not _text(company, "id"):
            raise self._error("incomplete", temporary=True)
        ap_company_id = _text(company, "id")
        try:
            identifiers = self._identifiers(ap_company_id)
        except GatewayError:
            # The company exists now; its id must reach the caller. The identifiers are
            # read again by company_status.
            identifiers = ()
        return ApCompany(
            ap_company_id=ap_company_id,
            verified=company.get("isVerified") is True,
            verification_url=_text(data, "verificationUrl"),
            identifiers=identifiers,
        )

    def _identifier_records(self, ap_company_id: str) -> list[dict[str, Any]]:
        data = self._json("GET", f"/companies/{ap_company_id}/identifiers")
        records = data.get("identifiers")
        if not isinstance(records, list):
            raise self._error("incomplete", temporary=True)
        return [record for record in records if isinstance(record, dict)]

    def _identifiers(self, ap_company_id: str) -> tuple[str, ...]:
        found = (_participant(record) for record in self._identifier_records(ap_company_id))
        return tuple(participant for participant in found if participant)

    def company_status(self, ap_company_id: str) -> ApCompany:
        """``GET /companies/{id}`` (``isVerified``) and its identifiers. Recommand gives the
        verification page only when the company is created, so ``verification_url`` is
        empty here: keep the one ``register_company`` returned."""
        data = self._json("GET", f"/companies/{ap_company_id}")
        company = data.get("company")
        if not isinstance(company, dict):
            # Recommand answers a company id it does not know with success and no company.
            raise self._error("unknown_company", temporary=False, status=404)
        return ApCompany(
            ap_company_id=ap_company_id,
            verified=company.get("isVerified") is True,
            identifiers=self._identifiers(ap_company_id),
        )

    def request_migration(
        self, ap_company_id: str, participant: str, migration_key: str
    ) -> MigrationStatus:
        """``POST /companies/{id}/identifiers/{identifierId}/migration {migrationKey}``: the
        key the current access point issued moves ``participant`` here in one step (SML
        migration). ``pending`` until the identity verification is done. A refused key is a
        ``GatewayError`` (not temporary) with Recommand's words."""
        wanted = participant.strip().lower()
        records = self._identifier_records(ap_company_id)
        record = next((r for r in records if _participant(r).lower() == wanted), None)
        if record is None or not _text(record, "id"):
            raise self._error("no_identifier", temporary=False, participant=participant)
        data = self._json(
            "POST",
            f"/companies/{ap_company_id}/identifiers/{_text(record, 'id')}/migration",
            body={"migrationKey": migration_key},
        )
        migration = data.get("migration")
        status = _text(migration, "status") if isinstance(migration, dict) else ""
        if status == "completed":
            return MigrationStatus.COMPLETED
        if status in ("pending", "inProgress"):
            return MigrationStatus.PENDING
        words = _text(migration, "errorMessage") if isinstance(migration, dict) else ""
        logger.warning("Recommand migration of %s: %r %r", participant, status, words)
        if words:
            raise self._error(
                "migration_refused", temporary=False, participant=participant, detail=detail(words)
            )
        raise self._error("migration_failed", temporary=False, participant=participant)

    def deregister_company(self, ap_company_id: str) -> None:
        """``DELETE /companies/{id}``; Recommand then removes its SMP registration. A company
        Recommand no longer knows is gone already."""
        try:
            self._json("DELETE", f"/companies/{ap_company_id}")
        except GatewayError as error:
            if error.status != 404:
                raise

    # --- lookup ---------------------------------------------------------------------------

    def lookup(self, participant: str) -> Reachability:
        """``POST /verify {peppolAddress}``. Recommand's verify answers ``isValid: false``
        for an unregistered participant *and* for any error of its own (DNS trouble, an SMP
        that errs): so ``false`` is reported as unknown (``registered=None``), never as "not
        on Peppol". Our own SML lookup (apps.peppol.lookup) is the one that can say no."""
        data = self._json("POST", "/verify", body={"peppolAddress": participant})
        now = timezone.now()
        if data.get("isValid") is not True:
            return Reachability(
                participant=participant,
                registered=None,
                checked_at=now,
                problem="Recommand's verify said not valid (also its answer to its own errors)",
            )
        documents = data.get("supportedDocuments")
        types = tuple(
            _text(document, "docTypeId")
            for document in (documents if isinstance(documents, list) else [])
            if isinstance(document, dict) and _text(document, "docTypeId")
        )
        return Reachability(
            participant=participant,
            registered=True,
            document_types=types,
            smp=_text(data, "smpUrl"),
            checked_at=now,
        )

    # --- sending --------------------------------------------------------------------------

    def send(self, ap_company_id: str, *, xml: bytes, recipient: str, reference: str) -> SendResult:
        """``POST /{companyId}/send {recipient, documentType: "xml", document}``: Recommand
        validates (400 with its findings), then sends over AS4 before it answers (422 when
        the receiver's access point refused or could not be reached). No e-mail fallback is
        asked for, so a 200 means sent over Peppol."""
        try:
            document = xml.decode("utf-8")
        except UnicodeDecodeError:
            return SendResult(SendStatus.REFUSED, code="not_utf8")
        body = {"recipient": recipient, "documentType": "xml", "document": document}
        try:
            answer = self._call(
                "POST", f"/{ap_company_id}/send", body=body, read_seconds=self.send_timeout
            )
        except requests.RequestException as error:
            if _never_sent(error):
                return self._result(SendStatus.NOT_SENT, "not_reached", error=type(error).__name__)
            logger.warning("Recommand send of %s: %s", reference, type(error).__name__)
            return self._result(SendStatus.UNKNOWN, "no_answer", error=type(error).__name__)
        except _Unreadable as error:
            logger.warning("Recommand send of %s: %s", reference, error)
            return self._result(SendStatus.UNKNOWN, "unreadable")
        return self._send_result(answer)

    def _send_result(self, answer: _Answer) -> SendResult:
        if 200 <= answer.status < 300:
            try:
                data = answer.object()
            except _Unreadable as error:
                logger.warning("Recommand send answer: %s", error)
                return self._result(SendStatus.UNKNOWN, "unreadable")
            ap_document_id = _text(data, "id")
            if not ap_document_id or data.get("success") is False:
                return self._result(SendStatus.UNKNOWN, "incomplete")
            if data.get("sentOverPeppol") is False:
                return SendResult(
                    SendStatus.REFUSED,
                    ap_document_id=ap_document_id,
                    code="not_sent_over_peppol",
                    params={"partner": self.label},
                )
            return SendResult(
                SendStatus.SENT,
                ap_document_id=ap_document_id,
                peppol_message_id=_text(data, "peppolMessageId"),
            )
        if answer.status >= 500 or answer.status == 408:
            return self._result(SendStatus.UNKNOWN, "server_error", status=answer.status)
        if answer.status == 429:  # rate-limited before anything was done
            return self._result(SendStatus.NOT_SENT, "rate_limited", status=answer.status)
        # 400 (validation), 422 (the receiver's access point), and the middleware's refusals
        # before any work (401 credentials, 403 verification, 404 company): not sent.
        words, findings = _refusal(answer)
        code, params = _refused(answer.status, words)
        return SendResult(
            SendStatus.REFUSED, code=code, params={"partner": self.label, **params}, errors=findings
        )

    def find_sent(self, ap_company_id: str, reference: str) -> SentDocument | None:
        """``GET /documents?direction=outgoing&companyId=&search=<reference>``. The search is
        a substring match over names and numbers (INV-1 also finds INV-10 and a customer
        named "INV-1 BV"), so each hit's own number must equal ``reference``: the parsed
        ``invoiceNumber``/``creditNoteNumber``, or else the XML's ``cbc:ID``."""
        reference = reference.strip()
        if not reference:
            raise self._error("no_reference", temporary=False)
        for page in range(1, FIND_MAX_PAGES + 1):
            data = self._json(
                "GET",
                "/documents",
                params={
                    "direction": "outgoing",
                    "companyId": ap_company_id,
                    "search": reference,
                    "page": page,
                    "limit": FIND_PAGE_SIZE,
                },
                limit=DOCUMENT_ANSWER_BYTES,
            )
            documents = data.get("documents")
            if not isinstance(documents, list):
                raise self._error("incomplete", temporary=True)
            for document in documents:
                if not isinstance(document, dict) or document.get("sentOverPeppol") is False:
                    continue
                if _text(document, "companyId") not in ("", ap_company_id):
                    continue
                if self._number(document) == reference:
                    return SentDocument(
                        ap_document_id=_text(document, "id"),
                        peppol_message_id=_text(document, "peppolMessageId"),
                        reference=reference,
                        sent_at=_moment(document.get("createdAt")),
                    )
            pagination = data.get("pagination")
            pages = pagination.get("totalPages") if isinstance(pagination, dict) else None
            if not isinstance(pages, int) or page >= pages:
                return None
        raise self._error(
            "too_many_matches",
            temporary=False,
            count=FIND_MAX_PAGES * FIND_PAGE_SIZE,
            reference=reference,
        )

    def _number(self, document: Mapping[str, Any]) -> str:
        parsed = document.get("parsed")
        if isinstance(parsed, dict):
            for key in ("invoiceNumber", "creditNoteNumber"):
                if _text(parsed, key):
                    return _text(parsed, key).strip()
        # Not parsed by Recommand (an unknown document type): read the number from the XML.
        full = self._json("GET", f"/documents/{_text(document, 'id')}", limit=DOCUMENT_ANSWER_BYTES)
        record = full.get("document")
        xml = _text(record, "xml") if isinstance(record, dict) else ""
        try:
            root = parse_xml(xml.encode("utf-8"))
        except XMLRejected:
            return ""
        found = root.find(UBL_ID)
        return (found.text or "").strip() if found is not None else ""

    # --- receiving ------------------------------------------------------------------------

    def fetch_inbound(self, ap_document_id: str) -> InboundDocument:
        """``GET /documents/{id}``; the ``xml`` field is the document as received (a JSON
        string: its UTF-8 bytes are the received bytes for a UTF-8 document, line endings
        and all)."""
        data = self._json("GET", f"/documents/{ap_document_id}", limit=DOCUMENT_ANSWER_BYTES)
        document = data.get("document")
        if not isinstance(document, dict):
            raise self._error("incomplete", temporary=True)
        if document.get("direction") != "incoming":
            raise self._error("not_incoming", temporary=False, document=ap_document_id)
        xml = _text(document, "xml")
        if not xml:
            raise self._error("no_xml", temporary=False, document=ap_document_id)
        return InboundDocument(
            ap_document_id=_text(document, "id") or ap_document_id,
            ap_company_id=_text(document, "companyId"),
            xml=xml.encode("utf-8"),
            sender=_text(document, "senderId"),
            receiver=_text(document, "receiverId"),
            peppol_message_id=_text(document, "peppolMessageId"),
            document_type=_text(document, "docTypeId"),
        )

    def ack_inbound(self, ap_document_id: str) -> None:
        """``POST /documents/{id}/mark-as-read {read: true}``: it leaves the inbox."""
        self._json("POST", f"/documents/{ap_document_id}/mark-as-read", body={"read": True})

    def list_unacked_inbound(self, ap_company_id: str) -> list[str]:
        """``GET /inbox?companyId=``: the received documents not marked as read."""
        data = self._json("GET", "/inbox", params={"companyId": ap_company_id})
        documents = data.get("documents")
        if not isinstance(documents, list):
            raise self._error("incomplete", temporary=True)
        return [
            _text(document, "id")
            for document in documents
            if isinstance(document, dict)
            and _text(document, "id")
            and _text(document, "companyId") in ("", ap_company_id)
        ]

    def read_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookCall:
        """Verify ``X-Signature`` over the raw body when we have a webhook secret (then a
        call without one is refused); without a secret, any readable call is a hint only
        (what it names is fetched with our credentials)."""
        named = {name.lower(): value for name, value in headers.items()}
        if len(body) > WEBHOOK_BODY_BYTES:
            raise WebhookRefused("body too large")
        if self.webhook_secret:
            given = named.get("x-signature", "").strip()
            digest = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            scheme, _, hexdigest = given.partition("=")
            if not given or scheme.lower() != "sha256":
                raise WebhookRefused("no sha256 signature")
            if not hmac.compare_digest(hexdigest.lower().encode(), digest.encode()):
                raise WebhookRefused("wrong signature")
        try:
            data = json.loads(body)
        except ValueError as error:
            raise WebhookRefused("body is not JSON") from error
        if not isinstance(data, dict) or not _text(data, "eventType"):
            raise WebhookRefused("body has no eventType")
        key = named.get("x-idempotency-key", "").strip()
        if not key or len(key) > MAX_KEY_CHARACTERS:
            key = "sha256:" + hashlib.sha256(key.encode() or body).hexdigest()
        return WebhookCall(
            key=key,
            event_type=_text(data, "eventType")[:100],
            ap_document_id=_text(data, "documentId")[:100],
            ap_company_id=_text(data, "companyId")[:100],
        )
