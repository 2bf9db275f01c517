"""The PDFs of our sales documents: invoices and credit notes (PDF/A-3 with their UBL inside)
and quotes, in the customer's language.

Every amount comes from the completed EN 16931 model the UBL is built from (line net amounts,
discounts, VAT breakdown, totals), so the PDF and the UBL agree to the cent. Rendering is
offline: the logo and the QR code are inlined and WeasyPrint may fetch nothing but ``data:``
URLs; fonts are the system's (DejaVu Sans).
"""

import base64
import datetime
import io
import logging
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_decimal
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher

from apps.companies.legal import name_with_form, register_mention
from apps.companies.models import Company
from apps.core.money import format_money, round_amount
from apps.core.templatetags.okioki import iban as format_iban
from apps.core.templatetags.okioki import ogm as format_ogm
from apps.einvoice.model import Document as EDocument
from apps.einvoice.model import Line
from apps.sales.einvoicing import customer_snapshot
from apps.sales.mentions import mention_for
from apps.sales.models import Invoice, Quote, Unit
from apps.sales.qr import epc_payload, epc_svg

logger = logging.getLogger(__name__)

LANGUAGES = {code for code, _name in settings.LANGUAGES}
# Belgian practice in both national languages: '.' groups thousands, ',' marks decimals.
NUMBER_LOCALES = {"nl": "de_BE", "fr": "de_BE", "en": "en_GB"}
# The VAT categories that have a rate on our side (EN 16931 UNCL5305 codes).
RATED = {"S", "Z"}
# The VAT breakdown lists standard-rated rows first, highest rate first.
CATEGORY_ORDER = {"S": 0, "Z": 1, "AE": 2, "K": 3, "G": 4, "E": 5, "O": 6}


def invoice_pdf(invoice: Invoice, model: EDocument, *, ubl: bytes | None = None) -> bytes:
    """The PDF of an invoice or credit note, as its customer reads it. With ``ubl`` it is a
    PDF/A-3b that carries the UBL as ``<number>.xml`` (the e-invoice is the legal document,
    the PDF its human-readable rendering)."""
    language = _language(invoice.customer_snapshot, invoice.customer)
    with translation.override(language):
        context = _common(invoice.company, invoice.customer_snapshot, invoice.customer, model)
        context |= {
            "is_credit_note": invoice.is_credit_note,
            "issue_date": _date(invoice.issue_date),
            "due_date": _date(invoice.due_date) if not invoice.is_credit_note else "",
            "buyer_reference": invoice.buyer_reference,
            "notes": invoice.notes,
            "mention": mention_for(invoice.vat_treatment, language),
            "credited": _credited(invoice),
            **_payment(invoice, model),
        }
        if invoice.is_collected_automatically:
            # nothing to transfer: no account anywhere on it, not even in the footer
            context["company"]["iban"] = ""
        html = render_to_string("pdf/sales/invoice.html", context)
    if ubl is None:
        return _render(html)
    attachment = Attachment(
        string=ubl,
        name=f"{invoice.number}.xml",
        description="UBL (Peppol BIS Billing 3.0)",
        # The UBL is the complete invoice, the PDF a rendering of it: ZUGFeRD/Factur-X call
        # that an "Alternative" representation.
        relationship="Alternative",
    )
    return _render(html, pdf_variant="pdf/a-3b", attachments=[attachment])


def quote_pdf(quote: Quote, model: EDocument) -> bytes:
    """The PDF of a quote: its lines, VAT and totals as the invoice will have them, and the
    link to accept it online."""
    language = _language({}, quote.customer)
    with translation.override(language):
        context = _common(quote.company, {}, quote.customer, model)
        context |= {
            "issue_date": _date(quote.issue_date),
            "valid_until": _date(quote.valid_until),
            "notes": quote.notes,
            "mention": mention_for(quote.vat_treatment, language),
            "accept_url": f"{settings.SITE_URL}/q/{quote.token}/" if quote.token else "",
        }
        html = render_to_string("pdf/sales/quote.html", context)
    return _render(html)


