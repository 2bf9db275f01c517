"""Writes of the transfer to the accountant: its settings and every delivery's life.

A delivery is made when a document becomes ready (in the same transaction, so a ready
document is never without its delivery) and sent by ``delivery_send`` on the ``delivery``
queue. Sending is idempotent: the send step claims the delivery with a compare-and-set from
"pending" to "sending" before it talks to the server, and only a claimed delivery is sent, so
a task run twice, a second worker or a restarted worker never sends it again. A delivery left
in "sending" by a worker that died is put back by the sweeper after ``TRANSFER_STUCK_MINUTES``.
Temporary failures (4xx, connection errors) retry with exponential backoff for
``TRANSFER_RETRY_HOURS``; a 5xx answer fails the delivery with the server's reason.
"""

import logging
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.companies.models import Company, Membership, OfficeClientLink, OfficeMember, Role
from apps.companies.scoping import all_companies
from apps.companies.tasks import send_email
from apps.connections import problems
from apps.connections.destination import destination, destination_change_notify
from apps.connections.models import Delivery, Transfer
from apps.connections.sending import NotSendable, delivery_parcel, message_id_for, test_parcels
from apps.connections.transports import Outcome, Transport, transport_for
from apps.core.errors import DomainError
from apps.documents.models import Document
from apps.outbox.models import Topic
from apps.outbox.services import event_emit

TRANSFER_FIELDS = (
    "package",
    "general_address",
    "purchases_address",
    "sales_address",
    "miscellaneous_address",
    "is_automatic",
    "send_from",
    "attach_pdf",
    "is_active",
)
logger = logging.getLogger(__name__)
BACKOFF_START = 60  # seconds; doubles per attempt
BACKOFF_MAX = 3600
TEST_SENDS_PER_WINDOW = 5
SWEEP_GRACE_SECONDS = 60  # a queued task is given this long before the sweeper sends it


def transfer_get(*, company: Company) -> Transfer | None:
    return Transfer.objects.filter(company=company).first()


@transaction.atomic
def transfer_save(*, company: Company, actor: User | None, **values: Any) -> Transfer:
    """Save the transfer settings. They apply to documents that become ready from now on;
    ready documents that were never sent anywhere (dated from ``send_from``) go out now,
    since nobody has them yet (``selectors.transfer_backlog`` says which, before). A delivery
    still waiting for approval of a document dated before ``send_from`` is cancelled: from
    that date on means nothing older is sent, unless a person resends it."""
    unknown = set(values) - set(TRANSFER_FIELDS)
    if unknown:
        raise TypeError(f"unknown transfer fields: {sorted(unknown)}")
    transfer = Transfer.objects.select_for_update().filter(company=company).first()
    before = destination(transfer)
    if transfer is None:
        transfer = Transfer(company=company)
    for name, value in values.items():
        setattr(transfer, name, value)
    transfer.updated_by = actor
    transfer.save()
    destination_change_notify(
        company=company, before=before, after=destination(transfer), actor=actor
    )
    if transfer.send_from is not None:
        _deliveries_cancel_before(company=company, send_from=transfer.send_from)
    if transfer.is_configured:
        waiting = Document.objects.filter(
            company=company, status=Document.Status.READY, junk_at__isnull=True
        ).exclude(deliveries__isnull=False)
        for document in waiting:
            delivery_plan(document=document, transfer=transfer)
    return transfer


def _deliveries_cancel_before(*, company: Company, send_from: date) -> None:
    """Cancel the deliveries waiting for approval of documents dated before ``send_from``
    (a document's date is its own, or the day it arrived); an explicit resend stays."""
    too_early = (
        Delivery.objects.filter(company=company, status=Delivery.Status.AWAITING_APPROVAL)
        .exclude(reason=Delivery.Reason.RESEND)
        .filter(document__document_date__lt=send_from)
    )
    too_early.update(
        status=Delivery.Status.CANCELLED,
        problems=[problems.problem("before_send_from", date=send_from.isoformat())],
        updated_at=timezone.now(),
    )


def _document_date(document: Document) -> date:
    # Document.document_date computed from the instance: a document just saved by a review
    # still holds the stored value of before (the database computes it).
    return document.issue_date or timezone.localdate(document.received_at)


def _enqueue(delivery: Delivery, countdown: int = 0) -> None:
    from apps.connections.tasks import delivery_send as task

    transaction.on_commit(
        partial(task.apply_async, args=(delivery.company_id, delivery.pk), countdown=countdown)
    )


