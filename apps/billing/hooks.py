"""Who issues OkiOki's own legal invoice when Stripe finalizes one.

Billing sits below sales, so it cannot make an invoice itself: ``apps.flows`` registers,
once at start-up, a function that has the platform company's sales engine issue and send
the Belgian e-invoice (number, VAT, OGM, PDF and UBL) for a Stripe invoice. Until one is
registered, a finalized Stripe invoice waits (the webhook fails and Stripe sends it again).
"""

from collections.abc import Callable
from typing import Any

from apps.billing.models import BillingInvoice
from apps.companies.models import Company

# (company, the Stripe invoice as a dict) -> OkiOki's own invoice for it (made once)
LegalInvoiceIssuer = Callable[[Company, dict[str, Any]], BillingInvoice]
# (the OkiOki invoice Stripe says is paid) -> None
LegalInvoicePaid = Callable[[BillingInvoice], None]

_issuer: LegalInvoiceIssuer | None = None
_paid: LegalInvoicePaid | None = None


def legal_invoice_register(*, issue: LegalInvoiceIssuer, paid: LegalInvoicePaid) -> None:
    global _issuer, _paid
    if _issuer is not None and _issuer is not issue:
        raise ValueError("another legal invoice issuer is registered already")
    _issuer, _paid = issue, paid


def legal_invoice_issuer() -> LegalInvoiceIssuer:
    if _issuer is None:
        raise LookupError("no legal invoice issuer is registered (apps.flows registers it)")
    return _issuer


def legal_invoice_paid_hook() -> LegalInvoicePaid | None:
    return _paid
