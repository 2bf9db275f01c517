"""Totals and VAT breakdown computed from lines, allowances and charges (EN 16931 rules).

Source amounts are sacred. A document we author (sales, an envelope from reviewed fields)
comes without totals (``totals is None``): ``complete(document)`` computes every line net
amount (BT-131), the VAT breakdown (BG-23) and the document totals (BG-22), taking only the
prepaid amount (BT-113), the rounding amount (BT-114) and exemption reasons from the input.
A document that states its amounts (one read from UBL or CII, ``totals`` set) keeps every
amount it states, as stated: line net amounts, VAT breakdown, totals; only what it leaves out
(a line without BT-131, a document without a breakdown) is computed. Whether the stated
amounts add up is ``inconsistencies(document)``'s question, never a reason to change them.

``complete`` also brings the document into the one shape that UBL can carry, so that
``from_xml(to_ubl(m)) == complete(m)``: amounts rounded half up to the cent (the builder prints
exactly these, so BR-CO-11/12 hold), no VAT rate for category O, no buyer-only terms that
EN 16931 gives the seller alone, notes without surrounding blanks, embedded attachments with a
MIME code and a file name, and the payment means a credit note's due date travels in.
"""

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Context, Decimal, DecimalException, localcontext
from typing import Any, TypeVar

from apps.einvoice.attachments import ALLOWED as ALLOWED_MIME_CODES
from apps.einvoice.attachments import embeddable
from apps.einvoice.errors import EInvoiceError
from apps.einvoice.model import (
    EXEMPT_CATEGORIES,
    OUTSIDE_SCOPE,
    AllowanceCharge,
    Attachment,
    Document,
    Line,
    Party,
    Payment,
    Totals,
    VatBreakdown,
)
from apps.einvoice.numbers import is_bounded

CENT = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")

# Bounded inputs (``numbers``) multiplied and divided stay far below 80 digits, so amounts are
# exact before they are rounded, and rounding to the cent can't overflow the precision.
CONTEXT = Context(prec=80, rounding=ROUND_HALF_UP)

# The legal mention for a domestic reverse charge (medecontractant), in Dutch and French:
# Royal Decree no. 1, art. 5 §1 9°, for art. 51 §2 of the VAT Code.
MEDECONTRACTANT = (
    "Verlegging van heffing – Belasting te voldoen door de medecontractant, "
    "Btw-Wetboek artikel 51, § 2 / Autoliquidation – Taxe à acquitter par le cocontractant, "
    "Code de la TVA, article 51, § 2"
)
# For a customer abroad the reference to the Directive is the mention.
REVERSE_CHARGE_ABROAD = (
    "Reverse charge – VAT to be paid by the customer, Article 196 of Directive 2006/112/EC "
    "(Verlegging van heffing / Autoliquidation)"
)

# A default exemption reason code and text per category, used when the input gives none
# (category E has no default: which exemption applies must come from the user).
DEFAULT_EXEMPTIONS = {
    "AE": ("VATEX-EU-AE", MEDECONTRACTANT),
    "K": ("VATEX-EU-IC", "Intra-community supply"),
    "G": ("VATEX-EU-G", "Export outside the EU"),
    "O": ("VATEX-EU-O", "Not subject to VAT"),
}


_T = TypeVar("_T")
_TOTALS_FIELDS = tuple(field.name for field in fields(Totals))


def _changed(item: _T, **changes: Any) -> _T:
    """A shallow copy with some fields changed; ``dataclasses.replace`` is ten times slower."""
    copy = object.__new__(type(item))
    copy.__dict__.update(item.__dict__)
    copy.__dict__.update(changes)
    return copy


