"""Writes of Peppol: the company's registration, sending exactly once, receiving.

Sending: ``transmission_queue`` stores the exact bytes (validated on all three layers) and
queues them; ``transmission_send`` (a worker) claims a queued transmission and asks the
partner once. The partner's send is synchronous and has no idempotency key, so an answer lost
on the way makes it ``unknown`` and only ``transmission_reconcile``, having found the
partner has no such document, may queue it again: never two sends, never a lost one.

Receiving: a webhook call is only a hint (``inbound_call_record`` keeps its key, so the same
call twice is one); ``inbound_fetch`` asks the partner for the document with our
credentials, stores it byte for byte (``reception_store``), and only then acknowledges it.
``inbound_poll`` asks for anything not acknowledged, for webhooks that never came.
"""

import datetime
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lxml import etree

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.core.errors import DomainError
from apps.core.files import sha256_hex, stored_delete
from apps.core.xml import XMLRejected, parse_xml
from apps.einvoice.validation import validate
from apps.outbox.models import Topic
from apps.outbox.services import event_emit
from apps.peppol import tasks
from apps.peppol.clients import gateway
from apps.peppol.gateway import (
    DOCUMENT_RECEIVED,
    AccessPointGateway,
    CompanyIdentity,
    GatewayError,
    InboundDocument,
    MigrationStatus,
    SendStatus,
    WebhookCall,
)
from apps.peppol.lookup import company_check, company_forget
from apps.peppol.models import InboundCall, PeppolCompany, Reception, Transmission
from apps.peppol.problems import describe

logger = logging.getLogger(__name__)

NOT_SENT_BACKOFF = (30, 120, 600, 1800, 3600)  # seconds before asking again, then hourly
MAX_NOT_SENT = 24  # a partner unreachable for about a day: failed, said plainly
RECONCILE_AFTER = datetime.timedelta(minutes=1)
RECONCILE_BACKOFF = datetime.timedelta(minutes=10)
SENDING_STUCK = datetime.timedelta(minutes=10)  # a worker that died mid-send
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}
# UNCL 4343 codes of the Peppol Invoice Response and Message Level Response
RESPONSE_CODES = {
    "AB": _("received by the customer's system"),
    "IP": _("being processed by the customer"),
    "UQ": _("under query by the customer"),
    "CA": _("conditionally accepted by the customer"),
    "RE": _("rejected by the customer"),
    "AP": _("accepted by the customer"),
    "PD": _("marked paid by the customer"),
}


def _partner() -> AccessPointGateway:
    found = gateway()
    if found is None:
        raise DomainError(
            _("Peppol is not configured on this OkiOki; invoices go by e-mail."),
            code="peppol_not_configured",
        )
    return found


def company_identity(company: Company) -> CompanyIdentity:
    return CompanyIdentity(
        name=company.name,
        street=company.street,
        postal_code=company.postal_code,
        city=company.city,
        country=company.country or "BE",
        enterprise_number=company.enterprise_number,
        vat_number=company.vat_number,
        email=company.email,
    )


# --- The company on Peppol ---------------------------------------------------------------


def _refused(error: GatewayError) -> DomainError:
    logger.info("Peppol access point: %s", error)
    if error.temporary:
        return DomainError(
            _("The Peppol access point could not be reached. Try again in a few minutes."),
            code="peppol_unreachable",
        )
    return DomainError(describe(error.code, error.params), code="peppol_refused")


def _forget(company: Company) -> None:
    """What the network says of the company changed: the next look asks it again."""
    company_forget(enterprise_number=company.enterprise_number, vat_number=company.vat_number)


