"""The sequences that cross apps, in one place: what happens next when an app announces
something (``apps.outbox``). The apps below never import this module.

A file arrives (``inbox`` or an upload) → ``documents`` ingests and reads it → a ready
document (``document.ready``) gets its delivery planned by ``connections`` → the delivery is
sent exactly once on the ``delivery`` queue → each change of a delivery
(``delivery.changed``) goes into the document's timeline, and the document follows: a sent
delivery makes it delivered (or sends its corrected version next), a delivery that cannot
go as it is puts the document back in review.

Every handler runs inside the dispatch transaction of its event, in the event's company
scope, and is idempotent: the outbox dispatches an event once, but a handler must not
assume the world stood still since the event was written.
"""

from apps.connections.models import Delivery
from apps.connections.services import delivery_plan
from apps.documents.models import Document
from apps.documents.services import document_hold, document_mark_delivered, document_record_delivery
from apps.outbox.models import OutboxEvent, Topic
from apps.outbox.services import handler_register

TIMELINE_KEYS = ("address", "transport", "status", "reason", "response")


def document_ready(event: OutboxEvent) -> None:
    """A ready document goes to the accountant (where to, and whether now or after approval,
    is the transfer's decision)."""
    document = Document.objects.filter(pk=event.payload["document_id"]).first()
    if document is not None and document.status == Document.Status.READY:
        delivery_plan(document=document)


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


def register() -> None:
    handler_register(Topic.DOCUMENT_READY, document_ready)
    handler_register(Topic.DELIVERY_CHANGED, delivery_changed)