def money(value: Decimal) -> Decimal:
    """Round half up to two decimals, as EN 16931 requires for amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _check(value: Decimal | None, field: str) -> None:
    if value is not None and not is_bounded(value):
        raise EInvoiceError("bad_number", field=field, value=str(value)[:40])


def _rounded(item: AllowanceCharge, field: str, *, on_line: bool) -> AllowanceCharge:
    """An allowance or charge with its amounts rounded to the cent, as it will be printed."""
    _check(item.amount, f"{field}.amount")
    _check(item.base_amount, f"{field}.base_amount")
    _check(item.percentage, f"{field}.percentage")
    changes: dict[str, Any] = {}
    if money(item.amount) != item.amount:
        changes["amount"] = money(item.amount)
    if item.base_amount is not None and money(item.base_amount) != item.base_amount:
        changes["base_amount"] = money(item.base_amount)
    if on_line:  # a line allowance or charge carries no VAT of its own (BG-27/BG-28)
        if item.vat_category or item.vat_rate is not None:
            changes.update(vat_category="", vat_rate=None)
    elif item.vat_category == OUTSIDE_SCOPE and item.vat_rate is not None:
        changes["vat_rate"] = None
    return _changed(item, **changes) if changes else item


def line_net_amount(line: Line) -> Decimal:
    """BT-131 = quantity × (net price / base quantity) + line charges − line allowances."""
    base = line.base_quantity if line.base_quantity not in (None, ZERO) else ONE
    amount = line.quantity * line.unit_price / base
    amount += sum((money(c.amount) for c in line.charges), ZERO)
    amount -= sum((money(a.amount) for a in line.allowances), ZERO)
    return money(amount)


def _line(line: Line, index: int) -> Line:
    field = f"lines[{index}]"
    for name in ("quantity", "unit_price", "base_quantity", "gross_price", "price_discount"):
        _check(getattr(line, name), f"{field}.{name}")
    changes: dict[str, Any] = {
        "allowances": [
            _rounded(a, f"{field}.allowances[{i}]", on_line=True)
            for i, a in enumerate(line.allowances)
        ],
        "charges": [
            _rounded(c, f"{field}.charges[{i}]", on_line=True) for i, c in enumerate(line.charges)
        ],
    }
    if line.vat_category == OUTSIDE_SCOPE:
        changes["vat_rate"] = None
    changed = _changed(line, **changes)
    if line.net_amount is None:
        changed.net_amount = line_net_amount(changed)
    else:  # stated (BT-131): kept, as printed
        _check(line.net_amount, f"{field}.net_amount")
        changed.net_amount = money(line.net_amount)
    return changed


def _key(category: str, rate: Decimal | None) -> tuple[str, Decimal | None]:
    if category == OUTSIDE_SCOPE:
        return (category, None)
    return (category, (rate if rate is not None else ZERO).normalize())


def default_exemption(category: str, buyer_country: str = "") -> tuple[str, str] | None:
    """The VATEX code and legal mention used when the input gives no exemption reason."""
    if category == "AE" and buyer_country not in ("", "BE"):
        return ("VATEX-EU-AE", REVERSE_CHARGE_ABROAD)
    return DEFAULT_EXEMPTIONS.get(category)


def vat_breakdown(
    lines: list[Line],
    allowances: list[AllowanceCharge],
    charges: list[AllowanceCharge],
    given: list[VatBreakdown] | None = None,
    buyer_country: str = "",
) -> list[VatBreakdown]:
    """One entry per (category, rate), in order of first appearance.

    Line net amounts and the amounts of allowances and charges are taken as given:
    ``complete`` has computed and rounded them.
    """
    taxable: dict[tuple[str, Decimal | None], Decimal] = {}
    rates: dict[tuple[str, Decimal | None], Decimal | None] = {}

    def add(category: str, rate: Decimal | None, amount: Decimal) -> None:
        key = _key(category, rate)
        taxable[key] = taxable.get(key, ZERO) + amount
        rates.setdefault(key, None if category == OUTSIDE_SCOPE else rate)

    for line in lines:
        net = line.net_amount if line.net_amount is not None else line_net_amount(line)
        add(line.vat_category, line.vat_rate, net)
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
        default = default_exemption(category, buyer_country)
        if default is not None and not code and not text:
            code, text = default
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


def _attachment(attachment: Attachment) -> Attachment:
    """UBL requires a MIME code and a file name on embedded content: fill them in here.
    Without content (an external URI or a bare reference) they describe nothing and go."""
    if not attachment.content:
        if attachment.content is None and not attachment.mime_code and not attachment.filename:
            return attachment
        return _changed(attachment, content=None, mime_code="", filename="")
    if attachment.mime_code in ALLOWED_MIME_CODES and attachment.filename:
        return attachment
    return embeddable(attachment)  # the MIME code from the content, a picture converted


def _party(party: Party, *, is_seller: bool) -> Party:
    changes: dict[str, Any] = {}
    if not party.address.country:
        changes["address"] = _changed(party.address, country="BE")  # as the builder prints it
    if party.contact is not None and not (
        party.contact.name or party.contact.phone or party.contact.email
    ):
        changes["contact"] = None
    if not is_seller:
        # BT-32 (tax registration) and BT-33 (legal form) exist for the seller only, and the
        # buyer has at most one identifier (BT-46).
        if party.legal_form or party.tax_registration_id:
            changes.update(legal_form="", tax_registration_id="")
        if len(party.identifiers) > 1:
            changes["identifiers"] = party.identifiers[:1]
    return _changed(party, **changes) if changes else party


def _payment(document: Document) -> Payment | None:
    payment = document.payment
    if payment is None:
        # A credit note's due date travels in PaymentMeans (means code 1, "not defined").
        if document.is_credit_note and document.due_date is not None:
            return Payment(means_code="1")
        return None
    if not payment.iban and (payment.account_name or payment.bic):
        return _changed(payment, account_name="", bic="")  # only printed with an account
    return payment


def complete(document: Document) -> Document:
    """A copy of ``document`` with line amounts, VAT breakdown and totals computed.

    Raises ``EInvoiceError("bad_number")`` for a quantity, price or amount that is not a
    finite number of a sane size (NaN, Infinity, 1e999999).
    """
    try:
        with localcontext(CONTEXT):
            return _complete(document)
    except DecimalException:  # only reachable with numbers beyond the bounds checked above
        raise EInvoiceError("bad_number", field="totals", value="?") from None


def read_totals(stated: dict[str, Decimal | None], document: Document) -> Totals:
    """The totals of a read document: every amount as the source states it; one it leaves out
    derived from the others the way EN 16931 adds them up (BT-106 = the lines' net amounts,
    BT-107/BT-108 = the document's allowances/charges, BT-109 = BT-106 − BT-107 + BT-108,
    BT-112 = BT-109 + BT-110, BT-115 = BT-112 − BT-113 + BT-114; BT-113/BT-114 absent are none).
    A stated amount is never changed, and one left out is never taken for 0.00 (a missing
    BT-106 or BT-112 once was). ``stated`` maps ``Totals`` field names to the stated amount or
    None."""

    def given(name: str) -> Decimal | None:
        return stated.get(name)

    with localcontext(CONTEXT):
        line_extension = given("line_extension")
        if line_extension is None:
            nets = [_line(line, i).net_amount or ZERO for i, line in enumerate(document.lines)]
            line_extension = money(sum(nets, ZERO))
        allowance_total = given("allowance_total")
        if allowance_total is None:
            allowance_total = money(sum((a.amount for a in document.allowances), ZERO))
        charge_total = given("charge_total")
        if charge_total is None:
            charge_total = money(sum((c.amount for c in document.charges), ZERO))
        tax_exclusive = given("tax_exclusive")
        if tax_exclusive is None:
            tax_exclusive = line_extension - allowance_total + charge_total
        tax_total = given("tax_total") or ZERO
        tax_inclusive = given("tax_inclusive")
        if tax_inclusive is None:
            tax_inclusive = tax_exclusive + tax_total
        prepaid = given("prepaid") or ZERO
        rounding = given("rounding") or ZERO
        payable = given("payable")
        if payable is None:
            payable = tax_inclusive - prepaid + rounding
    return Totals(
        line_extension=line_extension,
        allowance_total=allowance_total,
        charge_total=charge_total,
        tax_exclusive=tax_exclusive,
        tax_total=tax_total,
        tax_inclusive=tax_inclusive,
        prepaid=prepaid,
        rounding=rounding,
        payable=payable,
        tax_total_in_tax_currency=given("tax_total_in_tax_currency"),
    )


def _stated_breakdown(entry: VatBreakdown, index: int, buyer_country: str) -> VatBreakdown:
    """A VAT breakdown entry as the source states it; only a missing exemption reason is
    filled in (it is text, not an amount)."""
    field = f"vat_breakdown[{index}]"
    _check(entry.taxable_amount, f"{field}.taxable_amount")
    _check(entry.tax_amount, f"{field}.tax_amount")
    _check(entry.rate, f"{field}.rate")
    changes: dict[str, Any] = {
        "taxable_amount": money(entry.taxable_amount),
        "tax_amount": money(entry.tax_amount),
    }
    if entry.category == OUTSIDE_SCOPE:
        changes["rate"] = None
    default = default_exemption(entry.category, buyer_country)
    if default is not None and not entry.exemption_reason_code and not entry.exemption_reason:
        changes["exemption_reason_code"], changes["exemption_reason"] = default
    return _changed(entry, **changes)


def _stated_totals(given: Totals) -> Totals:
    """The totals the source states, each checked and rounded to the cent (BT-111 may be absent)."""
    amounts: dict[str, Any] = {}
    for name in _TOTALS_FIELDS:
        value = getattr(given, name)
        _check(value, f"totals.{name}")
        amounts[name] = None if value is None else money(value)
    return Totals(**amounts)


def _computed_totals(
    lines: list[Line],
    allowances: list[AllowanceCharge],
    charges: list[AllowanceCharge],
    breakdown: list[VatBreakdown],
) -> Totals:
    line_extension = money(sum((line.net_amount or ZERO for line in lines), ZERO))
    allowance_total = money(sum((a.amount for a in allowances), ZERO))
    charge_total = money(sum((c.amount for c in charges), ZERO))
    tax_exclusive = line_extension - allowance_total + charge_total
    tax_total = money(sum((b.tax_amount for b in breakdown), ZERO))
    return Totals(
        line_extension=line_extension,
        allowance_total=allowance_total,
        charge_total=charge_total,
        tax_exclusive=tax_exclusive,
        tax_total=tax_total,
        tax_inclusive=tax_exclusive + tax_total,
        payable=tax_exclusive + tax_total,
    )


def _complete(document: Document) -> Document:
    lines = [_line(line, i) for i, line in enumerate(document.lines)]
    allowances = [
        _rounded(a, f"allowances[{i}]", on_line=False) for i, a in enumerate(document.allowances)
    ]
    charges = [_rounded(c, f"charges[{i}]", on_line=False) for i, c in enumerate(document.charges)]
    buyer = _party(document.buyer, is_seller=False)
    if document.totals is not None and document.vat_breakdown:
        breakdown = [
            _stated_breakdown(entry, i, buyer.address.country)
            for i, entry in enumerate(document.vat_breakdown)
        ]
    else:
        breakdown = vat_breakdown(
            lines, allowances, charges, document.vat_breakdown, buyer.address.country
        )
    given = document.totals
    totals = (
        _stated_totals(given)
        if given is not None
        else _computed_totals(lines, allowances, charges, breakdown)
    )
    notes = [note.strip() for note in document.notes if note.strip()]
    delivery = document.delivery
    if delivery is not None and delivery.address is not None and not delivery.address.country:
        delivery = _changed(delivery, address=_changed(delivery.address, country="BE"))
    return _changed(
        document,
        lines=lines,
        allowances=allowances,
        charges=charges,
        seller=_party(document.seller, is_seller=True),
        buyer=buyer,
        notes=notes,
        delivery=delivery,
        payment=_payment(document),
        attachments=[_attachment(a) for a in document.attachments],
        vat_breakdown=breakdown,
        totals=totals,
    )


# EN 16931 accepts a VAT amount or a taxable amount per rate within one unit of the computed
# one (BR-CO-17, BR-S-08 and their siblings); the sums of BG-22 must be exact.
PER_RATE_TOLERANCE = Decimal("1")


@dataclass
class Inconsistency:
    """A stated amount that is not what the document's other stated amounts give."""

    term: str  # BT-106 … BT-117
    stated: Decimal
    computed: Decimal
    category: str = ""  # BT-116/BT-117: the VAT category and rate
    rate: Decimal | None = None


