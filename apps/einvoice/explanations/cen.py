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
    "A VAT category without VAT (exempt, zero rate, reverse charge, intra-EU, export, "
    "outside the scope of VAT) must have a VAT amount of 0."
)
_ZERO_RATE = _(
    "A line, discount or charge without VAT (exempt, zero rate, reverse charge, intra-EU,"
    " export) must have a VAT rate of 0 %: set the rate to 0 or choose another VAT "
    "category."
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
    "VAT, the total with VAT and the amount due."
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
    "A VAT line at the standard or zero rate has an exemption reason: remove the reason, "
    "or choose the VAT category the reason belongs to."
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
    "The document contains an element that EN 16931 e-invoices don't use (e.g. a payment "
    "means id, a price discount factor, a scheme on a VAT category): leave it out."
)
_ONCE = _(
    "A field that may appear only once (a party's identifier, VAT or registration number,"
    " payment terms, invoicing period, VAT date, creditor reference, project or document "
    "reference, the invoiced object of a line) appears more than once: keep only one."
)
_FILE_NAME = _(
    "An attachment has no file name or no file type: give each attached file its name and"
    " type (e.g. application/pdf)."
)
_VAT_PREFIX = _(
    "A VAT number doesn't start with its country code: write it with the two-letter "
    "prefix (e.g. BE0123456789)."
)
_CANARY = _(
    "A rule of the Spanish IGIC (Canary Islands) or IPSI (Ceuta and Melilla) tax isn't "
    "met (VAT summary per rate, seller's VAT number, amounts, no exemption reason): "
    "outside those regions use the VAT categories S, Z, E, AE, K, G or O."
)
_OUTSIDE_SCOPE_FIELDS = _(
    "A line, discount or charge outside the scope of VAT can't have a VAT rate, and such "
    "an invoice can't show VAT numbers: remove them, or choose another VAT category."
)
_PAYMENT_CONSISTENT = _(
    "Several payment means disagree: when there is more than one, they must use the same "
    "payment code and the same payment reference."
)
_DECIMALS = _("An amount has more than two decimals: round it to the cent.")
_PAYMENT_MEANS_MISSING = _(
    "A payment instruction has no payment method: say how the invoice is paid (e.g. 30 or"
    " 58 for a transfer)."
)
_PERIOD_DATES = _("A period is given without dates: give its start date, its end date, or both.")
_CARD_NUMBER = _(
    "A full card number must never be on an invoice: keep at most its first six and last "
    "four digits."
)
_ITEM_SCHEME = _(
    "A product's standard identifier or classification has no scheme: say which it is "
    "(e.g. 0160 for a GTIN barcode, STI for CPV)."
)
_OBJECT_SCHEME = _(
    "The invoiced object's identifier has an unknown scheme: use a code of the UNTDID "
    "1153 list or leave the scheme out."
)
_VAT_DATE_BOTH = _("The VAT date and the VAT date code exclude each other: give only one of them.")
_TAX_TYPE = _(
    "A tax is given with a type other than VAT: the tax type of an e-invoice must be VAT."
)
_CII_DATE = _(
    "A date isn't written as its format 102 requires (YYYYMMDD, e.g. 20260331): correct it."
)
_EXACTLY_ONCE = _(
    "A field that must appear exactly once (the invoice number, its type, the "
    "specification identifier) is missing or repeated: give it once."
)
_ONE_ACCOUNT = _(
    "The bank account is given both as an IBAN and as another account number: give only "
    "one of them."
)
_NOTE_SUBJECT = _(
    "A note's subject code is unknown: use a code of the UNTDID 4451 list (e.g. AAI for "
    "general information) or leave it out."
)
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
_BOTH_VAT_SALES = _(
    "Reverse charge and intra-EU supplies need both your VAT number and the customer's: "
    "fill in yours in your company settings and the customer's on their record."
)
_BOTH_VAT_RECEIVED = _(
    "Reverse charge and intra-EU supplies need both the supplier's VAT number and yours "
    "on the invoice: check your VAT number in your company settings; if the supplier's is"
    " missing, ask for a corrected invoice."
)

