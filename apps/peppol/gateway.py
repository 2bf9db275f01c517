"""Every Peppol call OkiOki makes, behind one interface: ``AccessPointGateway``.

OkiOki is not an access point; a partner's API carries our UBL over the Peppol network. Each
partner is one adapter in ``apps.peppol.clients`` answering in the types below, so that a
second partner is a second module, not a rewrite (docs/peppol.md says what e-invoice.be and
Billit would need). The rest of OkiOki sees only this module.

Adapters never raise for what the partner or the network does except ``GatewayError``
(with ``temporary`` saying whether asking again later may help) and ``WebhookRefused``.
"""

import datetime
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from apps.peppol.lookup import Reachability


class GatewayError(Exception):
    """The partner could not do what was asked: ``code`` (``apps.peppol.problems``) and its
    ``params`` (the partner's own words as ``detail``), worded for the user when read;
    ``temporary``: ask again later. ``str()`` of it is for the logs."""

    def __init__(self, code: str, *, temporary: bool, status: int | None = None, **params: Any):
        super().__init__(f"{code} {params}" if params else code)
        self.code = code
        # what the words need: the HTTP status too, when there was one
        self.params = {**params, "status": status} if status is not None else params
        self.temporary = temporary
        self.status = status


class WebhookRefused(Exception):
    """A webhook call that is not the partner's (no or a wrong signature) or not readable."""


@dataclass(frozen=True)
class CompanyIdentity:
    """What the partner needs to register one of our companies."""

    name: str
    street: str
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    enterprise_number: str  # 10 digits, Belgian companies
    vat_number: str  # "BE0403170701", or empty
    email: str = ""

    @property
    def participants(self) -> tuple[str, ...]:
        """The Peppol identifiers it receives on: 0208 (enterprise number), then 9925 (VAT)."""
        found = []
        if self.enterprise_number:
            found.append(f"0208:{self.enterprise_number}")
        if self.vat_number:
            found.append(f"9925:{self.vat_number.lower()}")
        return tuple(found)


@dataclass(frozen=True)
class ApCompany:
    """One of our companies as the partner knows it."""

    ap_company_id: str
    verified: bool  # the partner's identity verification is done (or not asked for)
    verification_url: str = ""  # where the owner verifies their identity, when asked
    identifiers: tuple[str, ...] = ()  # "0208:…" the partner registered in the SML for it


class MigrationStatus(enum.StrEnum):
    COMPLETED = "completed"  # the identifier now receives through our partner
    PENDING = "pending"  # runs once the identity verification is done


class SendStatus(enum.StrEnum):
    SENT = "sent"  # delivered to the receiver's access point
    REFUSED = "refused"  # the partner refused it (validation, unknown receiver): not sent
    UNKNOWN = "unknown"  # we asked, but the answer was lost (timeout, 5xx): maybe sent
    NOT_SENT = "not_sent"  # the request never reached the partner: safe to send again


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    ap_document_id: str = ""
    peppol_message_id: str = ""
    # why, when refused, unknown or not sent: a code of apps.peppol.problems and its params
    # (the partner's own words, when it gave any, as "detail")
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    errors: tuple[str, ...] = ()  # the partner's validation findings ("BR-CO-15: …")

    @property
    def detail(self) -> str:
        """The partner's own words, when it gave any."""
        return str(self.params.get("detail", ""))


@dataclass(frozen=True)
class SentDocument:
    """An outgoing document the partner has on record (the reconciler's evidence)."""

    ap_document_id: str
    peppol_message_id: str
    reference: str  # our number (cbc:ID)
    sent_at: datetime.datetime | None


@dataclass(frozen=True)
class InboundDocument:
    """A document the partner received for one of our companies, as received."""

    ap_document_id: str
    ap_company_id: str
    xml: bytes  # byte for byte as the partner received it
    sender: str = ""  # "0208:…"
    receiver: str = ""
    peppol_message_id: str = ""
    document_type: str = ""


DOCUMENT_RECEIVED = "document.received"  # adapters name their partner's event so


@dataclass(frozen=True)
class WebhookCall:
    """A verified webhook call: only a hint of what to fetch."""

    key: str  # the partner's idempotency key or event id: the same call twice has one key
    event_type: str  # DOCUMENT_RECEIVED, or the partner's own name of another event
    ap_document_id: str = ""
    ap_company_id: str = ""


class AccessPointGateway(Protocol):
    """One Peppol access-point partner."""

    name: str  # "recommand"
    label: str  # as the user reads it: "Recommand"
    is_standin: bool  # a development stand-in (make run): said on every page that mentions it

    def register_company(self, identity: CompanyIdentity, *, receive: bool = True) -> ApCompany:
        """``receive=False``: to send only (the company keeps receiving elsewhere)."""
        ...

    def company_status(self, ap_company_id: str) -> ApCompany: ...

    def request_migration(
        self, ap_company_id: str, participant: str, migration_key: str
    ) -> MigrationStatus: ...

    def deregister_company(self, ap_company_id: str) -> None: ...

    def lookup(self, participant: str) -> Reachability: ...

    def send(
        self, ap_company_id: str, *, xml: bytes, recipient: str, reference: str
    ) -> SendResult: ...

    def find_sent(self, ap_company_id: str, reference: str) -> SentDocument | None:
        """The outgoing document with our number ``reference``; None if the partner has none.
        GatewayError when it cannot tell (then nothing may be sent again)."""
        ...

    def fetch_inbound(self, ap_document_id: str) -> InboundDocument: ...

    def ack_inbound(self, ap_document_id: str) -> None: ...

    def list_unacked_inbound(self, ap_company_id: str) -> list[str]:
        """The ids of received documents not acknowledged yet."""
        ...

    def read_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookCall:
        """Verify a webhook call on its raw body; WebhookRefused when it is not the partner's."""
        ...