def _render(html: str, **options: Any) -> bytes:
    # Nothing is fetched: the logo and the QR code are inline, the fonts are the system's.
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(**options)
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return pdf


def _language(snapshot: dict[str, Any], customer: Any) -> str:
    language = (snapshot or {}).get("language") or getattr(customer, "language", "") or "nl"
    language = language[:2]
    return language if language in LANGUAGES else "nl"


def _common(
    company: Company, snapshot: dict[str, Any], customer: Any, model: EDocument
) -> dict[str, Any]:
    """What invoices, credit notes and quotes show alike: parties, lines, VAT, totals."""
    language = translation.get_language() or "nl"
    currency = model.currency
    data = snapshot or customer_snapshot(customer)

    def money(amount: Decimal) -> str:
        return format_money(amount, currency, language)

    totals = model.totals
    assert totals is not None, "the model must be completed (invoice_model does it)"
    lines = [_line(line, currency, language) for line in model.lines]
    return {
        "language": language,
        "number": model.number,
        "company": _company(company, foreign=data.get("country", "BE") != company.country),
        "customer": _customer(data, company.country),
        "lines": lines,
        "has_discount": any(line["discount"] for line in lines),
        "allowances": [
            {
                "reason": allowance.reason,
                "percent": _percent(allowance.percentage) if allowance.percentage else "",
                "rate": _percent(allowance.vat_rate)
                if allowance.vat_rate is not None and allowance.vat_category in RATED
                else "",
                "amount": money(-allowance.amount),
            }
            for allowance in model.allowances
        ],
        "charges": [
            {"reason": charge.reason, "amount": money(charge.amount)} for charge in model.charges
        ],
        "vat_rows": [
            {
                "category": row.category,
                "rate": _percent(row.rate or Decimal("0")),
                "taxable": money(row.taxable_amount),
                "tax": money(row.tax_amount),
                "reason": row.exemption_reason,
            }
            for row in sorted(
                model.vat_breakdown,
                key=lambda row: (CATEGORY_ORDER.get(row.category, 9), -(row.rate or 0)),
            )
        ],
        "totals": {
            "line_extension": money(totals.line_extension),
            "has_adjustments": bool(model.allowances or model.charges),
            "tax_exclusive": money(totals.tax_exclusive),
            "tax_total": money(totals.tax_total),
            "tax_inclusive": money(totals.tax_inclusive),
            "prepaid": money(totals.prepaid) if totals.prepaid else "",
            "rounding": money(totals.rounding) if totals.rounding else "",
            "payable": money(totals.payable),
        },
    }


def _line(line: Line, currency: str, language: str) -> dict[str, str]:
    discount = next((a.percentage for a in line.allowances if a.percentage), None)
    try:
        unit = str(Unit(line.unit_code).label)
    except ValueError:
        unit = line.unit_code
    return {
        "description": line.description or line.name,
        "quantity": _number(line.quantity, "#,##0.###"),
        "unit": unit,
        "unit_price": _unit_price(line.unit_price, currency, language),
        "discount": _percent(discount) if discount else "",
        # Outside the standard and zero rates no rate applies on our side (under reverse charge
        # the customer owes the VAT at its rate): the VAT breakdown and the mention say why.
        "vat": _percent(line.vat_rate or Decimal("0")) if line.vat_category in RATED else "–",
        "amount": format_money(line.net_amount or Decimal("0"), currency, language),
    }


def _company(company: Company, *, foreign: bool) -> dict[str, str]:
    return {
        "name": name_with_form(company),
        "register": register_mention(company),
        "street": company.street,
        "postal_city": f"{company.postal_code} {company.city}".strip(),
        "country": _country(company.country) if foreign else "",
        "vat": _vat_number(company.vat_number),
        "enterprise": company.enterprise_number_display,
        "email": company.email,
        "iban": format_iban(company.iban),
        "logo": _logo(company),
    }