TEXTS: dict[str, Promise] = {
    "BR-01": _SPECIFICATION,
    "BR-04": _TYPE,
    "BR-02": _NUMBER,
    "BR-03": _ISSUE_DATE,
    "BR-05": _CURRENCY,
    "BR-CO-18": _BREAKDOWN_MISSING,
    "BR-16": _NO_LINES,
    "BR-25": _ITEM_NAME,
    "BR-21": _LINE_FIELDS,
    "BR-23": _LINE_FIELDS,
    "BR-27": _NEGATIVE_PRICE,
    "BR-22": _LINE_FIELDS,
    "BR-26": _LINE_FIELDS,
    "BR-CO-17": _VAT_AMOUNT,
    "BR-CO-14": _TOTALS,
    "BR-24": _LINE_FIELDS,
    "BR-S-08": _TOTALS,
    "BR-CO-04": _LINE_VAT,
    "BR-48": _BREAKDOWN_FIELDS,
    "BR-CL-03": _CURRENCY,
    "BR-46": _BREAKDOWN_FIELDS,
    "BR-CO-13": _TOTALS,
    "UBL-SR-48": _LINE_VAT,
    "BR-38": _ALLOWANCE_REASON,
    "BR-CO-22": _ALLOWANCE_REASON,
    "BR-CO-10": _TOTALS,
    "BR-CO-15": _TOTALS,
    "BR-CO-16": _TOTALS,
    "BR-45": _BREAKDOWN_FIELDS,
    "BR-33": _ALLOWANCE_REASON,
    "BR-CO-21": _ALLOWANCE_REASON,
    "BR-36": _ALLOWANCE_AMOUNT,
    "BR-31": _ALLOWANCE_AMOUNT,
    "BR-S-01": _BREAKDOWN_MISSING,
    "BR-47": _BREAKDOWN_FIELDS,
    "BR-18": _TAX_REPRESENTATIVE,
    "BR-19": _TAX_REPRESENTATIVE,
    "BR-56": _TAX_REPRESENTATIVE,
    "UBL-SR-53": _VAT_WITHOUT_NUMBER,
    "BR-S-09": _VAT_AMOUNT,
    "BR-14": _TOTALS_MISSING,
    "BR-12": _TOTALS_MISSING,
    "BR-CO-09": _VAT_PREFIX,
    "UBL-CR-678": _NOT_USED,
    "BR-15": _TOTALS_MISSING,
    "BR-13": _TOTALS_MISSING,
    "BR-CL-14": _COUNTRY,
    "BR-CO-11": _TOTALS,
    "BR-E-01": _BREAKDOWN_MISSING,
    "BR-CL-18": _VAT_CATEGORY_CODE,
    "BR-32": _ALLOWANCE_VAT,
    "BR-CO-12": _TOTALS,
    "BR-37": _ALLOWANCE_VAT,
    "BR-AE-01": _BREAKDOWN_MISSING,
    "BR-CL-17": _VAT_CATEGORY_CODE,
    "BR-AF-01": _CANARY,
    "BR-S-05": _STANDARD_RATE,
    "BR-Z-01": _BREAKDOWN_MISSING,
    "BR-AG-01": _CANARY,
    "BR-O-08": _TOTALS,
    "BR-IC-01": _BREAKDOWN_MISSING,
    "UBL-CR-679": _NOT_USED,
    "BR-CL-01": _TYPE,
    "BR-E-08": _TOTALS,
    "BR-G-01": _BREAKDOWN_MISSING,
    "BR-O-09": _NO_VAT_AMOUNT,
    "BR-O-10": _EXEMPTION,
    "BR-IC-10": _EXEMPTION,
    "BR-IC-12": _INTRA_EU,
    "BR-O-01": _BREAKDOWN_MISSING,
    "BR-AE-05": _ZERO_RATE,
    "BR-CL-04": _CURRENCY,
    "BR-IC-09": _NO_VAT_AMOUNT,
    "BR-IC-11": _INTRA_EU,
    "BR-E-05": _ZERO_RATE,
    "BR-CL-25": _ENDPOINT_SCHEME,
    "BR-AF-02": _CANARY,
    "BR-E-10": _EXEMPTION,
    "BR-AG-02": _CANARY,
    "BR-Z-08": _TOTALS,
    "BR-CL-10": _SCHEME,
    "BR-IC-08": _TOTALS,
    "BR-52": _SUPPORTING_DOCUMENT,
    "BR-E-09": _NO_VAT_AMOUNT,
    "BR-Z-05": _ZERO_RATE,
    "BR-AE-07": _ZERO_RATE,
    "BR-AF-09": _CANARY,
    "BR-AG-09": _CANARY,
    "BR-CL-23": _UNIT,
    "BR-G-05": _ZERO_RATE,
    "BR-IC-05": _ZERO_RATE,
    "BR-S-06": _STANDARD_RATE,
    "BR-S-07": _STANDARD_RATE,
    "BR-20": _TAX_REPRESENTATIVE,
    "BR-57": _DELIVERY_COUNTRY,
    "BR-CL-19": _ALLOWANCE_CODE,
    "BR-E-07": _ZERO_RATE,
    "BR-G-09": _NO_VAT_AMOUNT,
    "BR-AE-06": _ZERO_RATE,
    "BR-Z-09": _NO_VAT_AMOUNT,
    "BR-42": _ALLOWANCE_REASON,
    "BR-AE-09": _NO_VAT_AMOUNT,
    "BR-AE-10": _EXEMPTION,
    "BR-CO-23": _ALLOWANCE_REASON,
    "BR-G-10": _EXEMPTION,
    "BR-41": _ALLOWANCE_AMOUNT,
    "CII-DT-037": _TAX_TYPE,
    "UBL-SR-19": _PAYEE,
    "UBL-SR-20": _PAYEE,
    "UBL-SR-21": _PAYEE,
    "BR-CL-15": _COUNTRY,
    "BR-IC-07": _ZERO_RATE,
    "BR-S-10": _STANDARD_WITH_EXEMPTION,
    "CII-DT-097": _CII_DATE,
    "BR-29": _INVOICE_PERIOD,
    "BR-53": _ACCOUNTING_VAT,
    "BR-AE-08": _TOTALS,
    "BR-CL-22": _VATEX,
    "BR-E-06": _ZERO_RATE,
    "BR-G-08": _TOTALS,
    "BR-Z-07": _ZERO_RATE,
    "BR-30": _LINE_PERIOD,
    "BR-AF-03": _CANARY,
    "BR-G-07": _ZERO_RATE,
    "BR-44": _ALLOWANCE_REASON,
    "BR-54": _ITEM_ATTRIBUTE,
    "BR-AF-04": _CANARY,
    "BR-CL-16": _PAYMENT_CODE,
    "BR-CL-20": _CHARGE_CODE,
    "BR-CO-24": _ALLOWANCE_REASON,
    "BR-IC-06": _ZERO_RATE,
    "BR-43": _ALLOWANCE_AMOUNT,
    "BR-AG-03": _CANARY,
    "BR-AG-04": _CANARY,
    "BR-Z-06": _ZERO_RATE,
    "BR-AF-05": _CANARY,
    "UBL-SR-13": _TAX_REGISTRATION,
    "BR-AF-06": _CANARY,
    "BR-AF-07": _CANARY,
    "BR-G-06": _ZERO_RATE,
    "BR-AG-05": _CANARY,
    "BR-CL-05": _CURRENCY,
    "BR-CL-21": _SCHEME,
    "BR-17": _PAYEE,
    "BR-49": _PAYMENT_MEANS_MISSING,
    "BR-AF-08": _CANARY,
    "BR-AG-06": _CANARY,
    "BR-AG-07": _CANARY,
    "BR-AG-08": _CANARY,
    "BR-CL-11": _SCHEME,
    "UBL-CR-665": _INVOICED_OBJECT,
    "UBL-SR-43": _INVOICED_OBJECT,
    "BR-28": _NEGATIVE_PRICE,
    "BR-55": _PRECEDING,
    "UBL-DT-07": _FILE_NAME,
    "BR-CL-24": _MIME,
    "CII-SR-010": _EXACTLY_ONCE,
    "CII-SR-439": _ONCE,
    "CII-SR-467": _PAYMENT_CONSISTENT,
    "CII-SR-470": _ONE_ACCOUNT,
    "UBL-CR-660": _NOT_USED,
    "BR-CL-26": _SCHEME,
    "UBL-SR-07": _PRECEDING,
    "BR-CL-06": _DATE_CODE,
    "CII-DT-018": _NOT_USED,
    "CII-DT-021": _NOT_USED,
    "CII-DT-022": _NOT_USED,
    "CII-DT-024": _NOT_USED,
    "CII-DT-031": _NOT_USED,
    "BR-O-12": _OUTSIDE_SCOPE_MIXED,
    "BR-62": _ENDPOINT_SCHEME,
    "BR-63": _ENDPOINT_SCHEME,
    "BR-CL-13": _CLASSIFICATION_SCHEME,
    "CII-SR-009": _EXACTLY_ONCE,
    "CII-SR-014": _EXACTLY_ONCE,
    "CII-SR-454": _ONCE,
    "UBL-SR-47": _PAYMENT_CONSISTENT,
    "BR-AF-10": _CANARY,
    "BR-AG-10": _CANARY,
    "BR-CO-19": _PERIOD_DATES,
    "BR-O-02": _OUTSIDE_SCOPE_FIELDS,
    "BR-O-03": _OUTSIDE_SCOPE_FIELDS,
    "BR-O-04": _OUTSIDE_SCOPE_FIELDS,
    "BR-Z-10": _STANDARD_WITH_EXEMPTION,
    "CII-DT-015": _NOT_USED,
    "UBL-DT-06": _FILE_NAME,
    "UBL-SR-49": _ONCE,
    "BR-51": _CARD_NUMBER,
    "BR-64": _ITEM_SCHEME,
    "BR-65": _ITEM_SCHEME,
    "BR-CL-07": _OBJECT_SCHEME,
    "BR-CL-08": _NOTE_SUBJECT,
    "BR-DEC-15": _DECIMALS,
    "BR-O-13": _OUTSIDE_SCOPE_MIXED,
    "BR-O-14": _OUTSIDE_SCOPE_MIXED,
    "CII-SR-069": _ONCE,
    "CII-SR-072": _ONCE,
    "CII-SR-090": _ONCE,
    "UBL-CR-185": _NOT_USED,
    "UBL-CR-249": _NOT_USED,
    "UBL-CR-302": _NOT_USED,
    "UBL-CR-411": _NOT_USED,
    "UBL-CR-635": _NOT_USED,
    "UBL-CR-671": _NOT_USED,
    "UBL-SR-05": _ONCE,
    "UBL-SR-08": _ONCE,
    "UBL-SR-16": _ONCE,
    "UBL-SR-42": _ONCE,
    "UBL-SR-44": _PAYMENT_CONSISTENT,
    "BR-CO-03": _VAT_DATE_BOTH,
    "BR-CO-20": _PERIOD_DATES,
    "BR-DEC-09": _DECIMALS,
    "BR-DEC-10": _DECIMALS,
    "BR-DEC-11": _DECIMALS,
    "BR-DEC-12": _DECIMALS,
    "BR-DEC-14": _DECIMALS,
    "BR-DEC-16": _DECIMALS,
    "BR-DEC-17": _DECIMALS,
    "BR-DEC-18": _DECIMALS,
    "BR-DEC-19": _DECIMALS,
    "BR-DEC-20": _DECIMALS,
    "BR-DEC-23": _DECIMALS,
    "BR-O-05": _OUTSIDE_SCOPE_FIELDS,
    "BR-O-06": _OUTSIDE_SCOPE_FIELDS,
    "BR-O-07": _OUTSIDE_SCOPE_FIELDS,
    "BR-O-11": _OUTSIDE_SCOPE_MIXED,
    "PEPPOL-EN16931-R080": _ONCE,
    "PEPPOL-EN16931-R100": _ONCE,
    "UBL-CR-652": _NOT_USED,
    "UBL-DT-01": _DECIMALS,
    "UBL-SR-11": _ONCE,
    "UBL-SR-12": _ONCE,
    "UBL-SR-17": _ONCE,
    "UBL-SR-18": _ONCE,
    "UBL-SR-29": _ONCE,
    "UBL-SR-52": _ONCE,
}