def peppol_register(*, company: Company, receive: bool = True) -> PeppolCompany:
    """Register the company with the partner, to send and (``receive``) to receive.

    Receiving is exclusive: when the company already receives through another access point,
    it is not registered as a receiver here unless it migrates (``peppol_migrate``) or
    chooses to keep receiving there (``receive=False``: sending only)."""
    partner = _partner()
    registration = PeppolCompany.objects.filter(company=company).first()
    if registration is not None and registration.status != PeppolCompany.Status.DEREGISTERED:
        return registration
    if not company.enterprise_number:
        raise DomainError(
            _("Fill in the company's enterprise number first: Peppol identifies it by it."),
            code="no_enterprise_number",
        )
    if receive:
        found = company_check(
            enterprise_number=company.enterprise_number, vat_number=company.vat_number
        )
        if found.registered:
            raise DomainError(
                _(
                    "%(participant)s already receives e-invoices through another Peppol access "
                    "point. A company receives through one access point only: move it here "
                    "with a migration key from your current provider, or keep receiving there "
                    "and send through OkiOki."
                )
                % {"participant": found.participant},
                code="registered_elsewhere",
            )
    try:
        answer = partner.register_company(company_identity(company), receive=receive)
    except GatewayError as error:
        raise _refused(error) from error
    registration = registration or PeppolCompany(company=company)
    registration.provider = partner.name
    registration.ap_company_id = answer.ap_company_id
    registration.status = (
        PeppolCompany.Status.ACTIVE if answer.verified else PeppolCompany.Status.VERIFICATION
    )
    registration.verification_url = answer.verification_url
    registration.identifiers = list(answer.identifiers) if receive else []
    registration.problem = ""
    registration.registered_at = timezone.now()
    registration.deregistered_at = None
    registration.save()
    _forget(company)
    return registration


def peppol_refresh(*, company: Company) -> PeppolCompany | None:
    """Ask the partner where the registration stands (identity verified, migration done)."""
    registration = PeppolCompany.objects.filter(company=company).first()
    if registration is None or registration.status == PeppolCompany.Status.DEREGISTERED:
        return registration
    try:
        answer = _partner().company_status(registration.ap_company_id)
    except GatewayError as error:
        raise _refused(error) from error
    # the partner may give its verification page only once, at registration: kept
    registration.verification_url = answer.verification_url or registration.verification_url
    # what it receives on stays what we registered or moved (the partner lists every
    # identifier it holds, also one whose move is still pending)
    if answer.verified and registration.status in (
        PeppolCompany.Status.VERIFICATION,
        PeppolCompany.Status.MIGRATION,  # the partner completes a migration once verified
    ):
        registration.status = PeppolCompany.Status.ACTIVE
    registration.save(update_fields=["verification_url", "status", "updated_at"])
    return registration


def peppol_migrate(*, company: Company, migration_key: str) -> PeppolCompany:
    """Move the company's receiving from its current access point to ours with the key its
    current provider gave (registering it with the partner first, as a sender)."""
    partner = _partner()
    registration = PeppolCompany.objects.filter(company=company).first()
    if registration is None or registration.status == PeppolCompany.Status.DEREGISTERED:
        registration = peppol_register(company=company, receive=False)
    participant = f"0208:{company.enterprise_number}"
    try:
        status = partner.request_migration(
            registration.ap_company_id, participant, migration_key.strip()
        )
    except GatewayError as error:
        raise _refused(error) from error
    registration.identifiers = [participant]
    registration.status = (
        PeppolCompany.Status.ACTIVE
        if status == MigrationStatus.COMPLETED
        and registration.status != PeppolCompany.Status.VERIFICATION
        else PeppolCompany.Status.MIGRATION
    )
    registration.save(update_fields=["identifiers", "status", "updated_at"])
    _forget(company)
    return registration


def peppol_deregister(*, company: Company) -> PeppolCompany | None:
    """Take the company off Peppol (it leaves OkiOki or its plan no longer has Peppol).
    Invoices to it then reach it only by other means: its senders find it no longer."""
    registration = PeppolCompany.objects.filter(company=company).first()
    if registration is None or registration.status == PeppolCompany.Status.DEREGISTERED:
        return registration
    try:
        _partner().deregister_company(registration.ap_company_id)
    except GatewayError as error:
        raise _refused(error) from error
    registration.status = PeppolCompany.Status.DEREGISTERED
    registration.identifiers = []
    registration.deregistered_at = timezone.now()
    registration.save(update_fields=["status", "identifiers", "deregistered_at", "updated_at"])
    _forget(company)
    return registration


