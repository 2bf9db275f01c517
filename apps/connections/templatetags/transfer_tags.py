"""Transfer status in other apps' pages (dashboard, document list and page), without those
apps importing this one."""

from typing import Any

from django import template

from apps.companies.access import Action
from apps.companies.models import Company
from apps.connections import selectors
from apps.connections.models import Delivery
from apps.connections.transports import transport_for

register = template.Library()


@register.inclusion_tag("connections/_dashboard_card.html", takes_context=True)
def transfer_card(context: dict[str, Any], company: Company) -> dict[str, Any]:
    from apps.connections.services import transfer_get

    transfer = transfer_get(company=company)
    return {
        "current_company": company,
        "transfer": transfer,
        "counts": selectors.delivery_counts(company=company),
        "last_sent": Delivery.objects.filter(company=company, status=Delivery.Status.SENT)
        .order_by("-sent_at")
        .first(),
    }


@register.simple_tag
def latest_delivery(document: Any) -> Delivery | None:
    """The document's most recent delivery, from the prefetched ``deliveries`` when there."""
    deliveries = list(document.deliveries.all())
    if not deliveries:
        return None
    return max(deliveries, key=lambda delivery: (delivery.created_at, delivery.pk))


@register.inclusion_tag("connections/_document_transfer.html", takes_context=True)
def document_transfer(context: dict[str, Any], document: Any) -> dict[str, Any]:
    """The document page's "To the accountant" part: its deliveries and a send button."""
    from apps.connections.services import transfer_get

    request = context["request"]
    access = getattr(request, "access", None)
    transfer = transfer_get(company=document.company)
    deliveries = list(selectors.document_deliveries(document=document))
    sent_versions = {d.content_version for d in deliveries if d.status == Delivery.Status.SENT}
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "current_company": document.company,
        "document": document,
        "deliveries": deliveries,
        "transfer": transfer,
        "address": transfer.address_for(document.category) if transfer else "",
        "changed_since_sent": bool(sent_versions) and document.content_version > max(sent_versions),
        "has_open": any(d.is_open for d in deliveries),
        "can_configure": bool(access and access.can(Action.CONFIGURE_TRANSFER)),
    }


@register.filter
def delivery_answer(data: dict[str, Any]) -> str:
    """The other side's answer of a delivery in a document's timeline, in the reader's
    language (events written before the channel was recorded hold their words already)."""
    answer = str(data.get("response", ""))
    transport = transport_for(data["transport"]) if "transport" in data else None
    return transport.describe(answer) if transport is not None and answer else answer