def _customer(data: dict[str, Any], home: str) -> dict[str, str]:
    country = data.get("country") or "BE"
    enterprise = data.get("enterprise_number", "")
    vat = _vat_number(data.get("vat_id", ""))
    return {
        "name": data.get("name", ""),
        "street": data.get("street", ""),
        "postal_city": f"{data.get('postal_code', '')} {data.get('city', '')}".strip(),
        "country": _country(country) if country != home else "",
        "vat": vat,
        # A Belgian VAT number already is the enterprise number: show it once.
        "enterprise": (
            f"{enterprise[:4]}.{enterprise[4:7]}.{enterprise[7:]}"
            if len(enterprise) == 10 and not vat
            else ""
        ),
    }


def _credited(invoice: Invoice) -> dict[str, str] | None:
    credited = invoice.credited_invoice
    if not invoice.is_credit_note or credited is None:
        return None
    return {"number": credited.number, "date": _date(credited.issue_date)}


def _payment(invoice: Invoice, model: EDocument) -> dict[str, Any]:
    """The payment block of an invoice: the structured communication and the EPC QR code,
    or, when the seller collects the payment itself, only that nothing is to be transferred."""
    totals = model.totals
    assert totals is not None
    company = invoice.company
    reference = invoice.structured_communication
    payable = totals.payable
    nothing = {"show_payment": False, "collected": False, "ogm": "", "qr_svg": ""}
    if invoice.is_credit_note or payable <= 0:
        return nothing
    if invoice.is_collected_automatically:
        return nothing | {"show_payment": True, "collected": True}
    ogm = format_ogm(reference) if reference else ""
    qr_svg = ""
    if company.iban and model.currency == "EUR":
        try:
            payload = epc_payload(
                name=company.name,
                iban=company.iban,
                amount=payable,
                reference=reference or invoice.number,
            )
            qr_svg = epc_svg(payload)
        except ValueError as error:  # stdnum's errors are ValueErrors too
            logger.warning("no EPC QR code on invoice %s: %s", invoice.public_id, error)
    return {
        "show_payment": bool(company.iban or ogm),
        "collected": False,
        "ogm": ogm,
        "qr_svg": qr_svg,
    }


def _logo(company: Company) -> str:
    """The company's logo as a data URI (the PDF renderer fetches nothing)."""
    if not company.logo:
        return ""
    try:
        with company.logo.open("rb") as file:
            data = file.read()
        with Image.open(io.BytesIO(data)) as image:
            kind = (image.format or "png").lower()
    except (OSError, ValueError) as error:
        logger.warning("logo of company %s unreadable: %s", company.public_id, error)
        return ""
    mime = {"jpg": "jpeg", "mpo": "jpeg"}.get(kind, kind)
    return f"data:image/{mime};base64,{base64.b64encode(data).decode()}"


def _vat_number(number: str) -> str:
    """``BE 0123.456.789`` for a Belgian VAT number (how Belgians write it), others compact."""
    compact = number.replace(" ", "").replace(".", "").replace("-", "").upper()
    if compact.startswith("BE") and len(compact) == 12 and compact[2:].isdigit():
        digits = compact[2:]
        return f"BE {digits[:4]}.{digits[4:7]}.{digits[7:]}"
    return compact


def _country(code: str) -> str:
    locale = Locale.parse(translation.get_language() or "nl")
    return locale.territories.get(code.upper(), code)


def _date(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _number(value: Decimal, pattern: str) -> str:
    language = translation.get_language() or "nl"
    return format_decimal(value, format=pattern, locale=NUMBER_LOCALES.get(language, "en_GB"))


def _percent(value: Decimal) -> str:
    number = _number(value, "#,##0.##")
    language = translation.get_language() or "nl"
    return f"{number}%" if language == "en" else f"{number}\u00a0%"


def _unit_price(value: Decimal, currency: str, language: str) -> str:
    """A unit price keeps up to 4 decimals (``0,1234 €``); amounts have 2."""
    text = format_money(value, currency, language)
    if round_amount(value) == value:
        return text
    cents = _number(abs(round_amount(value)), "#,##0.00")
    return text.replace(cents, _number(abs(value), "#,##0.00##"), 1)