# --- Sending -----------------------------------------------------------------------------


def _why(transmission: Transmission, code: str = "", params: dict[str, Any] | None = None) -> None:
    """Why it failed, waits or is being checked (nothing: all is well)."""
    transmission.reason_code = code
    transmission.reason_params = dict(params or {}) if code else {}


def _note(transmission: Transmission, what: str, **data: Any) -> None:
    transmission.history = [
        *transmission.history,
        {"at": timezone.now().isoformat(), "what": what, **data},
    ]


def _announce(transmission: Transmission) -> None:
    event_emit(
        company=transmission.company,
        topic=Topic.TRANSMISSION_CHANGED,
        transmission_id=transmission.pk,
        subject=transmission.subject,
        status=transmission.status,
    )


def transmission_queue(
    *, company: Company, subject: str, reference: str, receiver: str, xml: bytes
) -> Transmission:
    """Queue ``xml`` (exactly these bytes) for ``receiver`` over Peppol, once per ``subject``.

    Refused unless the UBL passes the XSD, EN 16931 and Peppol BIS 3, and the company is
    registered with the partner. A subject that is queued, on its way, sent or being checked
    is not queued again; a failed one may be, with new bytes."""
    partner = _partner()
    registration = PeppolCompany.objects.filter(company=company).first()
    if registration is None or not registration.can_send:
        raise DomainError(
            _("Register the company on Peppol first (Settings → Peppol)."),
            code="peppol_not_registered",
        )
    report = validate(xml)
    if not report.is_valid:
        raise DomainError(
            _("This e-invoice does not pass the Peppol rules, so it cannot be sent: %(rules)s")
            % {"rules": ", ".join(report.fatal_rules[:5]) or "; ".join(report.errors[:1])},
            code="peppol_invalid",
        )
    with transaction.atomic():
        transmission = (
            Transmission.objects.select_for_update()
            .filter(company=company, subject=subject)
            .first()
        )
        if transmission is not None and transmission.status != Transmission.Status.FAILED:
            raise DomainError(
                _("This document is already on its way over Peppol."), code="peppol_already"
            )
        old = transmission.xml if transmission is not None else None
        transmission = transmission or Transmission(company=company, subject=subject)
        transmission.reference = reference
        transmission.receiver = receiver
        transmission.provider = partner.name
        transmission.sha256 = sha256_hex(xml)
        transmission.status = Transmission.Status.QUEUED
        transmission.attempts = 0
        transmission.next_attempt_at = None
        _why(transmission)
        transmission.errors = []
        _note(transmission, "queued", receiver=receiver)
        transmission.xml.save(f"{reference or 'document'}.xml", ContentFile(xml), save=False)
        transmission.save()
        if old:
            transaction.on_commit(lambda: stored_delete(old))
        _announce(transmission)
        transaction.on_commit(lambda: _enqueue_send(transmission))
    return transmission


def _enqueue_send(transmission: Transmission) -> None:
    tasks.transmission_send.delay(transmission.company_id, transmission.pk)


def _claim(company: Company, transmission_id: int) -> Transmission | None:
    """Queued and due → sending, by one worker only (a conditional UPDATE)."""
    now = timezone.now()
    due = Transmission.objects.filter(
        company=company, pk=transmission_id, status=Transmission.Status.QUEUED
    ).exclude(next_attempt_at__gt=now)
    if not due.update(status=Transmission.Status.SENDING, sending_since=now, updated_at=now):
        return None
    return Transmission.objects.get(pk=transmission_id)