def _announce(document: Document, delivery: Delivery, actor: User | None = None) -> None:
    """Announce the delivery's new state: the document's timeline and status follow it
    (``apps.flows``), in the transaction that commits the announcement."""
    event_emit(
        company=document.company,
        topic=Topic.DELIVERY_CHANGED,
        delivery_id=delivery.pk,
        document_id=document.pk,
        content_version=delivery.content_version,
        actor_id=actor.pk if actor is not None else None,
        address=delivery.destination,
        transport=delivery.transport,
        status=delivery.status,
        reason=delivery.reason,
        response=delivery.answer[-300:],
        problems=delivery.problems if delivery.status == Delivery.Status.NEEDS_REVIEW else [],
    )


def delivery_plan(
    *,
    document: Document,
    transfer: Transfer | None = None,
    reason: str = Delivery.Reason.READY,
    actor: User | None = None,
) -> Delivery | None:
    """Make (or find) the delivery of a document that became ready; None when the company
    has no transfer for its category or the document is dated before ``send_from``.

    Called by ``apps.documents`` when a document becomes ready, inside its transaction. Never
    twice: a (document, address, content version) that has a delivery keeps that one; an open
    delivery of the document to the address is brought up to date instead of a second one.
    """
    transfer = transfer or transfer_get(company=document.company)
    if transfer is None or not transfer.is_configured:
        return None
    address = transfer.address_for(document.category)
    if not address:
        return None
    too_early = transfer.send_from is not None and _document_date(document) < transfer.send_from
    if reason == Delivery.Reason.READY and too_early:
        return None
    status = Delivery.Status.PENDING if transfer.is_automatic else Delivery.Status.AWAITING_APPROVAL
    with transaction.atomic():
        # Not sent yet to an address that is no longer the category's: that one is replaced.
        Delivery.objects.filter(
            document=document,
            status__in=(
                Delivery.Status.AWAITING_APPROVAL,
                Delivery.Status.NEEDS_REVIEW,
                Delivery.Status.PENDING,
            ),
        ).exclude(destination=address).update(
            status=Delivery.Status.CANCELLED,
            problems=[problems.problem("superseded")],
            updated_at=timezone.now(),
        )
        open_delivery = (
            Delivery.objects.select_for_update()
            .filter(document=document, destination=address, status__in=Delivery.OPEN)
            .first()
        )
        if open_delivery is not None:
            if open_delivery.status == Delivery.Status.NEEDS_REVIEW:
                open_delivery.status = status
                open_delivery.problems = []
                open_delivery.content_version = document.content_version
                # a fresh day of retries from now on
                open_delivery.first_attempt_at = open_delivery.next_attempt_at = None
                open_delivery.save()
                if status == Delivery.Status.PENDING:
                    _enqueue(open_delivery)
            return open_delivery
        if reason == Delivery.Reason.READY and Delivery.objects.filter(document=document).exists():
            reason = Delivery.Reason.CORRECTED  # ready again after a change: a new version
        if reason != Delivery.Reason.RESEND:
            existing = Delivery.objects.filter(
                document=document, destination=address, content_version=document.content_version
            ).exclude(reason=Delivery.Reason.RESEND)
            if existing.exists():
                return existing.first()
        return _delivery_create(
            document, transfer.method, address, reason=reason, status=status, actor=actor
        )


def _delivery_create(
    document: Document,
    transport: str,
    address: str,
    *,
    reason: str,
    status: str,
    actor: User | None,
) -> Delivery | None:
    delivery = Delivery(
        company=document.company,
        document=document,
        transport=transport,
        destination=address,
        category=document.category,
        content_version=document.content_version,
        reason=reason,
        status=status,
        requested_by=actor,
    )
    delivery.message_id = message_id_for(delivery)
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        # Another transaction made it first (or it is already open): that one stands.
        return None
    _announce(document, delivery, actor)
    if status == Delivery.Status.PENDING:
        _enqueue(delivery)
    return delivery


# --- the send step ------------------------------------------------------------------------------


def _transport(delivery: Delivery) -> Transport:
    transport = transport_for(delivery.transport)
    if transport is None:  # a channel taken out of service with deliveries still open
        raise LookupError(f"no transport {delivery.transport!r}")
    return transport


def _claim(company: Company, delivery_id: int) -> Delivery | None:
    """Compare-and-set pending → sending; the only way into "sending". None: not ours to send."""
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(company=company, pk=delivery_id, status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Delivery.Status.SENDING, sending_started_at=now, updated_at=now)
    )
    if claimed != 1:
        return None
    delivery = Delivery.objects.select_related("document", "document__company").get(pk=delivery_id)
    delivery.attempts += 1
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.save(update_fields=["attempts", "first_attempt_at"])
    return delivery


