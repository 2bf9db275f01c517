"""OkiOki's own invoices: Stripe takes the payment, the platform company's sales engine issues
the legal invoice (a Belgian e-invoice).

When Stripe finalizes an invoice of a subscription, ``platform_invoice_issue`` has the
platform company (``settings.PLATFORM_COMPANY_NUMBER``) invoice the subscribing company
through the same services as any company invoicing its customers: the subscriber mirrored as
a customer, an invoice with Stripe's lines, its number and structured communication from the
platform's own numbering (Stripe's number is kept as the buyer's reference only), its UBL
checked on the three validation layers and its PDF. Stripe charges it (card or SEPA direct
debit), so it is an invoice "collected automatically": its PDF, e-mail and UBL give no account
to transfer to, and no payment reminder follows it. Stripe computed the amounts and the VAT;
the sales engine computes them again, and a difference stops everything (one truth, said
loudly). After the commit a worker sends it: over Peppol when the subscriber receives
invoices there, else by e-mail. The subscriber keeps copies of the PDF and the UBL in its
own ``BillingInvoice`` and never sees the platform's books.

``apps.billing`` calls these through its hooks (``apps.billing.hooks``), registered by
``apps.flows.handlers.register``.
"""

import datetime
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.be import vat as be_vat

from apps.billing.models import BillingInvoice, Plan
from apps.companies.models import Company, Membership, Role
from apps.companies.scoping import company_scope
from apps.core.errors import DomainError
from apps.einvoice.model import Totals
from apps.flows.tasks import platform_invoice_send
from apps.peppol.selectors import peppol_company_get
from apps.sales.models import Customer, Dispatch, Invoice, Unit, VatTreatment
from apps.sales.services.customers import EU_COUNTRIES, customer_create, customer_update
from apps.sales.services.invoices import (
    LineInput,
    invoice_check,
    invoice_create,
    invoice_issue,
    invoices_record_payments,
)
from apps.sales.services.sending import invoice_send

logger = logging.getLogger(__name__)

BRUSSELS = ZoneInfo("Europe/Brussels")
HUNDRED = Decimal("100")
# what Stripe may say of an invoice that is final (paid or to be paid)
FINAL_STATUSES = ("open", "paid")
# invoice_send's refusals that mean "it went already" (a second worker, a retry)
ALREADY_SENT = ("just_sent", "peppol_already")


class PlatformInvoiceError(Exception):
    """OkiOki's own invoice cannot be issued as Stripe asks (a setting is missing, Stripe's
    invoice is not one the platform can make, or Stripe's amounts differ from ours). The
    webhook fails, Stripe sends the event again, nothing is lost; someone must look."""


# --- the platform company ------------------------------------------------------------------------


def platform_company() -> Company:
    """OkiOki's own company: the one whose enterprise number is PLATFORM_COMPANY_NUMBER."""
    configured = settings.PLATFORM_COMPANY_NUMBER
    if not configured:
        raise PlatformInvoiceError(
            "PLATFORM_COMPANY_NUMBER is not set: no company issues OkiOki's own invoices."
        )
    try:
        number = be_vat.validate(configured)
    except stdnum_exceptions.ValidationError:
        raise PlatformInvoiceError(
            f"PLATFORM_COMPANY_NUMBER {configured!r} is not a valid enterprise number."
        ) from None
    company = Company.objects.filter(enterprise_number=number).first()
    if company is None:
        raise PlatformInvoiceError(
            f"No company has the enterprise number {number} (PLATFORM_COMPANY_NUMBER): "
            "create OkiOki's own company first."
        )
    return company


# --- issuing -------------------------------------------------------------------------------------


