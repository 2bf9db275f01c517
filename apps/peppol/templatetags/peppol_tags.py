"""Peppol's records in words: a transmission's history and why it failed."""

import datetime

from django import template
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from apps.einvoice.explanations import explain
from apps.peppol.clients import gateway
from apps.peppol.models import Transmission
from apps.peppol.services import RESPONSE_CODES

register = template.Library()


@register.filter
def transmission_failure(transmission: Transmission) -> list[str]:
    """The partner's findings in plain words where we have them, else as it said them;
    without findings, why it failed in the reader's language (the partner's words quoted)."""
    words = []
    for error in transmission.errors or []:
        rule, _colon, text = str(error).partition(":")
        explained = explain(rule.strip().strip("[]")) if text else None
        words.append(str(explained) if explained else str(error))
    if not words and transmission.reason_code:
        words.append(transmission.reason)
    return words


@register.filter
def transmission_event(entry: dict[str, str]) -> str:
    what = entry.get("what", "")
    if what == "queued":
        return _("Queued for Peppol to %(receiver)s.") % {"receiver": entry.get("receiver", "")}
    if what == "sent":
        return _("Sent over Peppol (message %(id)s).") % {"id": entry.get("message_id", "")}
    if what == "failed":
        return _("Refused by the Peppol access point.")
    if what == "unknown":
        return _("No answer from the access point: checking whether it went out.")
    if what == "confirmed":
        return _("The access point confirms it went out (message %(id)s).") % {
            "id": entry.get("message_id", "")
        }
    if what == "not_received":
        return _("The access point never got it: it goes out again.")
    if what == "response":
        answer = RESPONSE_CODES.get(entry.get("code", ""))
        said = (
            _("The customer's system answered: %(answer)s.") % {"answer": answer}
            if answer
            else _("The customer's system answered (code %(code)s).")
            % {"code": entry.get("code", "?")}
        )
        return f"{said} {entry.get('text', '')}".strip()
    return what


@register.filter
def event_time(entry: dict[str, str]) -> datetime.datetime | None:
    return parse_datetime(entry.get("at", ""))


@register.inclusion_tag("peppol/_standin.html")
def peppol_standin() -> dict[str, bool]:
    """The label of every page that mentions Peppol when it goes to `make run`'s stand-in."""
    partner = gateway()
    return {"standin": partner is not None and partner.is_standin}