def _finish(delivery: Delivery, **values: Any) -> bool:
    """Leave "sending" with ``values``; False when someone else moved the delivery meanwhile."""
    values["updated_at"] = timezone.now()
    updated = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        **values
    )
    for name, value in values.items():
        setattr(delivery, name, value)
    return updated == 1


def delivery_send(*, company: Company, delivery_id: int) -> Delivery | None:
    """Send one delivery if it is due and nobody else is sending it. Idempotent.

    Returns the delivery as it ended, or None when there was nothing to do."""
    delivery = _claim(company, delivery_id)
    if delivery is None:
        return None
    document = delivery.document
    if document.junk_at is not None:  # deleted as junk since it was planned: it never goes
        _finish(delivery, status=Delivery.Status.CANCELLED, problems=[problems.problem("junk")])
        return delivery
    if document.content_version != delivery.content_version and delivery.reason != "resend":
        delivery.content_version = document.content_version
        try:
            with transaction.atomic():
                delivery.save(update_fields=["content_version"])
        except IntegrityError:
            _finish(
                delivery,
                status=Delivery.Status.CANCELLED,
                problems=[problems.problem("superseded")],
            )
            return delivery
    transfer = transfer_get(company=company)
    if transfer is None or not transfer.is_active:
        # Sending was turned off meanwhile: nothing goes out, nothing is lost; it waits for
        # the user's approval once the transfer is on again.
        _finish(delivery, status=Delivery.Status.AWAITING_APPROVAL, first_attempt_at=None)
        return delivery
    try:
        outcome = _transport(delivery).send(delivery_parcel(delivery, transfer))
    except NotSendable as error:
        with transaction.atomic():
            _finish(delivery, status=Delivery.Status.NEEDS_REVIEW, problems=error.problems)
            _announce(document, delivery)
        return delivery
    except Exception as error:  # a bug or a broken file must not leave it "sending"
        logger.exception("delivery %s: not sent", delivery.public_id)
        outcome = Outcome(accepted=False, temporary=True, code=None, response=type(error).__name__)

    now = timezone.now()
    if outcome.accepted:
        # "Sent" is committed on its own, first: whatever happens next, a retry never sends
        # it again. (A worker killed between the server's 250 and this commit is the one
        # window left; the Message-ID stays the same, so a receiver can tell the copy.)
        # The announcement goes with it: the document follows (apps.flows).
        with transaction.atomic():
            if _finish(
                delivery,
                status=Delivery.Status.SENT,
                sent_at=now,
                answer=outcome.line,
                problems=[],
                next_attempt_at=None,
            ):
                _announce(document, delivery)
        return delivery

    retry_until = (delivery.first_attempt_at or now) + timedelta(
        hours=settings.TRANSFER_RETRY_HOURS
    )
    delay = min(BACKOFF_START * 2 ** (delivery.attempts - 1), BACKOFF_MAX)
    if outcome.temporary and now + timedelta(seconds=delay) < retry_until:
        with transaction.atomic():
            _finish(
                delivery,
                status=Delivery.Status.PENDING,
                next_attempt_at=now + timedelta(seconds=delay),
                answer=outcome.line,
            )
            _enqueue(delivery, countdown=delay)
        return delivery
    code = "rejected" if not outcome.temporary else "gave_up"
    with transaction.atomic():
        if _finish(
            delivery,
            status=Delivery.Status.FAILED,
            answer=outcome.line,
            next_attempt_at=None,
            problems=[problems.problem(code, response=outcome.line)],
        ):
            _announce(document, delivery)
            _notify_failure(delivery)
    return delivery


def _notify_failure(delivery: Delivery) -> None:
    """Tell the owners (and the linked office) once an hour at most per company."""
    company = delivery.document.company
    if not cache.add(f"okioki:delivery-failed:{company.pk}", 1, timeout=3600):
        return
    url = settings.SITE_URL + reverse(
        "connections:delivery-list", kwargs={"company_id": company.public_id}
    )
    recipients: list[tuple[str, str]] = [
        (m.user.email, m.user.language or company.default_language)
        for m in Membership.objects.filter(company=company, role=Role.OWNER).select_related("user")
    ]
    links = OfficeClientLink.objects.filter(
        company=company, status=OfficeClientLink.Status.ACTIVE
    ).select_related("office")
    for link in links:
        # The office's shared address, or else its administrators.
        if link.office.email:
            recipients.append((link.office.email, company.default_language))
            continue
        admins = OfficeMember.objects.filter(office=link.office, is_admin=True).select_related(
            "user"
        )
        recipients += [(m.user.email, m.user.language or company.default_language) for m in admins]
    for email, language in recipients:
        with translation.override(language):
            context = {
                "company": company,
                "delivery": delivery,
                "reason": delivery.problem,
                "url": url,
            }
            subject = render_to_string(
                "emails/connections/delivery_failed.subject.txt", context
            ).strip()
            body = render_to_string("emails/connections/delivery_failed.txt", context)
        transaction.on_commit(
            partial(send_email.delay, company.pk, to=[email], subject=subject, body=body)
        )