def transmission_send(*, company: Company, transmission_id: int) -> Transmission | None:
    """Send one queued transmission, once. Not queued or not due: left alone (so a
    duplicate task changes nothing)."""
    transmission = _claim(company, transmission_id)
    if transmission is None:
        return None
    registration = PeppolCompany.objects.get(company=company)
    with transmission.xml.open("rb") as stored:
        xml = stored.read()
    if sha256_hex(xml) != transmission.sha256:  # the stored bytes are the ones we checked
        raise RuntimeError(f"transmission {transmission.pk}: stored XML changed")
    result = _partner().send(
        registration.ap_company_id,
        xml=xml,
        recipient=transmission.receiver,
        reference=transmission.reference,
    )
    now = timezone.now()
    transmission.attempts += 1
    transmission.sending_since = None
    if result.status == SendStatus.SENT:
        transmission.status = Transmission.Status.SENT
        transmission.ap_document_id = result.ap_document_id
        transmission.peppol_message_id = result.peppol_message_id
        transmission.sent_at = now
        _why(transmission)
        _note(transmission, "sent", message_id=result.peppol_message_id)
    elif result.status == SendStatus.REFUSED:
        transmission.status = Transmission.Status.FAILED
        _why(transmission, result.code, result.params)
        transmission.errors = list(result.errors)
        _note(
            transmission,
            "failed",
            reason_code=result.code,
            reason_params=result.params,
            errors=list(result.errors),
        )
    elif result.status == SendStatus.UNKNOWN:
        # maybe sent: only the reconciler, having asked the partner, may send it again
        transmission.status = Transmission.Status.UNKNOWN
        _why(transmission, result.code, result.params)
        transmission.next_attempt_at = now + RECONCILE_AFTER
        _note(transmission, "unknown", reason_code=result.code, reason_params=result.params)
    elif transmission.attempts >= MAX_NOT_SENT:  # NOT_SENT, for a day
        transmission.status = Transmission.Status.FAILED
        _why(transmission, result.code, result.params)
        _note(transmission, "failed", reason_code=result.code, reason_params=result.params)
    else:  # NOT_SENT: the partner never had it, so asking again is safe
        transmission.status = Transmission.Status.QUEUED
        _why(transmission, result.code, result.params)
        wait = NOT_SENT_BACKOFF[min(transmission.attempts, len(NOT_SENT_BACKOFF)) - 1]
        transmission.next_attempt_at = now + datetime.timedelta(seconds=wait)
    with transaction.atomic():
        transmission.save()
        _announce(transmission)
    return transmission


def transmission_reconcile(*, company: Company, transmission_id: int) -> Transmission | None:
    """For a transmission whose answer was lost: does the partner have it? Yes: sent. No:
    queued again (the one send that may follow). Can't tell: asked again later."""
    now = timezone.now()
    transmission = (
        Transmission.objects.filter(
            company=company, pk=transmission_id, status=Transmission.Status.UNKNOWN
        )
        .exclude(next_attempt_at__gt=now)
        .first()
    )
    if transmission is None:
        return None
    registration = PeppolCompany.objects.get(company=company)
    try:
        found = _partner().find_sent(registration.ap_company_id, transmission.reference)
    except GatewayError as error:
        transmission.next_attempt_at = now + RECONCILE_BACKOFF
        _why(transmission, error.code, error.params)
        transmission.save(
            update_fields=["next_attempt_at", "reason_code", "reason_params", "updated_at"]
        )
        return transmission
    if found is not None:
        transmission.status = Transmission.Status.SENT
        transmission.ap_document_id = found.ap_document_id
        transmission.peppol_message_id = found.peppol_message_id
        transmission.sent_at = found.sent_at or now
        _why(transmission)
        _note(transmission, "confirmed", message_id=found.peppol_message_id)
    else:
        transmission.status = Transmission.Status.QUEUED
        transmission.next_attempt_at = None
        _note(transmission, "not_received")
    with transaction.atomic():
        transmission.save()
        _announce(transmission)
        if transmission.status == Transmission.Status.QUEUED:
            transaction.on_commit(lambda: _enqueue_send(transmission))
    return transmission


