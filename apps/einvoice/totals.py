"""Totals and VAT breakdown computed from lines, allowances and charges (EN 16931 rules).

The builder never trusts typed totals: ``complete(document)`` recomputes every line net amount
(BT-131), the VAT breakdown (BG-23) and the document totals (BG-22). Only the prepaid amount
(BT-113), the rounding amount (BT-114) and exemption reasons are taken from the input, because
they can't be derived.
"""

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from apps.einvoice.model import (
    EXEMPT_CATEGORIES,
    AllowanceCharge,
    Document,
    Line,
    Totals,
    VatBreakdown,
)

CENT = Decimal("0.01")
ZERO = Decimal("0")

# A default exemption reason code and text per category, used when the input gives none
# (category E has no default: which exemption applies must come from the user).
DEFAULT_EXEMPTIONS = {
    "AE": ("VATEX-EU-AE", "Reverse charge"),
    "K": ("VATEX-EU-IC", "Intra-community supply"),
    "G": ("VATEX-EU-G", "Export outside the EU"),
    "O": ("VATEX-EU-O", "Not subject to VAT"),
}


def money(value: Decimal) -> Decimal:
    """Round half up to two decimals, as EN 16931 requires for amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_net_amount(line: Line) -> Decimal:
    """BT-131 = quantity × (net price / base quantity) + line charges − line allowances."""
    base = line.base_quantity if line.base_quantity not in (None, ZERO) else Decimal(1)
    amount = line.quantity * line.unit_price / base
    amount += sum((c.amount for c in line.charges), ZERO)
    amount -= sum((a.amount for a in line.allowances), ZERO)
    return money(amount)


def _key(category: str, rate: Decimal | None) -> tuple[str, Decimal | None]:
    if category == "O":
        return (category, None)
    return (category, (rate if rate is not None else ZERO).normalize())


def vat_breakdown(
    lines: list[Line],
    allowances: list[AllowanceCharge],
    charges: list[AllowanceCharge],
    given: list[VatBreakdown] | None = None,
) -> list[VatBreakdown]:
    """One entry per (category, rate), in order of first appearance."""
    taxable: dict[tuple[str, Decimal | None], Decimal] = {}
    rates: dict[tuple[str, Decimal | None], Decimal | None] = {}

    def add(category: str, rate: Decimal | None, amount: Decimal) -> None:
        key = _key(category, rate)
        taxable[key] = taxable.get(key, ZERO) + amount
        rates.setdefault(key, None if category == "O" else rate)

    for line in lines:
        add(line.vat_category, line.vat_rate, line_net_amount(line))
    for allowance in allowances:
        add(allowance.vat_category, allowance.vat_rate, -allowance.amount)
    for charge in charges:
        add(charge.vat_category, charge.vat_rate, charge.amount)

    reasons = {_key(b.category, b.rate): b for b in given or []}
    result = []
    for key, amount in taxable.items():
        category, _rate = key
        rate = rates[key]
        amount = money(amount)
        exempt = category in EXEMPT_CATEGORIES or rate is None
        tax = ZERO if exempt or rate is None else money(amount * rate / 100)
        known = reasons.get(key)
        code = known.exemption_reason_code if known else ""
        text = known.exemption_reason if known else ""
        if category in DEFAULT_EXEMPTIONS and not code and not text:
            code, text = DEFAULT_EXEMPTIONS[category]
        result.append(
            VatBreakdown(
                category=category,
                rate=rate,
                taxable_amount=amount,
                tax_amount=money(tax),
                exemption_reason=text,
                exemption_reason_code=code,
            )
        )
    return result


def complete(document: Document) -> Document:
    """A copy of ``document`` with line amounts, VAT breakdown and totals computed."""
    lines = [replace(line, net_amount=line_net_amount(line)) for line in document.lines]
    breakdown = vat_breakdown(lines, document.allowances, document.charges, document.vat_breakdown)
    line_extension = money(sum((line.net_amount or ZERO for line in lines), ZERO))
    allowance_total = money(sum((a.amount for a in document.allowances), ZERO))
    charge_total = money(sum((c.amount for c in document.charges), ZERO))
    tax_exclusive = line_extension - allowance_total + charge_total
    tax_total = money(sum((b.tax_amount for b in breakdown), ZERO))
    previous = document.totals
    prepaid = previous.prepaid if previous else ZERO
    rounding = previous.rounding if previous else ZERO
    totals = Totals(
        line_extension=line_extension,
        allowance_total=allowance_total,
        charge_total=charge_total,
        tax_exclusive=tax_exclusive,
        tax_total=tax_total,
        tax_inclusive=tax_exclusive + tax_total,
        prepaid=prepaid,
        rounding=rounding,
        payable=tax_exclusive + tax_total - prepaid + rounding,
        tax_total_in_tax_currency=previous.tax_total_in_tax_currency if previous else None,
    )
    return replace(document, lines=lines, vat_breakdown=breakdown, totals=totals)
