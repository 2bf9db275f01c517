"""Over Peppol or by e-mail: which way an invoice goes to its customer, and why.

Peppol when OkiOki has an access-point partner, the company is registered with it and the
customer receives this kind of document over Peppol; e-mail otherwise, with the reason in
words. The user sees the choice before sending and can send by e-mail anyway.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.peppol.clients import gateway
from apps.peppol.lookup import Reachability, customer_check, receives
from apps.peppol.selectors import peppol_company_get, reachability_known
from apps.sales.einvoicing import buyer_endpoint, customer_snapshot
from apps.sales.models import Invoice

PEPPOL = Invoice.Channel.PEPPOL
EMAIL = Invoice.Channel.EMAIL


@dataclass(frozen=True)
class ChannelChoice:
    channel: str  # Invoice.Channel
    reason: str | Promise
    participant: str = ""  # the customer's Peppol ID when it goes over Peppol
    reachability: Reachability | None = None
    checking: bool = False  # not known yet: a worker is asking


def _numbers(data: dict[str, str]) -> tuple[str, str, str]:
    """Who to look up: a Belgian company by its enterprise number (0208), then its VAT number
    (9925); anyone else by the electronic address its invoices' UBL names."""
    vat = data.get("vat_id", "")
    if (data.get("country") or "BE") == "BE":
        belgian_vat = vat if vat.upper().startswith("BE") else ""
        return data.get("peppol_endpoint", ""), data.get("enterprise_number", ""), belgian_vat
    endpoint = buyer_endpoint(data)
    return (f"{endpoint.scheme}:{endpoint.id}" if endpoint else ""), "", ""


def customer_reachability(data: dict[str, str], *, wait: bool) -> tuple[Reachability | None, bool]:
    """The customer's Peppol status (from an invoice's snapshot or a customer's fields) and
    whether a check is under way. ``wait=False`` never waits for the network: an unknown
    status is asked of a worker, one check at a time per customer."""
    peppol_id, enterprise, vat = _numbers(data)
    if not (peppol_id or enterprise or vat):
        return None, False
    if wait:
        found = customer_check(
            peppol_id=peppol_id, enterprise_number=enterprise, vat_number=vat, wait=True
        )
        return found, False
    return reachability_known(peppol_id=peppol_id, enterprise_number=enterprise, vat_number=vat)


def invoice_channel(invoice: Invoice, *, wait: bool = False) -> ChannelChoice:
    """How ``invoice`` goes to its customer, and why (``wait``: ask the network when the
    customer's status is not known, as sending does; a page doesn't wait)."""
    if gateway() is None:
        return ChannelChoice(EMAIL, _("Peppol is not configured on this OkiOki."))
    registration = peppol_company_get(company=invoice.company)
    if registration is None or not registration.can_send:
        return ChannelChoice(
            EMAIL, _("Your company is not registered on Peppol yet (Settings → Peppol).")
        )
    data = invoice.customer_snapshot or customer_snapshot(invoice.customer)
    found, checking = customer_reachability(data, wait=wait)
    if checking:
        return ChannelChoice(EMAIL, _("Checking whether the customer is on Peppol…"), checking=True)
    if found is None:
        return ChannelChoice(EMAIL, _("The customer has no enterprise number or Peppol ID."))
    if found.registered is None:
        return ChannelChoice(
            EMAIL,
            _("Whether the customer is on Peppol could not be checked just now."),
            reachability=found,
        )
    if not found.registered:
        return ChannelChoice(EMAIL, _("The customer is not on Peppol."), reachability=found)
    if not receives(found, invoice.kind):
        return ChannelChoice(
            EMAIL,
            _("The customer is on Peppol, but does not receive credit notes there.")
            if invoice.is_credit_note
            else _("The customer is on Peppol, but does not receive invoices there."),
            reachability=found,
        )
    return ChannelChoice(
        PEPPOL,
        _("The customer is on Peppol as %(participant)s.") % {"participant": found.participant},
        participant=found.participant,
        reachability=found,
    )