def transmissions_sweep() -> dict[str, int]:
    """Every minute, for all companies: sends of dead workers become unknown (never sent
    blindly again), due queued ones are sent, due unknown ones are reconciled."""
    now = timezone.now()
    rows = Transmission.objects.unscoped()
    stuck = rows.filter(
        status=Transmission.Status.SENDING, sending_since__lt=now - SENDING_STUCK
    ).update(status=Transmission.Status.UNKNOWN, next_attempt_at=now, updated_at=now)
    due = rows.exclude(next_attempt_at__gt=now)
    queued = list(
        due.filter(status=Transmission.Status.QUEUED).values_list("company_id", "pk")[:500]
    )
    unknown = list(
        due.filter(status=Transmission.Status.UNKNOWN).values_list("company_id", "pk")[:500]
    )
    for company_id, pk in queued:
        tasks.transmission_send.delay(company_id, pk)
    for company_id, pk in unknown:
        tasks.transmission_reconcile.delay(company_id, pk)
    return {"stuck": stuck, "queued": len(queued), "unknown": len(unknown)}


# --- Receiving ---------------------------------------------------------------------------


def inbound_call_record(*, provider: str, call: WebhookCall) -> InboundCall | None:
    """Keep a verified webhook call by its key; None when it came before (a retry, a
    replay). The document is fetched by a worker after commit."""
    try:
        with transaction.atomic():
            record = InboundCall.objects.create(
                provider=provider,
                key=call.key[:200],
                event_type=call.event_type[:100],
                ap_document_id=call.ap_document_id[:100],
                ap_company_id=call.ap_company_id[:100],
            )
    except IntegrityError:
        return None
    # a received document is fetched; other events (a partner's news of what we sent) are
    # kept, the reconciler and the poll ask the partner themselves
    if call.ap_document_id and call.event_type == DOCUMENT_RECEIVED:
        transaction.on_commit(lambda: _enqueue_fetch(call.ap_document_id))
    return record


def _enqueue_fetch(ap_document_id: str) -> None:
    tasks.inbound_fetch.delay(ap_document_id)


def _text(root: Any, path: str) -> str:
    found = root.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _endpoint(root: Any, party: str) -> str:
    endpoint = root.find(f"cac:{party}/cac:Party/cbc:EndpointID", NS)
    if endpoint is None:
        return ""
    return f"{endpoint.get('schemeID', '')}:{(endpoint.text or '').strip()}".lower()


def _read_root(xml: bytes) -> Any | None:
    try:
        return parse_xml(xml)
    except (XMLRejected, etree.XMLSyntaxError, ValueError):
        return None  # kept as received; the document's reading says what is wrong


def reception_store(*, company: Company, inbound: InboundDocument, provider: str) -> Reception:
    """Keep a received document byte for byte, once per partner document; an invoice or
    credit note goes on to become a document (``peppol.received``), a response to one we
    sent goes into that transmission's history."""
    existing = Reception.objects.filter(
        provider=provider, ap_document_id=inbound.ap_document_id
    ).first()
    if existing is not None:
        return existing
    root = _read_root(inbound.xml)
    is_response = root is not None and etree.QName(root).localname == "ApplicationResponse"
    reception = Reception(
        company=company,
        provider=provider,
        ap_document_id=inbound.ap_document_id,
        kind=Reception.Kind.RESPONSE if is_response else Reception.Kind.DOCUMENT,
        sha256=sha256_hex(inbound.xml),
        sender=inbound.sender[:100],
        # whom the document says it is for (the partner's routing says whose inbox it reached)
        receiver=(
            (_endpoint(root, "AccountingCustomerParty") if root is not None else "")
            or inbound.receiver
        )[:100],
        peppol_message_id=inbound.peppol_message_id[:200],
        document_type=inbound.document_type[:300],
    )
    try:
        with transaction.atomic():
            reception.xml.save(
                f"{inbound.ap_document_id}.xml", ContentFile(inbound.xml), save=False
            )
            reception.save()
            if is_response:
                _record_response(company, root, reception)
            else:
                event_emit(company=company, topic=Topic.PEPPOL_RECEIVED, reception_id=reception.pk)
    except IntegrityError:  # another worker stored it a moment ago
        stored_delete(reception.xml)
        return Reception.objects.get(provider=provider, ap_document_id=inbound.ap_document_id)
    return reception


