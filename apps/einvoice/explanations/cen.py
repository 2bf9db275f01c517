"""Plain words for the CEN EN 16931 rules (BR-*, UBL-*) and the schema, by rule id."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.einvoice.explanations.sides import RECEIVED, SALES

_TOTALS = _(
    "The totals don't add up: the amounts of the lines, discounts, charges and VAT must "
    "give exactly the totals on the invoice."
)
_VAT_AMOUNT = _(
    "The VAT amount of a rate is wrong: it must be the taxable amount times the rate, "
    "rounded to the cent."
)
_NO_VAT_AMOUNT = _(
    "A VAT category without VAT (exempt, zero rate, outside the scope of VAT) must have a"
    " VAT amount of 0."
)
_ZERO_RATE = _(
    "An exempt or zero-rated line must have a VAT rate of 0 %: set the rate to 0 or "
    "choose another VAT category."
)
_STANDARD_RATE = _(
    "A line, discount or charge at the standard VAT category needs a rate above 0 % (21, "
    "12 or 6 % in Belgium): fill in the rate or choose the right VAT category."
)
_EXEMPTION = _(
    "A VAT category without VAT (exempt, reverse charge, intra-EU, export, outside scope)"
    " needs the reason: a legal mention or an exemption code (VATEX)."
)
_BREAKDOWN_MISSING = _(
    "The VAT breakdown is incomplete: each VAT category and rate used on a line, discount"
    " or charge needs its own line in the VAT summary."
)
_BREAKDOWN_FIELDS = _(
    "A line of the VAT summary is incomplete: it needs the taxable amount, the VAT "
    "category, the rate and the VAT amount."
)
_OUTSIDE_SCOPE_MIXED = _(
    "An invoice outside the scope of VAT can't also have lines with VAT: put every line "
    'in the category "outside the scope of VAT" or make a separate invoice.'
)
_LINE_VAT = _(
    "A line has no VAT category, or more than one: give each line exactly one VAT "
    "category and rate."
)
_ALLOWANCE_VAT = _(
    "A discount or charge on the whole invoice has no VAT category: choose the VAT "
    "category and rate it falls under."
)
_ALLOWANCE_REASON = _(
    'A discount or charge has no reason: describe it (e.g. "quantity discount", '
    '"transport") or give its reason code.'
)
_TOTALS_MISSING = _(
    "A total is missing: the invoice must state the sum of the lines, the total without "
    "VAT and the total with VAT."
)
_ACCOUNTING_VAT = _(
    "The invoice names a VAT accounting currency but not the total VAT in that currency: "
    "state the VAT total in both currencies, or remove the accounting currency."
)
_SPECIFICATION = _(
    "The document doesn't say which e-invoice standard it follows (specification "
    "identifier): it must name EN 16931 and Peppol BIS Billing 3.0."
)
_NUMBER = _("The invoice number is missing: every invoice needs its unique number.")
_TYPE = _(
    "The document type is missing or unknown: it must say whether it is an invoice (380) "
    "or a credit note (381)."
)
_CURRENCY = _("A currency is missing or unknown: use a three-letter ISO code such as EUR.")
_COUNTRY = _(
    "A country code is unknown: use the two-letter ISO code (BE for Belgium, NL, FR, DE...)."
)
_VAT_CATEGORY_CODE = _(
    "A VAT category code is unknown: use S (standard rate), Z (zero rate), E (exempt), AE"
    " (reverse charge), K (intra-EU), G (export) or O (outside the scope of VAT)."
)
_UNIT = _(
    "A unit of measure is unknown: use a UN/ECE code such as C62 (piece), HUR (hour), DAY"
    " (day) or KGM (kilogram)."
)
_SCHEME = _(
    "An identifier has an unknown scheme: use a code of the ISO 6523 list, e.g. 0208 for "
    "a Belgian enterprise number or 0088 for a GLN."
)
_PAYMENT_CODE = _(
    "The payment method code is unknown: use for example 30 or 58 (credit transfer), 49 "
    "or 59 (direct debit), 48 (card) or 10 (cash)."
)
_ALLOWANCE_CODE = _(
    "A discount reason code is unknown: use a code of the UNCL 5189 list (e.g. 95 for a "
    "discount) or only describe the reason."
)
_CHARGE_CODE = _(
    "A charge reason code is unknown: use a code of the UNCL 7161 list (e.g. FC for "
    "freight) or only describe the reason."
)
_MIME = _(
    "An attachment has a file type Peppol doesn't accept: attach it as PDF, PNG, JPEG, "
    "CSV, XLSX or ODS."
)
_VATEX = _(
    "A VAT exemption code is unknown: use a code of the VATEX list (e.g. VATEX-EU-AE for "
    "reverse charge) or only write the legal mention."
)
_DATE_CODE = _(
    "The VAT date code is unknown: use 3 (invoice date), 35 (delivery date) or 432 (payment date)."
)
_ENDPOINT_SCHEME = _(
    "An electronic address (Peppol ID) has no scheme or an unknown one: use 0208 with a "
    "Belgian enterprise number, or 9925 with a Belgian VAT number."
)
_LINE_FIELDS = _(
    "A line is incomplete: each line needs a number, a quantity with its unit, a price "
    "and its amount."
)
_ITEM_NAME = _("A line has no description: give each line the name of what was sold.")
_NEGATIVE_PRICE = _(
    "A price is negative: prices must be 0 or more; for a refund make the quantity "
    "negative, or use a discount or a credit note."
)
_ITEM_ATTRIBUTE = _("A product property is incomplete: each property needs a name and a value.")
_INVOICE_PERIOD = _("The invoicing period ends before it starts: check its start and end dates.")
_LINE_PERIOD = _("The period of a line ends before it starts: check its start and end dates.")
_SUPPORTING_DOCUMENT = _(
    "An attached or referenced document has no reference: give each attachment its number or name."
)
_PRECEDING = _(
    "A reference to an earlier invoice has no number: give the number of the invoice this"
    " document corrects or credits."
)
_INVOICED_OBJECT = _(
    "A scheme is given on a document reference that isn't an invoiced object (type 130): "
    "remove the scheme or set the type to 130."
)
_DELIVERY_COUNTRY = _(
    "The delivery address has no country: add the country of the delivery address."
)
_VAT_WITHOUT_NUMBER = _(
    "A party's VAT registration is stated without its VAT number: add the VAT number or "
    "remove the VAT registration."
)
_TAX_REPRESENTATIVE = _(
    "The seller's tax representative is incomplete: it needs its name, its address with "
    "country and its VAT number."
)
_TAX_REGISTRATION = _("The seller's tax registration is given more than once: keep only one.")
_PAYEE = _(
    "The payee (who receives the payment, when it isn't the seller) is wrong: give it "
    "exactly one name, and at most one identifier and one registration number."
)
_ISSUE_DATE = _("The invoice date is missing: every invoice needs the date it was issued.")
_NO_LINES = _("The invoice has no lines: add at least one line with what was sold.")
_ALLOWANCE_AMOUNT = _(
    "A discount or charge has no amount: give the amount of each discount and charge."
)
_STANDARD_WITH_EXEMPTION = _(
    "A VAT line at the standard rate has an exemption reason: remove the reason, or "
    "choose the VAT category the reason belongs to."
)
_INTRA_EU = _(
    "An intra-EU supply needs the delivery date (or the invoicing period) and the country"
    " it was delivered to: add both."
)
_CLASSIFICATION_SCHEME = _(
    "A product classification has an unknown scheme: use a code of the UNTDID 7143 list "
    "(e.g. STI for CPV, TST for UNSPSC)."
)
_NOT_USED = _(
    "The document contains a UBL element that e-invoices don't use (e.g. a payment means "
    "id, a price discount factor, a scheme on a VAT category): leave it out."
)
_ONCE = _(
    "A field that may appear only once (payment terms, invoicing period, VAT date, "
    "project or document reference, the invoiced object of a line) appears more than "
    "once: keep only one."
)
_FILE_NAME = _("An attachment has no file name: give each attached file its name.")
_BANK_ACCOUNT_SALES = _(
    "The bank account (IBAN) is missing: payment by transfer needs the account to pay "
    "into; add your IBAN in your company settings."
)
_BANK_ACCOUNT_RECEIVED = _(
    "The supplier's invoice asks for a transfer but gives no bank account (IBAN): ask the"
    " supplier for it before you pay."
)
_SELLER_VAT_SALES = _(
    "Your VAT number is missing: an invoice with VAT, exempt or zero-rated must show it; "
    "fill it in in your company settings."
)
_SELLER_VAT_RECEIVED = _(
    "The supplier's VAT number is missing on its invoice: ask the supplier for a "
    "corrected invoice, you need it to deduct the VAT."
)
_SELLER_NAME_SALES = _("Your company name is missing: fill it in in your company settings.")
_SELLER_NAME_RECEIVED = _(
    "The supplier's name is missing on its invoice: ask the supplier for a corrected invoice."
)
_BUYER_NAME_SALES = _("The customer's name is missing: fill it in on the customer's record.")
_BUYER_NAME_RECEIVED = _(
    "Your company name is missing on the supplier's invoice: check your company details "
    "in the settings and ask the supplier to use them."
)
_SELLER_ADDRESS_SALES = _(
    "Your address or its country is missing: complete your address in your company settings."
)
_SELLER_ADDRESS_RECEIVED = _(
    "The supplier's address or its country is missing on its invoice: ask the supplier "
    "for a corrected invoice."
)
_BUYER_ADDRESS_SALES = _(
    "The customer's address or its country is missing: complete it on the customer's record."
)
_BUYER_ADDRESS_RECEIVED = _(
    "Your address or its country is missing on the supplier's invoice: check your address"
    " in the settings and ask the supplier to use it."
)
_SELLER_IDENTIFIER_SALES = _(
    "Your company can't be identified: give your VAT number or enterprise number in your "
    "company settings."
)
_SELLER_IDENTIFIER_RECEIVED = _(
    "The supplier can't be identified: its invoice gives neither a VAT number nor an "
    "enterprise number; ask the supplier for a corrected invoice."
)

TEXTS: dict[str, Promise] = {
    "BR-01": _SPECIFICATION,
    "BR-04": _TYPE,
    "BR-05": _CURRENCY,
    "BR-02": _NUMBER,
    "BR-03": _ISSUE_DATE,
    "BR-CO-18": _BREAKDOWN_MISSING,
    "BR-16": _NO_LINES,
    "BR-S-08": _TOTALS,
    "BR-CO-04": _LINE_VAT,
    "BR-CL-03": _CURRENCY,
    "BR-CO-15": _TOTALS,
    "BR-CO-13": _TOTALS,
    "BR-25": _ITEM_NAME,
    "UBL-SR-48": _LINE_VAT,
    "BR-21": _LINE_FIELDS,
    "BR-23": _LINE_FIELDS,
    "BR-CO-17": _VAT_AMOUNT,
    "BR-22": _LINE_FIELDS,
    "BR-27": _NEGATIVE_PRICE,
    "BR-CO-16": _TOTALS,
    "BR-26": _LINE_FIELDS,
    "BR-CO-10": _TOTALS,
    "BR-24": _LINE_FIELDS,
    "BR-48": _BREAKDOWN_FIELDS,
    "BR-S-01": _BREAKDOWN_MISSING,
    "BR-47": _BREAKDOWN_FIELDS,
    "BR-CL-14": _COUNTRY,
    "BR-CL-17": _VAT_CATEGORY_CODE,
    "BR-CO-14": _TOTALS,
    "UBL-SR-53": _VAT_WITHOUT_NUMBER,
    "BR-S-09": _VAT_AMOUNT,
    "UBL-CR-679": _NOT_USED,
    "BR-CL-18": _VAT_CATEGORY_CODE,
    "BR-CO-12": _TOTALS,
    "BR-37": _ALLOWANCE_VAT,
    "BR-56": _TAX_REPRESENTATIVE,
    "BR-CL-01": _TYPE,
    "BR-CL-25": _ENDPOINT_SCHEME,
    "BR-12": _TOTALS_MISSING,
    "BR-13": _TOTALS_MISSING,
    "BR-14": _TOTALS_MISSING,
    "BR-CL-04": _CURRENCY,
    "BR-CO-11": _TOTALS,
    "BR-45": _BREAKDOWN_FIELDS,
    "BR-CL-10": _SCHEME,
    "BR-32": _ALLOWANCE_VAT,
    "BR-CL-23": _UNIT,
    "BR-S-10": _STANDARD_WITH_EXEMPTION,
    "BR-18": _TAX_REPRESENTATIVE,
    "BR-E-08": _TOTALS,
    "BR-S-05": _STANDARD_RATE,
    "BR-42": _ALLOWANCE_REASON,
    "BR-CO-23": _ALLOWANCE_REASON,
    "BR-20": _TAX_REPRESENTATIVE,
    "BR-53": _ACCOUNTING_VAT,
    "BR-57": _DELIVERY_COUNTRY,
    "BR-CL-15": _COUNTRY,
    "BR-E-01": _BREAKDOWN_MISSING,
    "UBL-SR-13": _TAX_REGISTRATION,
    "UBL-SR-19": _PAYEE,
    "UBL-SR-20": _PAYEE,
    "UBL-SR-21": _PAYEE,
    "BR-O-08": _TOTALS,
    "BR-CL-16": _PAYMENT_CODE,
    "BR-O-01": _BREAKDOWN_MISSING,
    "BR-Z-01": _BREAKDOWN_MISSING,
    "BR-Z-08": _TOTALS,
    "BR-19": _TAX_REPRESENTATIVE,
    "BR-44": _ALLOWANCE_REASON,
    "BR-CL-05": _CURRENCY,
    "BR-CL-11": _SCHEME,
    "BR-CO-24": _ALLOWANCE_REASON,
    "UBL-CR-665": _INVOICED_OBJECT,
    "UBL-SR-43": _INVOICED_OBJECT,
    "BR-S-07": _STANDARD_RATE,
    "BR-52": _SUPPORTING_DOCUMENT,
    "BR-CL-19": _ALLOWANCE_CODE,
    "BR-CL-20": _CHARGE_CODE,
    "BR-CL-21": _SCHEME,
    "BR-29": _INVOICE_PERIOD,
    "BR-31": _ALLOWANCE_AMOUNT,
    "BR-54": _ITEM_ATTRIBUTE,
    "BR-28": _NEGATIVE_PRICE,
    "BR-30": _LINE_PERIOD,
    "BR-CL-26": _SCHEME,
    "BR-33": _ALLOWANCE_REASON,
    "BR-41": _ALLOWANCE_AMOUNT,
    "BR-46": _BREAKDOWN_FIELDS,
    "BR-CL-24": _MIME,
    "BR-CO-21": _ALLOWANCE_REASON,
    "BR-O-12": _OUTSIDE_SCOPE_MIXED,
    "BR-S-06": _STANDARD_RATE,
    "BR-17": _PAYEE,
    "BR-36": _ALLOWANCE_AMOUNT,
    "BR-55": _PRECEDING,
    "BR-CL-06": _DATE_CODE,
    "BR-E-10": _EXEMPTION,
    "UBL-SR-07": _PRECEDING,
    "BR-38": _ALLOWANCE_REASON,
    "BR-CL-22": _VATEX,
    "BR-CO-22": _ALLOWANCE_REASON,
    "BR-E-05": _ZERO_RATE,
    "BR-Z-05": _ZERO_RATE,
    "UBL-CR-411": _NOT_USED,
    "UBL-CR-635": _NOT_USED,
    "UBL-CR-671": _NOT_USED,
    "UBL-DT-07": _FILE_NAME,
    "UBL-SR-05": _ONCE,
    "UBL-SR-08": _ONCE,
    "UBL-SR-49": _ONCE,
    "BR-43": _ALLOWANCE_AMOUNT,
    "BR-62": _ENDPOINT_SCHEME,
    "BR-63": _ENDPOINT_SCHEME,
    "BR-AE-08": _TOTALS,
    "BR-CL-13": _CLASSIFICATION_SCHEME,
    "BR-E-09": _NO_VAT_AMOUNT,
    "BR-G-08": _TOTALS,
    "BR-IC-08": _TOTALS,
    "BR-IC-11": _INTRA_EU,
    "BR-IC-12": _INTRA_EU,
    "BR-O-09": _NO_VAT_AMOUNT,
    "BR-O-10": _EXEMPTION,
    "BR-Z-09": _NO_VAT_AMOUNT,
    "PEPPOL-EN16931-R080": _ONCE,
    "PEPPOL-EN16931-R100": _ONCE,
    "UBL-SR-52": _ONCE,
}

PARTY: dict[str, dict[str, Promise]] = {
    "BR-06": {SALES: _SELLER_NAME_SALES, RECEIVED: _SELLER_NAME_RECEIVED},
    "BR-07": {SALES: _BUYER_NAME_SALES, RECEIVED: _BUYER_NAME_RECEIVED},
    "BR-10": {SALES: _BUYER_ADDRESS_SALES, RECEIVED: _BUYER_ADDRESS_RECEIVED},
    "BR-08": {SALES: _SELLER_ADDRESS_SALES, RECEIVED: _SELLER_ADDRESS_RECEIVED},
    "BR-CO-26": {SALES: _SELLER_IDENTIFIER_SALES, RECEIVED: _SELLER_IDENTIFIER_RECEIVED},
    "BR-11": {SALES: _BUYER_ADDRESS_SALES, RECEIVED: _BUYER_ADDRESS_RECEIVED},
    "BR-09": {SALES: _SELLER_ADDRESS_SALES, RECEIVED: _SELLER_ADDRESS_RECEIVED},
    "BR-S-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-61": {SALES: _BANK_ACCOUNT_SALES, RECEIVED: _BANK_ACCOUNT_RECEIVED},
    "BR-50": {SALES: _BANK_ACCOUNT_SALES, RECEIVED: _BANK_ACCOUNT_RECEIVED},
    "BR-S-04": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-E-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-S-03": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-Z-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
}