# --- a person's actions -------------------------------------------------------------------------


def _get_for_action(company: Company, delivery: Delivery) -> Delivery:
    return Delivery.objects.select_for_update().get(company=company, pk=delivery.pk)


@transaction.atomic
def delivery_approve(*, company: Company, delivery: Delivery, actor: User) -> Delivery:
    delivery = _get_for_action(company, delivery)
    if delivery.status != Delivery.Status.AWAITING_APPROVAL:
        raise DomainError(_("This delivery is not waiting for approval."), code="not_waiting")
    delivery.status = Delivery.Status.PENDING
    delivery.requested_by = actor
    delivery.first_attempt_at = delivery.next_attempt_at = None  # a day of retries from now
    delivery.save(
        update_fields=[
            "status",
            "requested_by",
            "first_attempt_at",
            "next_attempt_at",
            "updated_at",
        ]
    )
    _announce(delivery.document, delivery, actor)
    _enqueue(delivery)
    return delivery


def deliveries_approve_all(*, company: Company, actor: User) -> int:
    """Approve every delivery that waits for approval; how many."""
    waiting = Delivery.objects.filter(company=company, status=Delivery.Status.AWAITING_APPROVAL)
    count = 0
    for delivery in waiting:
        try:
            delivery_approve(company=company, delivery=delivery, actor=actor)
        except DomainError:
            continue  # decided meanwhile by someone else
        count += 1
    return count


@transaction.atomic
def delivery_retry(*, company: Company, delivery: Delivery, actor: User | None) -> Delivery:
    """Try a failed (or review-blocked) delivery again, now, with a fresh day of retries."""
    delivery = _get_for_action(company, delivery)
    if delivery.status not in (Delivery.Status.FAILED, Delivery.Status.NEEDS_REVIEW):
        raise DomainError(_("Only a failed delivery can be tried again."), code="not_failed")
    delivery.status = Delivery.Status.PENDING
    delivery.first_attempt_at = None
    delivery.next_attempt_at = None
    delivery.problems = []
    delivery.requested_by = actor
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError as error:
        raise DomainError(
            _("This document is already on its way to that address."), code="already_open"
        ) from error
    _announce(delivery.document, delivery, actor)
    _enqueue(delivery)
    return delivery


@transaction.atomic
def delivery_cancel(*, company: Company, delivery: Delivery, actor: User) -> Delivery:
    delivery = _get_for_action(company, delivery)
    if delivery.status not in (
        Delivery.Status.AWAITING_APPROVAL,
        Delivery.Status.NEEDS_REVIEW,
        Delivery.Status.PENDING,
        Delivery.Status.FAILED,
    ):
        raise DomainError(_("This delivery can no longer be cancelled."), code="not_cancellable")
    delivery.status = Delivery.Status.CANCELLED
    delivery.requested_by = actor
    delivery.save(update_fields=["status", "requested_by", "updated_at"])
    _announce(delivery.document, delivery, actor)
    return delivery


def document_resend(*, company: Company, document: Document, actor: User) -> Delivery:
    """Send a document again to the current address of its category: a person's explicit
    choice, recorded as a resend. A corrected document not yet sent in its new version goes
    as the corrected version instead."""
    transfer = transfer_get(company=company)
    if transfer is None or not transfer.address_for(document.category):
        raise DomainError(
            _("Set your accountant's address first (Connections → Transfer to accountant)."),
            code="no_address",
        )
    if document.junk_at is not None:
        raise DomainError(_("This document was deleted as junk."), code="junk")
    if document.status not in (Document.Status.READY, Document.Status.DELIVERED):
        raise DomainError(_("This document needs review before it can be sent."), code="not_ready")
    address = transfer.address_for(document.category)
    earlier = Delivery.objects.filter(document=document)
    if not earlier.exists():
        reason = Delivery.Reason.READY
    elif earlier.filter(content_version=document.content_version).exists():
        reason = Delivery.Reason.RESEND
    else:
        reason = Delivery.Reason.CORRECTED
    with transaction.atomic():
        delivery = _delivery_create(
            document,
            transfer.method,
            address,
            reason=reason,
            status=Delivery.Status.PENDING,
            actor=actor,
        )
    if delivery is None:
        raise DomainError(
            _("This document is already on its way to that address."), code="already_open"
        )
    return delivery