def inconsistencies(document: Document) -> list[Inconsistency]:
    """Where a document's stated amounts don't add up (the arithmetic of EN 16931).

    Nothing is changed: a read document keeps its amounts (the accountant books what the
    supplier invoiced); this says what to flag. A document without totals has none stated.
    """
    if document.totals is None:
        return []
    with localcontext(CONTEXT):
        return _inconsistencies(complete(document))


def _inconsistencies(document: Document) -> list[Inconsistency]:
    totals = document.totals
    assert totals is not None
    found: list[Inconsistency] = []

    def check(term: str, stated: Decimal, computed: Decimal) -> None:
        if stated != computed:
            found.append(Inconsistency(term, stated, computed))

    check(
        "BT-106", totals.line_extension, sum((ln.net_amount or ZERO for ln in document.lines), ZERO)
    )
    check("BT-107", totals.allowance_total, sum((a.amount for a in document.allowances), ZERO))
    check("BT-108", totals.charge_total, sum((c.amount for c in document.charges), ZERO))
    check(
        "BT-109",
        totals.tax_exclusive,
        totals.line_extension - totals.allowance_total + totals.charge_total,
    )
    check("BT-110", totals.tax_total, sum((b.tax_amount for b in document.vat_breakdown), ZERO))
    check("BT-112", totals.tax_inclusive, totals.tax_exclusive + totals.tax_total)
    check("BT-115", totals.payable, totals.tax_inclusive - totals.prepaid + totals.rounding)
    computed = {
        _key(entry.category, entry.rate): entry
        for entry in vat_breakdown(document.lines, document.allowances, document.charges)
    }
    for entry in document.vat_breakdown:
        own = computed.get(_key(entry.category, entry.rate))
        taxable = own.taxable_amount if own is not None else ZERO
        if abs(entry.taxable_amount - taxable) >= PER_RATE_TOLERANCE:
            found.append(
                Inconsistency("BT-116", entry.taxable_amount, taxable, entry.category, entry.rate)
            )
        exempt = entry.category in EXEMPT_CATEGORIES or entry.rate is None
        tax = ZERO if exempt else money(entry.taxable_amount * (entry.rate or ZERO) / 100)
        if abs(entry.tax_amount - tax) >= PER_RATE_TOLERANCE:
            found.append(Inconsistency("BT-117", entry.tax_amount, tax, entry.category, entry.rate))
    return found
