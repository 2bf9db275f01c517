"""An invoice or credit note of ours as an EN 16931 document, for the UBL (Peppol BIS 3).

The e-invoice engine computes the line amounts, the VAT breakdown and the totals: what the
PDF shows is what the UBL says, to the cent.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.money import round_amount
from apps.documents.envelope import VAT_SCHEMES, our_party
from apps.einvoice import complete
from apps.einvoice.model import (
    CREDIT_NOTE,
    INVOICE,
    Address,
    AllowanceCharge,
    Attachment,
    Contact,
    Delivery,
    Endpoint,
    Line,
    Party,
    Payment,
    PrecedingInvoice,
    VatBreakdown,
)
from apps.einvoice.model import Document as EDocument
from apps.einvoice.totals import line_net_amount
from apps.sales.mentions import MENTIONS, category_for
from apps.sales.models import Invoice, VatTreatment

HUNDRED = Decimal("100")
# UNCL4461 payment means codes (BT-81)
CREDIT_TRANSFER = "30"
NOT_DEFINED = "1"


def customer_snapshot(customer: Any) -> dict[str, str]:
    """What an issued invoice keeps of its customer."""
    fields = (
        "name",
        "kind",
        "enterprise_number",
        "vat_id",
        "street",
        "postal_code",
        "city",
        "country",
        "email",
        "language",
        "peppol_endpoint",
    )
    return {name: str(getattr(customer, name) or "") for name in fields}


def buyer_endpoint(data: dict[str, str]) -> Endpoint | None:
    """The customer's electronic address (a customer snapshot's fields): its own Peppol ID,
    else 0208 and its enterprise number (Belgium), else its VAT number's scheme; None when
    it has none (the checks say the customer needs one)."""
    country = data.get("country") or "BE"
    vat_id = data.get("vat_id", "")
    enterprise = data.get("enterprise_number", "") if country == "BE" else ""
    given = data.get("peppol_endpoint", "")
    if ":" in given:
        scheme, identifier = given.split(":", 1)
        return Endpoint(scheme=scheme.strip(), id=identifier.strip())
    if enterprise:
        return Endpoint(scheme="0208", id=enterprise)
    if vat_id and country in VAT_SCHEMES:
        return Endpoint(scheme=VAT_SCHEMES[country], id=vat_id)
    return None


def _buyer(data: dict[str, str]) -> Party:
    country = data.get("country") or "BE"
    vat_id = data.get("vat_id", "")
    enterprise = data.get("enterprise_number", "") if country == "BE" else ""
    endpoint = buyer_endpoint(data)
    return Party(
        name=data.get("name", ""),
        vat_id=vat_id,
        enterprise_number=enterprise,
        enterprise_number_scheme="0208" if enterprise else "",
        endpoint=endpoint,
        address=Address(
            street=data.get("street", ""),
            city=data.get("city", ""),
            postal_code=data.get("postal_code", ""),
            country=country,
        ),
        contact=Contact(email=data["email"]) if data.get("email") else None,
    )


def _discount(
    base: Decimal, percent: Decimal, *, vat_category: str = "", vat_rate: Decimal | None = None
) -> AllowanceCharge:
    """A discount of ``percent`` on ``base``, rounded to the cent, with reason code 95: on a
    line, or on the total (then of one VAT category and rate)."""
    return AllowanceCharge(
        is_charge=False,
        amount=round_amount(base * percent / HUNDRED),
        base_amount=base,
        percentage=percent,
        reason=_("Discount"),
        reason_code="95",
        vat_category=vat_category,
        vat_rate=vat_rate,
    )


def _lines(invoice: Invoice, lines: list[Any]) -> list[Line]:
    result = []
    for index, line in enumerate(lines, start=1):
        treatment_rate = line.vat_rate if invoice.vat_treatment == VatTreatment.DOMESTIC else 0
        rate = Decimal(str(treatment_rate))
        gross = round_amount(line.quantity * line.unit_price)
        allowances = [_discount(gross, line.discount_percent)] if line.discount_percent else []
        result.append(
            Line(
                id=str(index),
                name=line.description[:200],
                description=line.description if len(line.description) > 200 else "",
                quantity=line.quantity,
                unit_code=line.unit,
                unit_price=line.unit_price,
                vat_category=category_for(invoice.vat_treatment, rate),
                vat_rate=rate,
                allowances=allowances,
            )
        )
    return result


def _document_discount(invoice: Invoice, lines: list[Line]) -> list[AllowanceCharge]:
    """A discount on the total: one allowance per VAT category and rate (EN 16931 wants the
    rate of what is discounted)."""
    if not invoice.discount_percent:
        return []
    bases: dict[tuple[str, Decimal | None], Decimal] = defaultdict(Decimal)
    for line in lines:
        bases[(line.vat_category, line.vat_rate)] += line_net_amount(line)
    return [
        _discount(base, invoice.discount_percent, vat_category=category, vat_rate=rate)
        for (category, rate), base in bases.items()
        if base
    ]


def _payment(invoice: Invoice) -> Payment | None:
    """The payment instructions (BG-16), in the active language: to transfer to the
    seller's account with the structured communication, or, when the seller collects the
    payment itself, no account at all (the structured communication stays, as a reference).

    Collected automatically, the means code is UNCL4461 "1" (instrument not defined): the
    card or the direct debit is the one the subscription has when the payment is taken, not
    known when the invoice is issued (the customer may change it before), and a direct debit
    (59) would need its mandate reference (PEPPOL-EN16931-R061), and an invoice can't say
    both 48 (bank card) and 59 (its payment means share one code, UBL-SR-47). BT-82 says it
    in words, and the payment terms (BT-20) that nothing is to be transferred."""
    if invoice.is_credit_note:
        return None
    if invoice.is_collected_automatically:
        return Payment(
            means_code=NOT_DEFINED,
            means_text=_("Card or direct debit, collected by the seller"),
            reference=invoice.structured_communication,
        )
    company = invoice.company
    if not company.iban:
        return None
    return Payment(
        means_code=CREDIT_TRANSFER,
        reference=invoice.structured_communication,
        iban=company.iban,
        account_name=company.name,
    )


def invoice_model(
    invoice: Invoice, *, pdf: bytes | None = None, lines: list[Any] | None = None
) -> EDocument:
    """The EN 16931 document of ``invoice`` (issued, or a draft being checked), completed:
    line amounts, VAT breakdown and totals computed. ``pdf`` is embedded when given."""
    data = invoice.customer_snapshot or customer_snapshot(invoice.customer)
    language = data.get("language") or "nl"
    company = invoice.company
    lines = list(invoice.lines.all()) if lines is None else lines
    with translation.override(language):
        model_lines = _lines(invoice, lines)
        allowances = _document_discount(invoice, model_lines)
        mention = MENTIONS.get(invoice.vat_treatment)
        reasons = (
            [
                VatBreakdown(
                    category=mention.category,
                    rate=Decimal("0"),
                    taxable_amount=Decimal("0"),
                    tax_amount=Decimal("0"),
                    exemption_reason=mention.in_language(language),
                    exemption_reason_code=mention.vatex,
                )
            ]
            if mention
            else []
        )
        # Peppol BIS allows one note (PEPPOL-EN16931-R001): the user's and the legal mention
        # go in it together
        parts = [invoice.notes, mention.in_language(language) if mention else ""]
        note = "\n".join(part for part in parts if part)
        notes = [note] if note else []
        terms = ""
        if invoice.is_collected_automatically and not invoice.is_credit_note:
            terms = _("Collected automatically by card or direct debit — no transfer needed.")
        elif not invoice.is_credit_note and invoice.due_date and invoice.issue_date:
            days = (invoice.due_date - invoice.issue_date).days
            terms = _("Payment within %(days)s days") % {"days": days}
        payment = _payment(invoice)
    seller = our_party(company)
    buyer = _buyer(data)
    credited = invoice.credited_invoice
    model = EDocument(
        number=invoice.number or "DRAFT",
        issue_date=invoice.issue_date or timezone.localdate(),
        due_date=invoice.due_date if not invoice.is_credit_note else None,
        type_code=CREDIT_NOTE if invoice.is_credit_note else INVOICE,
        currency=invoice.currency,
        seller=seller,
        buyer=buyer,
        buyer_reference=invoice.buyer_reference or invoice.number or "DRAFT",
        lines=model_lines,
        allowances=allowances,
        vat_breakdown=reasons,
        notes=notes,
        payment_terms=terms,
        payment=payment,
        preceding_invoices=[
            PrecedingInvoice(number=credited.number, issue_date=credited.issue_date)
        ]
        if credited is not None
        else [],
        delivery=Delivery(date=invoice.issue_date, address=Address(country=buyer.address.country))
        if invoice.vat_treatment == VatTreatment.INTRA_EU
        else None,
        attachments=[
            Attachment(
                id=invoice.number,
                description=_("Invoice") if not invoice.is_credit_note else _("Credit note"),
                filename=f"{invoice.number}.pdf",
                mime_code="application/pdf",
                content=pdf,
            )
        ]
        if pdf
        else [],
    )
    return complete(model)


def quote_model(quote: Any) -> EDocument:
    """A quote's lines, VAT and totals, computed the way its invoice will be."""
    invoice = Invoice(
        company=quote.company,
        customer=quote.customer,
        vat_treatment=quote.vat_treatment,
        discount_percent=quote.discount_percent,
        issue_date=quote.issue_date,
        number=quote.number or "QUOTE",
        notes=quote.notes,
    )
    return invoice_model(invoice, lines=list(quote.lines.all()))