def deliveries_withdraw(document: Document) -> None:
    """A document deleted as junk leaves the transfer (``apps.documents.junk``, inside its
    transaction): what waits to be sent, waits for approval or review, or failed is
    cancelled, each change in the document's timeline. Refused when a copy is on its way or
    was sent: the accountant has it (or is about to), so it is no junk to delete."""
    deliveries = Delivery.objects.select_for_update().filter(
        company=document.company, document=document
    )
    if deliveries.filter(status__in=(Delivery.Status.SENDING, Delivery.Status.SENT)).exists():
        raise DomainError(
            _(
                "This document was already sent to your accountant, so it can't be deleted "
                "as junk. Ask your accountant to ignore it."
            ),
            code="junk_delivered",
        )
    withdrawn = (*Delivery.OPEN, Delivery.Status.FAILED)
    for delivery in deliveries.filter(status__in=withdrawn):
        delivery.status = Delivery.Status.CANCELLED
        delivery.problems = [problems.problem("junk")]
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "problems", "next_attempt_at", "updated_at"])
        _announce(document, delivery)


# --- the sweeper ---------------------------------------------------------------------------------


def _stuck_deliveries(live: Any, stuck_before: Any) -> list[tuple[int, int, Any]]:
    """(company id, delivery id, claim time) of deliveries "sending" since before then."""
    return list(
        live.filter(
            status=Delivery.Status.SENDING, sending_started_at__lt=stuck_before
        ).values_list("company_id", "pk", "sending_started_at")
    )


def delivery_sweep(*, limit: int = 500) -> dict[str, int]:
    """Periodic, across companies: put back the deliveries of dead workers, and send the due
    ones whose task was lost (oldest first; a task that is merely queued gets a minute's
    grace). Listed bypass of the company scope (a sweeper that fans out)."""
    from apps.connections.tasks import delivery_send as task

    now = timezone.now()
    stuck_before = now - timedelta(minutes=settings.TRANSFER_STUCK_MINUTES)
    grace = now - timedelta(seconds=SWEEP_GRACE_SECONDS)
    with all_companies():
        live = Delivery.objects.filter(company__is_active=True)
        stuck = [
            (company_id, pk)
            for company_id, pk, started in _stuck_deliveries(live, stuck_before)
            # Compare-and-set on the claim the sweeper saw: a delivery that finished (or
            # was claimed again) since that read keeps its new state.
            if Delivery.objects.filter(
                pk=pk, status=Delivery.Status.SENDING, sending_started_at=started
            ).update(status=Delivery.Status.PENDING, next_attempt_at=None, updated_at=now)
        ]
        due = list(
            live.filter(status=Delivery.Status.PENDING)
            .exclude(pk__in=[pk for _, pk in stuck])
            .filter(
                Q(next_attempt_at__lte=grace)
                | Q(next_attempt_at__isnull=True, updated_at__lte=grace)
            )
            .order_by(F("next_attempt_at").asc(nulls_first=True), "created_at")
            .values_list("company_id", "pk")[:limit]
        )
    for company_id, delivery_id in [*stuck, *due]:
        task.delay(company_id, delivery_id)
    return {"stuck": len(stuck), "due": len(due)}


def transfer_send_test(*, company: Company, addresses: list[str]) -> list[tuple[str, Outcome]]:
    """Send the test UBL to each address (once each) and say what each server answered.

    At most ``TEST_SENDS_PER_WINDOW`` per company per ten minutes: the test comes from the
    shared sender address, which must not become a way to mail anyone."""
    key = f"okioki:transfer-test:{company.pk}"
    cache.add(key, 0, timeout=600)
    if cache.incr(key) > TEST_SENDS_PER_WINDOW:
        raise DomainError(
            _("You sent several tests just now. Wait a few minutes before the next one."),
            code="too_many_tests",
        )
    targets = list(dict.fromkeys(a for a in addresses if a))
    try:
        parcels = test_parcels(company, targets)
    except NotSendable as error:
        refused = Outcome(
            accepted=False,
            temporary=False,
            code=None,
            response=problems.describe_all(error.problems),
        )
        return [(address, refused) for address in targets]
    email = transport_for(Transfer.Method.EMAIL)
    assert email is not None
    return [(parcel.destination, email.send(parcel)) for parcel in parcels]
