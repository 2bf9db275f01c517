"""The EN 16931 semantic model: what an e-invoice says, independent of UBL or CII.

Plain dataclasses with ``Decimal`` amounts and value equality, so that a parsed document can be
compared with the one that was built (``from_xml(to_ubl(m)) == m``). Business terms (BT-n)
are named in English after the standard; comments give the BT numbers where it helps.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

INVOICE = "380"
CREDIT_NOTE = "381"
SELF_BILLED_INVOICE = "389"  # Peppol BIS Self-Billing; a self-billed credit note is 261
# Type codes Peppol BIS 3 allows, by the UBL document that carries them.
INVOICE_TYPE_CODES = {
    "71",
    "80",
    "82",
    "84",
    "102",
    "218",
    "219",
    "331",
    "380",
    "382",
    "383",
    "386",
    "388",
    "389",
    "393",
    "395",
    "553",
    "575",
    "623",
    "780",
    "817",
    "870",
    "875",
    "876",
    "877",
}
CREDIT_NOTE_TYPE_CODES = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}

# VAT categories (UNCL5305 subset of EN 16931).
STANDARD = "S"
ZERO = "Z"
EXEMPT = "E"
REVERSE_CHARGE = "AE"
INTRA_COMMUNITY = "K"
EXPORT = "G"
OUTSIDE_SCOPE = "O"
CANARY = "L"
CEUTA_MELILLA = "M"
VAT_CATEGORIES = {
    STANDARD,
    ZERO,
    EXEMPT,
    REVERSE_CHARGE,
    INTRA_COMMUNITY,
    EXPORT,
    OUTSIDE_SCOPE,
    CANARY,
    CEUTA_MELILLA,
}
# Categories whose VAT is always zero and which need an exemption reason (text or VATEX code).
EXEMPT_CATEGORIES = {EXEMPT, REVERSE_CHARGE, INTRA_COMMUNITY, EXPORT, OUTSIDE_SCOPE}


@dataclass
class Address:
    street: str = ""  # BT-35
    additional_street: str = ""  # BT-36
    address_line: str = ""  # BT-162
    city: str = ""  # BT-37
    postal_code: str = ""  # BT-38
    subdivision: str = ""  # BT-39
    country: str = ""  # BT-40, ISO 3166-1 alpha-2


@dataclass
class Endpoint:
    """Electronic address (BT-34/BT-49), e.g. scheme 0208 and a Belgian enterprise number."""

    scheme: str
    id: str


@dataclass
class Identifier:
    id: str
    scheme: str = ""


@dataclass
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class Party:
    name: str  # BT-27/BT-44, legal registration name
    trading_name: str = ""  # BT-28/BT-45
    vat_id: str = ""  # BT-31/BT-48, with country prefix
    tax_registration_id: str = ""  # BT-32, a local tax id other than VAT (seller)
    enterprise_number: str = ""  # BT-30/BT-47, legal registration id
    enterprise_number_scheme: str = ""  # e.g. 0208 for a Belgian KBO/BCE number
    legal_form: str = ""  # BT-33 (seller additional legal information)
    identifiers: list[Identifier] = field(default_factory=list)  # BT-29/BT-46
    endpoint: Endpoint | None = None
    address: Address = field(default_factory=Address)
    contact: Contact | None = None


@dataclass
class Payee:
    name: str  # BT-59
    identifier: Identifier | None = None  # BT-60
    legal_id: Identifier | None = None  # BT-61


@dataclass
class TaxRepresentative:
    name: str  # BT-62
    vat_id: str  # BT-63
    address: Address = field(default_factory=Address)


@dataclass
class Payment:
    """Payment instructions (BG-16)."""

    means_code: str = "30"  # BT-81, 30 = credit transfer, 58 = SEPA credit transfer, 59 = SEPA DD
    means_text: str = ""  # BT-82
    reference: str = ""  # BT-83, the Belgian structured communication goes here (12 digits)
    iban: str = ""  # BT-84, account to pay to
    account_name: str = ""  # BT-85
    bic: str = ""  # BT-86
    mandate_reference: str = ""  # BT-89, direct debit mandate
    debited_account: str = ""  # BT-91


@dataclass
class AllowanceCharge:
    """A document-level (BG-20/BG-21) or line-level (BG-27/BG-28) allowance or charge."""

    is_charge: bool
    amount: Decimal
    reason: str = ""
    reason_code: str = ""
    vat_category: str = ""  # document level only
    vat_rate: Decimal | None = None  # document level only
    base_amount: Decimal | None = None
    percentage: Decimal | None = None


@dataclass
class ItemProperty:
    name: str
    value: str


@dataclass
class Line:
    id: str  # BT-126
    name: str  # BT-153
    quantity: Decimal  # BT-129
    unit_price: Decimal  # BT-146, net price
    vat_category: str  # BT-151
    vat_rate: Decimal | None = None  # BT-152
    unit_code: str = "C62"  # BT-130, UN/ECE Rec 20 (C62 = one, HUR = hour, ...)
    net_amount: Decimal | None = None  # BT-131, computed when None
    description: str = ""  # BT-154
    base_quantity: Decimal | None = None  # BT-149
    gross_price: Decimal | None = None  # BT-148
    price_discount: Decimal | None = None  # BT-147
    allowances: list[AllowanceCharge] = field(default_factory=list)
    charges: list[AllowanceCharge] = field(default_factory=list)
    note: str = ""  # BT-127
    object_id: Identifier | None = None  # BT-128
    order_line_reference: str = ""  # BT-132
    accounting_cost: str = ""  # BT-133
    period_start: datetime.date | None = None  # BT-134
    period_end: datetime.date | None = None  # BT-135
    seller_item_id: str = ""  # BT-155
    buyer_item_id: str = ""  # BT-156
    standard_item_id: Identifier | None = None  # BT-157
    classifications: list[Identifier] = field(default_factory=list)  # BT-158
    origin_country: str = ""  # BT-159
    properties: list[ItemProperty] = field(default_factory=list)  # BG-32


@dataclass
class VatBreakdown:
    category: str  # BT-118
    rate: Decimal | None  # BT-119
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117
    exemption_reason: str = ""  # BT-120
    exemption_reason_code: str = ""  # BT-121, VATEX code


@dataclass
class Totals:
    line_extension: Decimal  # BT-106
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    tax_exclusive: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    tax_inclusive: Decimal  # BT-112
    prepaid: Decimal = Decimal("0")  # BT-113
    rounding: Decimal = Decimal("0")  # BT-114
    payable: Decimal = Decimal("0")  # BT-115
    tax_total_in_tax_currency: Decimal | None = None  # BT-111


@dataclass
class Attachment:
    """A supporting document (BG-24): embedded bytes or an external URI."""

    id: str  # BT-122
    description: str = ""  # BT-123
    filename: str = ""  # BT-125-2
    mime_code: str = ""  # BT-125-1
    content: bytes | None = None  # BT-125
    uri: str = ""  # BT-124
    type_code: str = ""  # 130 = invoiced object identifier, otherwise empty


@dataclass
class PrecedingInvoice:
    number: str  # BT-25
    issue_date: datetime.date | None = None  # BT-26


@dataclass
class Delivery:
    date: datetime.date | None = None  # BT-72
    party_name: str = ""  # BT-70
    location_id: Identifier | None = None  # BT-71
    address: Address | None = None  # BG-15


@dataclass
class Document:
    """An invoice or credit note (EN 16931 core)."""

    number: str  # BT-1
    issue_date: datetime.date  # BT-2
    seller: Party  # BG-4
    buyer: Party  # BG-7
    lines: list[Line]  # BG-25
    type_code: str = INVOICE  # BT-3
    currency: str = "EUR"  # BT-5
    tax_currency: str = ""  # BT-6
    due_date: datetime.date | None = None  # BT-9
    tax_point_date: datetime.date | None = None  # BT-7
    buyer_reference: str = ""  # BT-10
    order_reference: str = ""  # BT-13
    sales_order_reference: str = ""  # BT-14
    contract_reference: str = ""  # BT-12
    project_reference: str = ""  # BT-11
    despatch_reference: str = ""  # BT-16
    receiving_reference: str = ""  # BT-15
    tender_reference: str = ""  # BT-17
    invoiced_object: Identifier | None = None  # BT-18
    accounting_cost: str = ""  # BT-19
    notes: list[str] = field(default_factory=list)  # BT-22
    payment_terms: str = ""  # BT-20
    period_start: datetime.date | None = None  # BT-73
    period_end: datetime.date | None = None  # BT-74
    preceding_invoices: list[PrecedingInvoice] = field(default_factory=list)  # BG-3
    payee: Payee | None = None  # BG-10
    tax_representative: TaxRepresentative | None = None  # BG-11
    delivery: Delivery | None = None  # BG-13
    payment: Payment | None = None  # BG-16
    allowances: list[AllowanceCharge] = field(default_factory=list)  # BG-20
    charges: list[AllowanceCharge] = field(default_factory=list)  # BG-21
    vat_breakdown: list[VatBreakdown] = field(default_factory=list)  # BG-23
    totals: Totals | None = None  # BG-22
    attachments: list[Attachment] = field(default_factory=list)  # BG-24
    customization_id: str = ""
    profile_id: str = ""

    @property
    def is_credit_note(self) -> bool:
        return self.type_code in CREDIT_NOTE_TYPE_CODES