def _record_response(company: Company, root: Any, reception: Reception) -> None:
    """An invoice response or message level status on something we sent: into its history."""
    response = root.find("cac:DocumentResponse", NS)
    if response is None:
        return
    reference = _text(response, "cac:DocumentReference/cbc:ID")
    code = _text(response, "cac:Response/cbc:ResponseCode")
    reasons = [
        (r.text or "").strip()
        for r in response.findall("cac:Response/cac:Status/cbc:StatusReason", NS)
    ] + [(r.text or "").strip() for r in response.findall("cac:Response/cbc:Description", NS)]
    transmission = (
        Transmission.objects.filter(company=company, reference=reference)
        .exclude(status=Transmission.Status.FAILED)
        .first()
        or Transmission.objects.filter(company=company, peppol_message_id=reference).first()
    )
    if transmission is None:
        logger.info("Peppol response %s for unknown document %r", reception.pk, reference)
        return
    _note(
        transmission,
        "response",
        code=code,
        text=" ".join(r for r in reasons if r)[:500],
        reception_id=reception.pk,
    )
    transmission.save(update_fields=["history", "updated_at"])
    _announce(transmission)


def inbound_fetch(*, ap_document_id: str) -> Reception | None:
    """Fetch one received document from the partner (the webhook only named it), store it
    for the company it was received for, then acknowledge it. A document of no company of
    ours is logged and left unacknowledged at the partner (visible to the operator there and
    in the admin), never dropped."""
    partner = _partner()
    inbound = partner.fetch_inbound(ap_document_id)
    registration = (
        PeppolCompany.objects.unscoped()
        .filter(provider=partner.name, ap_company_id=inbound.ap_company_id)
        .select_related("company")
        .first()
    )
    if registration is None:
        logger.error(
            "Peppol document %s is for partner company %s, which is none of ours",
            ap_document_id,
            inbound.ap_company_id,
        )
        return None
    with company_scope(registration.company):
        with transaction.atomic():
            reception = reception_store(
                company=registration.company, inbound=inbound, provider=partner.name
            )
        # stored and committed: only now may the partner forget it
        if reception.acknowledged_at is None:
            partner.ack_inbound(ap_document_id)
            Reception.objects.filter(pk=reception.pk).update(acknowledged_at=timezone.now())
        InboundCall.objects.filter(
            provider=partner.name, ap_document_id=ap_document_id, handled_at__isnull=True
        ).update(handled_at=timezone.now())
    return reception


def inbound_poll() -> int:
    """Every few minutes: what the partner holds unacknowledged for any of our companies
    (a webhook lost or never sent) is fetched like a webhook's. The number fetched."""
    partner = gateway()
    if partner is None:
        return 0
    fetched = 0
    registrations = PeppolCompany.objects.unscoped().filter(
        provider=partner.name,
        status__in=[PeppolCompany.Status.ACTIVE, PeppolCompany.Status.MIGRATION],
    )
    for ap_company_id in registrations.values_list("ap_company_id", flat=True):
        try:
            waiting = partner.list_unacked_inbound(ap_company_id)
        except GatewayError as error:
            logger.warning("Peppol inbox of %s: %s", ap_company_id, error)
            continue
        for ap_document_id in waiting:
            tasks.inbound_fetch.delay(ap_document_id)
            fetched += 1
    return fetched


def reception_link(*, reception_id: int, document_id: int) -> None:
    Reception.objects.filter(pk=reception_id).update(document_id=document_id)