PARTY: dict[str, dict[str, Promise]] = {
    "BR-06": {SALES: _SELLER_NAME_SALES, RECEIVED: _SELLER_NAME_RECEIVED},
    "BR-07": {SALES: _BUYER_NAME_SALES, RECEIVED: _BUYER_NAME_RECEIVED},
    "BR-10": {SALES: _BUYER_ADDRESS_SALES, RECEIVED: _BUYER_ADDRESS_RECEIVED},
    "BR-08": {SALES: _SELLER_ADDRESS_SALES, RECEIVED: _SELLER_ADDRESS_RECEIVED},
    "BR-CO-26": {SALES: _SELLER_IDENTIFIER_SALES, RECEIVED: _SELLER_IDENTIFIER_RECEIVED},
    "BR-S-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-11": {SALES: _BUYER_ADDRESS_SALES, RECEIVED: _BUYER_ADDRESS_RECEIVED},
    "BR-09": {SALES: _SELLER_ADDRESS_SALES, RECEIVED: _SELLER_ADDRESS_RECEIVED},
    "BR-61": {SALES: _BANK_ACCOUNT_SALES, RECEIVED: _BANK_ACCOUNT_RECEIVED},
    "BR-S-04": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-E-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-50": {SALES: _BANK_ACCOUNT_SALES, RECEIVED: _BANK_ACCOUNT_RECEIVED},
    "BR-AE-02": {SALES: _BOTH_VAT_SALES, RECEIVED: _BOTH_VAT_RECEIVED},
    "BR-S-03": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-Z-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-E-04": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-G-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-IC-02": {SALES: _BOTH_VAT_SALES, RECEIVED: _BOTH_VAT_RECEIVED},
    "BR-AE-04": {SALES: _BOTH_VAT_SALES, RECEIVED: _BOTH_VAT_RECEIVED},
    "BR-E-03": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-IC-04": {SALES: _BOTH_VAT_SALES, RECEIVED: _BOTH_VAT_RECEIVED},
    "BR-AE-03": {SALES: _BOTH_VAT_SALES, RECEIVED: _BOTH_VAT_RECEIVED},
    "BR-Z-04": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-G-04": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-IC-03": {SALES: _BOTH_VAT_SALES, RECEIVED: _BOTH_VAT_RECEIVED},
    "BR-Z-03": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-G-03": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
}