def platform_invoice_issue(company: Company, stripe_invoice: Mapping[str, Any]) -> BillingInvoice:
    """OkiOki's legal invoice to ``company`` for a finalized Stripe invoice (a dict, as the
    event carries it), made once: a second call for the same Stripe invoice returns the same
    ``BillingInvoice`` (webhook retries, a duplicated event, two workers at once: the platform
    company's row is locked while one is made, and the Stripe id is unique).

    Raises ``PlatformInvoiceError`` (or the sales engine's ``DomainError``) when it cannot be
    issued; then nothing is saved and no number is used."""
    data = _as_dict(stripe_invoice)
    stripe_id = str(data["id"])
    made = _billing_invoice(company, stripe_id)
    if made is not None:
        _send_after_commit(made)
        return made
    platform = platform_company()
    if platform.pk == company.pk:
        raise PlatformInvoiceError("The platform company does not invoice itself.")
    _check_invoice(data)
    try:
        with transaction.atomic():
            # one at a time: a second call waits here, then finds the first one's invoice
            Company.objects.select_for_update().filter(pk=platform.pk).first()
            made = _billing_invoice(company, stripe_id)
            if made is None:
                made = _issue(platform, company, data)
            _send_after_commit(made)
            return made
    except IntegrityError:
        # a database without row locks (SQLite) lets a second one reach the unique Stripe id
        made = _billing_invoice(company, stripe_id)
        if made is None:
            raise
        return made


