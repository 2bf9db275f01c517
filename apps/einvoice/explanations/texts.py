"""The plain-language texts, by rule id (generated once from a table; edit here now).

English is the source; nl and fr are in the catalogs. TEXTS speak of the invoice itself;
PARTY holds the rules about the seller or the buyer, where what the user reads depends on
their side: SALES (our user issued it) or RECEIVED (our user is the buyer).
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SALES = "sales"
RECEIVED = "received"

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
    "category and the rate."
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
    "An electronic address (Peppol ID) has an unknown scheme: use 0208 with a Belgian "
    "enterprise number, or 9925 with a Belgian VAT number."
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
_PEPPOL_PROFILE = _(
    "The document doesn't say it follows Peppol BIS Billing 3.0 (its customization or "
    "profile identifier is missing or wrong): invoices made here always carry them; a "
    "document made elsewhere must be corrected by whoever made it."
)
_EMPTY_ELEMENT = _(
    "The document has an empty field: a field with no value must be left out rather than "
    "sent blank."
)
_BUYER_REFERENCE = _(
    "The customer's reference is missing: fill in the buyer reference or the order number"
    " the customer gave you."
)
_LINE_AMOUNT = _(
    "A line amount is wrong: it must be the quantity times the price, plus charges, minus"
    " discounts."
)
_NET_PRICE = _(
    "A net price is wrong: when a gross price is given, the net price must be the gross "
    "price minus the price discount."
)
_PERCENTAGE = _(
    "A discount or charge given as a percentage is inconsistent: state both the base "
    "amount and the percentage, and the amount must be the base times the percentage."
)
_CHARGE_INDICATOR = _(
    "A discount or charge doesn't say which it is: its charge indicator must be exactly "
    "true (charge) or false (discount)."
)
_BASE_QUANTITY = _(
    "The price's base quantity is wrong: it must be above zero and use the same unit as "
    "the line's quantity."
)
_LINE_OBJECT = _(
    "A document reference with a type code is only allowed as an invoiced object (type "
    "130): remove its type code or use it on a line."
)
_SAME_CURRENCY = _(
    "The amounts are in different currencies: every amount must be in the invoice's "
    "currency (only the VAT total may also be given in the accounting currency)."
)
_CURRENCY_CODE = _("A currency code is unknown: use a three-letter ISO code such as EUR.")
_ACCOUNTING_CURRENCY = _(
    "The VAT total in the accounting currency is wrong: give it only when that currency "
    "differs from the invoice's, once, without a breakdown, and with the same sign as the"
    " VAT total."
)
_ENDPOINT_SCHEME_PEPPOL = _(
    "An electronic address (Peppol ID) has a scheme Peppol doesn't know: use 0208 with a "
    "Belgian enterprise number, or 9925 with a Belgian VAT number."
)
_PERIOD_CODE = _(
    "The invoicing period's VAT date code is unknown: use 3 (invoice date), 35 (delivery "
    "date) or 432 (payment date)."
)
_TYPE_PEPPOL = _(
    "The document type isn't allowed in Peppol: use 380 for an invoice and 381 for a credit note."
)
_VATEX_F = _(
    "The exemption code VATEX-EU-F (margin scheme for second-hand goods) goes only with "
    "the VAT category E (exempt): change the category or the code."
)
_MANDATE = _(
    "Payment by direct debit needs the mandate reference: give the number of the "
    "customer's direct debit mandate."
)
_LINE_PERIOD_PEPPOL = _(
    "The period of a line falls outside the invoicing period: make the line's dates fall "
    "within the invoice's period."
)
_GLN = _(
    "A GLN (scheme 0088) is wrong: it has 13 digits and the last one is a check digit; "
    "check the number."
)
_BELGIAN_NUMBER = _(
    "A Belgian enterprise number (scheme 0208) is wrong: it has 10 digits and the last "
    "two are check digits."
)
_FOREIGN_NUMBER = _(
    "A foreign organisation number (Norwegian, Danish, Italian IPA or Swedish) has the "
    "wrong format: check the number and its scheme."
)
_DUTCH_VAT = _(
    "A Dutch VAT number has the wrong format: it is NL, nine digits, B and two digits "
    "(e.g. NL123456789B01)."
)
_DUTCH = _(
    "A Dutch rule for suppliers in the Netherlands isn't met (full addresses, KVK or OIN "
    "number, payment means, order reference): complete what the Dutch rules ask for."
)
_NORWEGIAN = _(
    "A Norwegian rule for suppliers in Norway isn't met (VAT number as NO + nine digits +"
    ' MVA, mention "Foretaksregisteret"): complete what the Norwegian rules ask for.'
)
_DANISH = _(
    "A Danish rule isn't met (CVR number with scheme 0184, allowed payment means): "
    "complete what the Danish rules ask for."
)
_XSD = _("The XML is not built as UBL 2.1 requires (a missing, misplaced or unknown element).")
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
_BUYER_REFERENCE_SIDE_RECEIVED = _(
    "The supplier's invoice gives neither your reference nor your order number: give your"
    " suppliers a reference (e.g. your order number) to put on their invoices."
)
_BUYER_ENDPOINT_SALES = _(
    "The customer's electronic address (Peppol ID, e.g. 0208 and the enterprise number) is missing."
)
_BUYER_ENDPOINT_RECEIVED = _(
    "Your electronic address (Peppol ID) is missing on the supplier's invoice: check that"
    " your enterprise number is in your company settings; we use it as your address "
    "(0208)."
)
_SELLER_ENDPOINT_SALES = _(
    "Your electronic address (Peppol ID, e.g. 0208 and your enterprise number) is missing."
)
_SELLER_ENDPOINT_RECEIVED = _(
    "The supplier's electronic address (Peppol ID) is missing on its invoice: we fill it "
    "in from its enterprise or VAT number when the invoice gives one."
)

TEXTS: dict[str, Promise] = {
    "PEPPOL-EN16931-R008": _EMPTY_ELEMENT,
    "PEPPOL-EN16931-R004": _PEPPOL_PROFILE,
    "PEPPOL-EN16931-R007": _PEPPOL_PROFILE,
    "XSD": _XSD,
    "NL-R-003": _DUTCH,
    "PEPPOL-EN16931-R120": _LINE_AMOUNT,
    "PEPPOL-EN16931-CL008": _ENDPOINT_SCHEME_PEPPOL,
    "PEPPOL-EN16931-R101": _LINE_OBJECT,
    "PEPPOL-COMMON-R056-2": _DUTCH_VAT,
    "PEPPOL-EN16931-R046": _NET_PRICE,
    "PEPPOL-EN16931-R043": _CHARGE_INDICATOR,
    "NO-R-002": _NORWEGIAN,
    "NO-R-001": _NORWEGIAN,
    "PEPPOL-EN16931-R001": _PEPPOL_PROFILE,
    "BR-S-08": _TOTALS,
    "PEPPOL-EN16931-R003": _BUYER_REFERENCE,
    "PEPPOL-EN16931-R051": _SAME_CURRENCY,
    "BR-CL-03": _CURRENCY,
    "PEPPOL-EN16931-CL007": _CURRENCY_CODE,
    "BR-CO-15": _TOTALS,
    "BR-CO-13": _TOTALS,
    "BR-CO-17": _VAT_AMOUNT,
    "BR-CO-16": _TOTALS,
    "BR-CO-04": _LINE_VAT,
    "BR-CL-14": _COUNTRY,
    "BR-CO-10": _TOTALS,
    "BR-48": _BREAKDOWN_FIELDS,
    "BR-47": _BREAKDOWN_FIELDS,
    "BR-CL-17": _VAT_CATEGORY_CODE,
    "PEPPOL-EN16931-R040": _PERCENTAGE,
    "UBL-SR-53": _VAT_WITHOUT_NUMBER,
    "BR-CO-14": _TOTALS,
    "BR-S-01": _BREAKDOWN_MISSING,
    "BR-S-09": _VAT_AMOUNT,
    "BR-CL-18": _VAT_CATEGORY_CODE,
    "BR-CO-12": _TOTALS,
    "BR-37": _ALLOWANCE_VAT,
    "BR-56": _TAX_REPRESENTATIVE,
    "PEPPOL-EN16931-R055": _ACCOUNTING_CURRENCY,
    "BR-25": _ITEM_NAME,
    "BR-CO-11": _TOTALS,
    "BR-01": _SPECIFICATION,
    "BR-04": _TYPE,
    "BR-05": _CURRENCY,
    "BR-27": _NEGATIVE_PRICE,
    "BR-CL-01": _TYPE,
    "BR-CL-04": _CURRENCY,
    "PEPPOL-COMMON-R040": _GLN,
    "BR-CO-18": _BREAKDOWN_MISSING,
    "PEPPOL-EN16931-R053": _ACCOUNTING_CURRENCY,
    "BR-CL-23": _UNIT,
    "BR-CL-25": _ENDPOINT_SCHEME,
    "BR-S-05": _STANDARD_RATE,
    "BR-20": _TAX_REPRESENTATIVE,
    "BR-32": _ALLOWANCE_VAT,
    "BR-57": _DELIVERY_COUNTRY,
    "BR-CL-10": _SCHEME,
    "BR-CL-15": _COUNTRY,
    "BR-E-01": _BREAKDOWN_MISSING,
    "PEPPOL-EN16931-P0100": _TYPE_PEPPOL,
    "PEPPOL-EN16931-R130": _BASE_QUANTITY,
    "UBL-SR-13": _TAX_REGISTRATION,
    "UBL-SR-19": _PAYEE,
    "UBL-SR-20": _PAYEE,
    "UBL-SR-21": _PAYEE,
    "PEPPOL-EN16931-R054": _ACCOUNTING_CURRENCY,
    "UBL-SR-48": _LINE_VAT,
    "BR-02": _NUMBER,
    "BR-12": _TOTALS_MISSING,
    "BR-13": _TOTALS_MISSING,
    "BR-14": _TOTALS_MISSING,
    "BR-21": _LINE_FIELDS,
    "BR-22": _LINE_FIELDS,
    "BR-23": _LINE_FIELDS,
    "BR-26": _LINE_FIELDS,
    "BR-45": _BREAKDOWN_FIELDS,
    "BR-CL-16": _PAYMENT_CODE,
    "BR-E-08": _TOTALS,
    "BR-O-01": _BREAKDOWN_MISSING,
    "BR-O-08": _TOTALS,
    "BR-Z-01": _BREAKDOWN_MISSING,
    "BR-Z-08": _TOTALS,
    "UBL-CR-665": _INVOICED_OBJECT,
    "UBL-SR-43": _INVOICED_OBJECT,
    "BR-18": _TAX_REPRESENTATIVE,
    "BR-S-07": _STANDARD_RATE,
    "PEPPOL-EN16931-R041": _PERCENTAGE,
    "PEPPOL-EN16931-R042": _PERCENTAGE,
    "BR-CL-21": _SCHEME,
    "BR-29": _INVOICE_PERIOD,
    "BR-53": _ACCOUNTING_VAT,
    "BR-54": _ITEM_ATTRIBUTE,
    "BR-CL-05": _CURRENCY,
    "BR-CL-19": _ALLOWANCE_CODE,
    "BR-CL-20": _CHARGE_CODE,
    "NL-R-002": _DUTCH,
    "PEPPOL-COMMON-R041": _FOREIGN_NUMBER,
    "PEPPOL-EN16931-CL003": _CHARGE_CODE,
    "PEPPOL-EN16931-R121": _BASE_QUANTITY,
    "BR-28": _NEGATIVE_PRICE,
    "BR-30": _LINE_PERIOD,
    "BR-52": _SUPPORTING_DOCUMENT,
    "BR-CL-11": _SCHEME,
    "BR-CL-26": _SCHEME,
    "PEPPOL-EN16931-R110": _LINE_PERIOD_PEPPOL,
    "PEPPOL-EN16931-R111": _LINE_PERIOD_PEPPOL,
    "BR-19": _TAX_REPRESENTATIVE,
    "BR-O-12": _OUTSIDE_SCOPE_MIXED,
    "BR-S-06": _STANDARD_RATE,
    "PEPPOL-COMMON-R042": _FOREIGN_NUMBER,
    "PEPPOL-EN16931-CL002": _ALLOWANCE_CODE,
    "PEPPOL-EN16931-P0109": _VATEX_F,
    "PEPPOL-EN16931-R061": _MANDATE,
    "BR-17": _PAYEE,
    "BR-CL-24": _MIME,
    "BR-E-10": _EXEMPTION,
    "DK-R-005": _DANISH,
    "DK-R-014": _DANISH,
    "NL-R-004": _DUTCH,
    "NL-R-008": _DUTCH,
    "PEPPOL-EN16931-CL001": _MIME,
    "BR-55": _PRECEDING,
    "BR-CL-06": _DATE_CODE,
    "BR-CL-22": _VATEX,
    "BR-E-05": _ZERO_RATE,
    "BR-Z-05": _ZERO_RATE,
    "NL-R-007": _DUTCH,
    "PEPPOL-EN16931-CL006": _PERIOD_CODE,
    "PEPPOL-EN16931-P0101": _TYPE_PEPPOL,
    "UBL-SR-07": _PRECEDING,
    "BR-24": _LINE_FIELDS,
    "BR-38": _ALLOWANCE_REASON,
    "BR-42": _ALLOWANCE_REASON,
    "BR-CO-22": _ALLOWANCE_REASON,
    "BR-CO-23": _ALLOWANCE_REASON,
    "BR-E-09": _NO_VAT_AMOUNT,
    "BR-O-09": _NO_VAT_AMOUNT,
    "BR-O-10": _EXEMPTION,
    "BR-Z-09": _NO_VAT_AMOUNT,
    "DK-R-002": _DANISH,
    "DK-R-017": _DANISH,
    "NL-R-009": _DUTCH,
    "PEPPOL-COMMON-R044": _FOREIGN_NUMBER,
    "PEPPOL-COMMON-R049": _FOREIGN_NUMBER,
    "PEPPOL-EN16931-R005": _ACCOUNTING_CURRENCY,
    "PEPPOL-COMMON-R043": _BELGIAN_NUMBER,
}

PARTY: dict[str, dict[str, Promise]] = {
    "PEPPOL-EN16931-R010": {SALES: _BUYER_ENDPOINT_SALES, RECEIVED: _BUYER_ENDPOINT_RECEIVED},
    "PEPPOL-EN16931-R020": {SALES: _SELLER_ENDPOINT_SALES, RECEIVED: _SELLER_ENDPOINT_RECEIVED},
    "PEPPOL-EN16931-R003": {RECEIVED: _BUYER_REFERENCE_SIDE_RECEIVED},
    "BR-06": {SALES: _SELLER_NAME_SALES, RECEIVED: _SELLER_NAME_RECEIVED},
    "BR-07": {SALES: _BUYER_NAME_SALES, RECEIVED: _BUYER_NAME_RECEIVED},
    "BR-09": {SALES: _SELLER_ADDRESS_SALES, RECEIVED: _SELLER_ADDRESS_RECEIVED},
    "BR-11": {SALES: _BUYER_ADDRESS_SALES, RECEIVED: _BUYER_ADDRESS_RECEIVED},
    "BR-S-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-08": {SALES: _SELLER_ADDRESS_SALES, RECEIVED: _SELLER_ADDRESS_RECEIVED},
    "BR-10": {SALES: _BUYER_ADDRESS_SALES, RECEIVED: _BUYER_ADDRESS_RECEIVED},
    "BR-50": {SALES: _BANK_ACCOUNT_SALES, RECEIVED: _BANK_ACCOUNT_RECEIVED},
    "BR-61": {SALES: _BANK_ACCOUNT_SALES, RECEIVED: _BANK_ACCOUNT_RECEIVED},
    "BR-CO-26": {SALES: _SELLER_IDENTIFIER_SALES, RECEIVED: _SELLER_IDENTIFIER_RECEIVED},
    "BR-E-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-S-04": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-S-03": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
    "BR-Z-02": {SALES: _SELLER_VAT_SALES, RECEIVED: _SELLER_VAT_RECEIVED},
}
