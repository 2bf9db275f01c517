"""The sequences that cross apps, in one place: what happens next when an app announces
something (``apps.outbox``). The apps below never import this module.

A file arrives (``inbox`` or an upload) → ``documents`` ingests and reads it → a ready
document (``document.ready``) gets its delivery planned by ``connections`` → the delivery is
sent exactly once on the ``delivery`` queue → each change of a delivery
(``delivery.changed``) goes into the document's timeline, and the document follows: a sent
delivery makes it delivered (or sends its corrected version next), a delivery that cannot
go as it is puts the document back in review. A ready purchase invoice may be what a
payment already on the bank paid: the bank's matching runs again.

A document deleted as junk leaves the transfer: ``connections`` withdraws its deliveries
(``register`` sets it as the documents' transfer withdrawal).

A bank statement file that arrives with documents (by mailbox, forwarding address, cloud
folder, upload or API) is no document: ``documents`` hands it to the bank import, which
``register`` sets as its statement intake (``statement_received``).

A Stripe invoice finalized or paid (``apps.billing``'s webhook) makes or settles OkiOki's own
legal invoice, issued by the platform company's sales engine: ``register`` gives billing the
two functions of ``apps.flows.platform_invoices``.

Every handler runs inside the dispatch transaction of its event, in the event's company
scope, and is idempotent: the outbox dispatches an event once, but a handler must not
assume the world stood still since the event was written.
"""

import logging
from typing import Any

from django.db import transaction

from apps.accounts.models import User
from apps.banking.errors import statement_problem
from apps.banking.models import BankTransaction, MatchState
from apps.banking.services.statements import statement_receive
from apps.banking.tasks import transactions_match
from apps.billing.hooks import legal_invoice_register
from apps.companies.models import Company
from apps.connections.models import Delivery
from apps.connections.services import deliveries_withdraw, delivery_plan
from apps.documents.junk import transfer_withdraw_register
from apps.documents.models import Document, Source
from apps.documents.services import (
    PAYABLE_KINDS,
    StatementOutcome,
    document_hold,
    document_ingest,
    document_mark_delivered,
    document_record_delivery,
    statement_intake_register,
)
from apps.flows.platform_invoices import platform_invoice_issue, platform_invoice_paid
from apps.outbox.models import OutboxEvent, Topic
from apps.outbox.services import handler_register
from apps.peppol.models import Reception
from apps.peppol.selectors import peppol_company_get
from apps.peppol.services import reception_link
from apps.sales.services.sending import invoice_record_transmission

logger = logging.getLogger(__name__)

TIMELINE_KEYS = ("address", "transport", "status", "reason", "response")


def document_ready(event: OutboxEvent) -> None:
    """A ready document goes to the accountant (where to, and whether now or after approval,
    is the transfer's decision)."""
    document = Document.objects.filter(pk=event.payload["document_id"]).first()
    if document is not None and document.status == Document.Status.READY and not document.junk_at:
        delivery_plan(document=document)


def document_ready_match(event: OutboxEvent) -> None:
    """A purchase invoice or credit note read with its total may be what a payment already
    on the bank paid: the matching runs again, in its own task (a matching that fails never
    holds up the document's delivery)."""
    document = Document.objects.filter(pk=event.payload["document_id"]).first()
    if (
        document is not None
        and document.kind in PAYABLE_KINDS
        and document.total_incl_vat is not None
        and BankTransaction.objects.filter(
            company=event.company, match_state=MatchState.UNMATCHED
        ).exists()
    ):
        company_id = event.company.pk
        transaction.on_commit(lambda: transactions_match.delay(company_id))


def delivery_changed(event: OutboxEvent) -> None:
    payload = event.payload
    document_id = payload["document_id"]
    document_record_delivery(
        company=event.company,
        document_id=document_id,
        data={key: payload[key] for key in TIMELINE_KEYS},
        actor_id=payload["actor_id"],
    )
    if payload["status"] == Delivery.Status.NEEDS_REVIEW:
        document_hold(document_id=document_id, problems=payload["problems"])
    elif payload["status"] == Delivery.Status.SENT:
        document = document_mark_delivered(
            document_id=document_id, version=payload["content_version"]
        )
        if document is not None and document.status == Document.Status.READY:
            # corrected while this version was on its way: the corrected version goes next
            delivery_plan(document=Document.objects.get(pk=document_id))


def peppol_received(event: OutboxEvent) -> None:
    """An e-invoice received over Peppol becomes a document like any collected one (read
    by the e-invoice engine, its UBL kept as received, delivered to the accountant), but
    not counted against the plan. One addressed to another participant than the company's
    is kept and held for the user to look at."""
    reception = Reception.objects.filter(pk=event.payload["reception_id"]).first()
    if reception is None or reception.document_id is not None:
        return
    registration = peppol_company_get(company=event.company)
    ours = {identifier.lower() for identifier in (registration.identifiers if registration else [])}
    details = {
        "peppol_message_id": reception.peppol_message_id,
        "sender": reception.sender,
        "receiver": reception.receiver,
    }
    if reception.receiver and ours and reception.receiver.lower() not in ours:
        details["wrong_receiver"] = reception.receiver
    with reception.xml.open("rb") as stored:
        data = stored.read()
    result = document_ingest(
        company=event.company,
        data=data,
        filename=f"peppol-{reception.ap_document_id}.xml",
        source=Source.PEPPOL,
        details=details,
    )
    if result.document is None:  # kept in the reception all the same
        logger.error("Peppol reception %s: not a document (%s)", reception.pk, result.error_code)
        return
    reception_link(reception_id=reception.pk, document_id=result.document.pk)


def transmission_changed(event: OutboxEvent) -> None:
    invoice_record_transmission(
        company=event.company, subject=event.payload["subject"], status=event.payload["status"]
    )


def statement_received(
    *,
    company: Company,
    data: bytes,
    filename: str,
    source: str,
    details: dict[str, Any],
    actor: User | None,
) -> StatementOutcome:
    """A bank statement file that arrived with documents goes to the bank import (kept there
    whatever becomes of it); documents hears what it made of it."""
    result = statement_receive(
        company=company,
        data=data,
        filename=filename,
        source=source,
        details=details,
        actor=actor,
    )
    return StatementOutcome(
        statements=result.statements,
        new=result.new,
        duplicates=result.duplicates,
        refusal=statement_problem(result.errors[0]) if result.errors else None,
    )


def register() -> None:
    statement_intake_register(statement_received)
    legal_invoice_register(issue=platform_invoice_issue, paid=platform_invoice_paid)
    transfer_withdraw_register(deliveries_withdraw)
    handler_register(Topic.DOCUMENT_READY, document_ready)
    handler_register(Topic.DOCUMENT_READY, document_ready_match)
    handler_register(Topic.DELIVERY_CHANGED, delivery_changed)
    handler_register(Topic.PEPPOL_RECEIVED, peppol_received)
    handler_register(Topic.TRANSMISSION_CHANGED, transmission_changed)