def _as_dict(stripe_invoice: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict, whether given one or a ``stripe.StripeObject``."""
    to_dict = getattr(stripe_invoice, "to_dict", None)
    return dict(to_dict() if callable(to_dict) else stripe_invoice)


def _billing_invoice(company: Company, stripe_id: str) -> BillingInvoice | None:
    with company_scope(company):
        return BillingInvoice.objects.filter(company=company, stripe_invoice_id=stripe_id).first()


def _check_invoice(data: dict[str, Any]) -> None:
    """What the platform can invoice: a final EUR invoice, all its lines at hand, prices
    without VAT, no discounts (the sales engine has no amount discounts on a line)."""
    if data.get("status") not in FINAL_STATUSES:
        raise PlatformInvoiceError(
            f"Stripe invoice {data['id']} is {data.get('status')!r}, not finalized."
        )
    if str(data.get("currency", "")).upper() != "EUR":
        raise PlatformInvoiceError(f"Stripe invoice {data['id']} is not in EUR.")
    if data["lines"].get("has_more"):
        raise PlatformInvoiceError(
            f"Stripe invoice {data['id']} came with part of its lines: pass it with all of them."
        )
    taxes = [*(data.get("total_taxes") or [])]
    for line in data["lines"]["data"]:
        taxes.extend(line.get("taxes") or [])
        if any(discount.get("amount") for discount in line.get("discount_amounts") or []):
            raise PlatformInvoiceError(f"Stripe invoice {data['id']} has discounts.")
    if any(tax.get("tax_behavior") == "inclusive" for tax in taxes):
        raise PlatformInvoiceError(
            f"Stripe invoice {data['id']} has prices including VAT; OkiOki's are without."
        )
    if any(discount.get("amount") for discount in data.get("total_discount_amounts") or []):
        raise PlatformInvoiceError(f"Stripe invoice {data['id']} has discounts.")


def _issue(platform: Company, company: Company, data: dict[str, Any]) -> BillingInvoice:
    start, end = _invoice_period(data)
    if int(data["total"]) == 0 and not any(int(line["amount"]) for line in data["lines"]["data"]):
        # nothing is sold (a trial's month at €0): no invoice, a record that nothing was due
        with company_scope(company):
            return BillingInvoice.objects.create(
                company=company,
                stripe_invoice_id=str(data["id"]),
                issued_on=timezone.localdate(),
                period_start=start,
                period_end=end,
            )
    with company_scope(company):
        email = _billing_email(company, data)
    peppol_endpoint = _peppol_endpoint(company)
    with company_scope(platform):
        customer = _customer_mirror(platform, company, data, email, peppol_endpoint)
        with translation.override(customer.language):
            lines = stripe_lines(data)
        draft = invoice_create(
            company=platform,
            customer=customer,
            lines=lines,
            buyer_reference=str(data.get("number") or data["id"])[:100],
            payment_collection=_payment_collection(data),
        )
        check = invoice_check(invoice=draft)
        if not check.ok:
            raise PlatformInvoiceError(
                f"OkiOki's invoice for Stripe invoice {data['id']} would not be valid: "
                + "; ".join(check.problems)
            )
        assert check.model is not None
        assert check.model.totals is not None
        _check_amounts(check.model.totals, data)
        invoice = invoice_issue(invoice=draft, actor=None)
        with invoice.pdf.open("rb") as pdf, invoice.ubl.open("rb") as ubl:
            pdf_bytes, ubl_bytes = pdf.read(), ubl.read()
    with company_scope(company):
        billing = BillingInvoice(
            company=company,
            stripe_invoice_id=str(data["id"]),
            number=invoice.number,
            issued_on=invoice.issue_date,
            period_start=start,
            period_end=end,
            total=invoice.total_incl_vat or Decimal("0"),
            currency=invoice.currency,
            sales_invoice_id=invoice.public_id,
        )
        # the customer's copies, under its own folder, named by opaque ids only
        folder = f"{company.public_id}/{billing.public_id}"
        try:
            billing.pdf.save(f"{folder}.pdf", ContentFile(pdf_bytes), save=False)
            billing.xml.save(f"{folder}.xml", ContentFile(ubl_bytes), save=False)
            billing.save()
        except Exception:
            # the transaction rolls the invoice back: its files must not stay behind
            _forget([billing.pdf, billing.xml, invoice.pdf, invoice.ubl])
            raise
    logger.info(
        "OkiOki invoice %s issued for Stripe invoice %s (company %s)",
        invoice.number,
        data["id"],
        company.public_id,
    )
    return billing


def _payment_collection(data: dict[str, Any]) -> str:
    """Stripe charges the subscription's card or direct debit itself: the invoice says so,
    gives no account to transfer to, and is never reminded of (a failed payment is Stripe's
    to retry and billing's to follow up)."""
    if data.get("collection_method") == "charge_automatically":
        return Invoice.PaymentCollection.COLLECTED
    return Invoice.PaymentCollection.TRANSFER


def _forget(files: Iterable[FieldFile]) -> None:
    for stored in files:
        if stored.name:
            stored.storage.delete(stored.name)


# --- the customer --------------------------------------------------------------------------------


def _billing_email(company: Company, data: dict[str, Any]) -> str:
    """Where the invoice goes by e-mail: the billing e-mail given at Stripe's checkout, else
    the company's own address, else its first owner's."""
    if data.get("customer_email"):
        return str(data["customer_email"])
    if company.email:
        return company.email
    owner = (
        Membership.objects.filter(company=company, role=Role.OWNER)
        .select_related("user")
        .order_by("created_at")
        .first()
    )
    return owner.user.email if owner is not None else ""


def _peppol_endpoint(company: Company) -> str:
    """The company's own Peppol ID when it is not the one its enterprise number gives (a
    Belgian company is 0208:<number>, which the sales engine derives)."""
    with company_scope(company):
        registration = peppol_company_get(company=company)
    identifiers = registration.identifiers if registration is not None else []
    if company.country == "BE" or not identifiers:
        return ""
    return str(identifiers[0])


def _stripe_vat_id(data: dict[str, Any]) -> str:
    for tax_id in data.get("customer_tax_ids") or []:
        if tax_id.get("type") == "eu_vat" and tax_id.get("value"):
            return str(tax_id["value"])
    return ""


def vat_treatment_for(country: str, vat_id: str) -> str:
    """OkiOki sells a service to businesses: Belgian VAT (21 %) to a Belgian company; reverse
    charge to a business in another EU country with its VAT number (art. 196 of the VAT
    Directive: the customer accounts for the VAT). Anything else (an EU business without a
    VAT number, a business outside the EU) is not a case the platform invoices."""
    if country == "BE":
        return VatTreatment.DOMESTIC
    if country in EU_COUNTRIES and vat_id:
        return VatTreatment.INTRA_EU_SERVICES
    raise PlatformInvoiceError(
        f"No VAT rule for a customer in {country} "
        + ("with" if vat_id else "without")
        + " a VAT number: OkiOki invoices Belgian companies and EU businesses with a VAT number."
    )


def _customer_fields(
    company: Company, data: dict[str, Any], email: str, peppol_endpoint: str
) -> dict[str, Any]:
    """The subscribing company as the platform's customer: OkiOki's own data of it first,
    what it gave at Stripe's checkout where ours is blank."""
    address = data.get("customer_address") or {}
    country = (company.country or address.get("country") or "BE").upper()
    vat_id = company.vat_number or _stripe_vat_id(data)
    street = " ".join(part for part in (address.get("line1"), address.get("line2")) if part).strip()
    due = data.get("due_date")
    terms = 0
    if due:
        terms = max(0, (_date(int(due)) - timezone.localdate()).days)
    return {
        "kind": Customer.Kind.COMPANY,
        "name": company.name,
        "enterprise_number": company.enterprise_number,
        "vat_id": vat_id,
        "street": company.street or street,
        "postal_code": company.postal_code or str(address.get("postal_code") or ""),
        "city": company.city or str(address.get("city") or ""),
        "country": country,
        "email": email,
        "language": company.default_language,
        "payment_terms_days": min(terms, 365),
        "peppol_endpoint": peppol_endpoint,
        "vat_treatment": vat_treatment_for(country, vat_id),
    }


def _customer_mirror(
    platform: Company,
    company: Company,
    data: dict[str, Any],
    email: str,
    peppol_endpoint: str,
) -> Customer:
    """The platform's customer for ``company`` (found by its enterprise number, unique among
    a company's customers), made or brought up to date through the sales services."""
    fields = _customer_fields(company, data, email, peppol_endpoint)
    customer = Customer.objects.filter(
        company=platform, enterprise_number=company.enterprise_number
    ).first()
    if customer is None:
        return customer_create(company=platform, **fields)
    if any(getattr(customer, name) != value for name, value in fields.items()):
        customer = customer_update(customer=customer, **fields)
    return customer


# --- lines and amounts ---------------------------------------------------------------------------


def _date(timestamp: int) -> datetime.date:
    return datetime.datetime.fromtimestamp(timestamp, tz=BRUSSELS).date()


def _period(line: dict[str, Any]) -> tuple[datetime.date, datetime.date] | None:
    """A line's period as days: Stripe's end is the start of the next period."""
    period = line.get("period") or {}
    if not period.get("start") or not period.get("end"):
        return None
    start, end = int(period["start"]), int(period["end"])
    return _date(start), _date(max(start, end - 1))


def _invoice_period(data: dict[str, Any]) -> tuple[datetime.date | None, datetime.date | None]:
    """From the first day to the last day its lines cover (a subscription's month is billed
    in advance, its extra documents afterwards)."""
    periods = [p for p in (_period(line) for line in data["lines"]["data"]) if p is not None]
    if not periods:
        return None, None
    return min(p[0] for p in periods), max(p[1] for p in periods)


def _price_id(line: dict[str, Any]) -> str:
    pricing = line.get("pricing") or {}
    price = (pricing.get("price_details") or {}).get("price") or line.get("price") or ""
    return str(price.get("id", "") if isinstance(price, dict) else price)


def _is_proration(line: dict[str, Any]) -> bool:
    parent = line.get("parent") or {}
    details = parent.get("subscription_item_details") or parent.get("invoice_item_details") or {}
    return bool(details.get("proration") or line.get("proration"))


def _cents(value: Decimal) -> Decimal:
    return (value * HUNDRED).quantize(Decimal("1"))


def _euros(cents: int | Decimal) -> Decimal:
    return (Decimal(cents) / HUNDRED).quantize(Decimal("0.01"))


def _quantity_and_price(amount: int, quantity: int) -> tuple[Decimal, Decimal]:
    """``quantity`` × a unit price when the amount divides into whole cents, else 1 × the
    amount. A credit (a negative amount) is a negative quantity: prices are never negative."""
    sign = Decimal(-1) if amount < 0 else Decimal(1)
    if quantity > 0 and abs(amount) % quantity == 0:
        return sign * quantity, _euros(abs(amount) // quantity)
    return sign, _euros(abs(amount))


def _extra_documents(amount: int, extra_price: Decimal | None) -> tuple[Decimal, Decimal]:
    """N documents × the plan's price per extra document, when the amount is that; else
    1 × the amount (a price changed in the period: the amount is what counts)."""
    extra = _cents(extra_price) if extra_price else Decimal("0")
    if extra and abs(amount) % extra == 0:
        return Decimal(amount) / extra, Decimal(extra_price or 0)
    return _quantity_and_price(amount, 1)


def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def stripe_lines(data: dict[str, Any]) -> list[LineInput]:
    """The invoice lines for a Stripe invoice's lines (in the active language), at the
    standard VAT rate (the treatment of the invoice decides whether it applies):

    - the plan's monthly price: "OkiOki Collect 70, 01/12/2026 – 31/12/2026";
    - the metered price: the documents past the plan's number, N × its price per extra
      document (Stripe's graduated tiers bill the included ones at 0, left out here);
    - anything else (a price OkiOki does not know): Stripe's own description and amount.
    """
    lines = []
    for line in data["lines"]["data"]:
        amount = int(line["amount"])
        if amount == 0:
            continue
        price_id = _price_id(line)
        base = Plan.objects.filter(stripe_base_price_id=price_id).first() if price_id else None
        metered = (
            Plan.objects.filter(stripe_metered_price_id=price_id).first()
            if price_id and base is None
            else None
        )
        period = _period(line)
        when = {"start": _day(period[0]), "end": _day(period[1])} if period else None
        unit = Unit.PIECE
        if base is not None:
            quantity, price = _quantity_and_price(amount, int(line.get("quantity") or 1))
            description = (
                _("OkiOki %(plan)s, %(start)s – %(end)s") % {"plan": base.name, **when}
                if when
                else _("OkiOki %(plan)s") % {"plan": base.name}
            )
            if _is_proration(line):
                description += " " + _("(pro rata)")
            elif quantity == 1:
                unit = Unit.MONTH
        elif metered is not None:
            quantity, price = _extra_documents(amount, metered.extra_document_price)
            context = {"count": metered.documents_per_month, "plan": metered.name}
            description = (
                _("Documents past the %(count)s included in %(plan)s, %(start)s – %(end)s")
                % {**context, **when}
                if when
                else _("Documents past the %(count)s included in %(plan)s") % context
            )
        else:
            quantity, price = _quantity_and_price(amount, int(line.get("quantity") or 1))
            description = str(line.get("description") or "") or _("OkiOki subscription")
        lines.append(
            LineInput(
                description=description[:500],
                quantity=quantity,
                unit_price=price,
                vat_rate=Decimal("21"),
                vat_code="standard",
                unit=unit,
            )
        )
    return lines


def stripe_totals(data: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    """(without VAT, VAT, with VAT) as Stripe computed them, in euros."""
    if "total_taxes" in data:
        tax = sum(int(tax["amount"]) for tax in data["total_taxes"] or [])
    else:  # an invoice of an API version before 2025-03-31
        tax = int(data.get("tax") or 0)
    total = int(data["total"])
    excluding = data.get("total_excluding_tax")
    return _euros(total - tax if excluding is None else excluding), _euros(tax), _euros(total)


def _check_amounts(totals: Totals, data: dict[str, Any]) -> None:
    """Stripe's amounts and VAT are ours, to the cent, or nothing is issued."""
    ours = (totals.tax_exclusive, totals.tax_total, totals.tax_inclusive)
    theirs = stripe_totals(data)
    if ours != theirs:
        raise PlatformInvoiceError(
            f"Stripe invoice {data['id']} says {theirs[0]} + VAT {theirs[1]} = {theirs[2]}; "
            f"OkiOki's invoice would say {ours[0]} + VAT {ours[1]} = {ours[2]}. Check the "
            "plan's Stripe prices and Stripe's tax settings (21 % in Belgium, reverse charge "
            "for EU businesses with a VAT number)."
        )


# --- sending -------------------------------------------------------------------------------------


def _send_after_commit(billing: BillingInvoice) -> None:
    """Sending is a worker's job, once the invoice is committed (not inside a webhook)."""
    if billing.sent_via or billing.sales_invoice_id is None:
        return
    company_id, billing_id = billing.company_id, billing.pk
    transaction.on_commit(lambda: platform_invoice_send.delay(company_id, billing_id))


def platform_invoice_deliver(*, company: Company, billing_invoice_id: int) -> str:
    """Send OkiOki's invoice to ``company`` once, the sales engine's way (over Peppol when the
    company receives invoices there, else by e-mail with its PDF and UBL), and note how it
    went ("peppol" or "email"). Again after it went: nothing is sent twice.

    Raises DomainError when it could not go (the task retries a refused e-mail)."""
    with company_scope(company):
        billing = BillingInvoice.objects.filter(company=company, pk=billing_invoice_id).first()
    if billing is None or billing.sales_invoice_id is None:
        return ""
    if billing.sent_via:
        return billing.sent_via
    platform = platform_company()
    with company_scope(platform):
        invoice = Invoice.objects.select_related("company", "customer").get(
            company=platform, public_id=billing.sales_invoice_id
        )
        dispatch = _dispatch(invoice)
        if dispatch is None:
            try:
                dispatch = invoice_send(invoice=invoice, actor=None)
            except DomainError as error:
                dispatch = _dispatch(invoice) if error.code in ALREADY_SENT else None
                if dispatch is None:
                    raise
    with company_scope(company):
        BillingInvoice.objects.filter(company=company, pk=billing.pk).update(
            sent_via=dispatch.channel, updated_at=timezone.now()
        )
    return dispatch.channel


def _dispatch(invoice: Invoice) -> Dispatch | None:
    return (
        Dispatch.objects.filter(invoice=invoice, what=Dispatch.What.INVOICE)
        .order_by("created_at")
        .first()
    )


# --- paid ----------------------------------------------------------------------------------------


def platform_invoice_paid(billing_invoice: BillingInvoice) -> None:
    """Stripe collected OkiOki's invoice: the customer's copy says when, and the platform's
    sales invoice is paid in full that day (as a payment, not "marked paid" by a person).
    Idempotent: again changes nothing."""
    company = billing_invoice.company
    platform = platform_company()
    with transaction.atomic():
        with company_scope(company):
            billing = BillingInvoice.objects.select_for_update().get(
                company=company, pk=billing_invoice.pk
            )
            if billing.paid_at is None:
                billing.paid_at = timezone.now()
                billing.save(update_fields=["paid_at", "updated_at"])
        if billing.sales_invoice_id is not None:
            with company_scope(platform):
                invoice = Invoice.objects.filter(
                    company=platform, public_id=billing.sales_invoice_id
                ).first()
                if invoice is not None and invoice.status == Invoice.Status.ISSUED:
                    paid_on = billing.paid_at.astimezone(BRUSSELS).date()
                    invoices_record_payments(
                        company=platform,
                        payments={invoice.pk: (invoice.total_incl_vat or Decimal("0"), paid_on)},
                    )
    billing_invoice.paid_at = billing.paid_at
