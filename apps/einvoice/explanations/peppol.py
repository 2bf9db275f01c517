"""Plain words for the Peppol BIS 3 rules (PEPPOL-*, national rules), by rule id."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.einvoice.explanations.sides import RECEIVED, SALES

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
_MIME_PEPPOL = _(
    "An attachment has a file type Peppol doesn't accept: attach it as PDF, PNG, JPEG, "
    "CSV, XLSX or ODS."
)
_ALLOWANCE_CODE_PEPPOL = _(
    "A discount reason code is unknown: use a code of the UNCL 5189 list (e.g. 95 for a "
    "discount) or only describe the reason."
)
_CHARGE_CODE_PEPPOL = _(
    "A charge reason code is unknown: use a code of the UNCL 7161 list (e.g. FC for "
    "freight) or only describe the reason."
)
_PERIOD_CODE = _(
    "The invoicing period's VAT date code is unknown: use 3 (invoice date), 35 (delivery "
    "date) or 432 (payment date)."
)
_TYPE_PEPPOL = _(
    "The document type isn't allowed in Peppol: use 380 for an invoice and 381 for a credit note."
)
_VATEX_CATEGORY = _(
    "The VAT exemption code doesn't match the VAT category: VATEX-EU-AE goes with AE "
    "(reverse charge), VATEX-EU-IC with K (intra-EU), VATEX-EU-G with G (export), "
    "VATEX-EU-O with O (outside the scope of VAT) and the other VATEX-EU codes with E "
    "(exempt); change the category or the code."
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
    "A foreign identification number (Norwegian, Danish, Swedish, Italian, Dutch KVK, "
    "Australian ABN...) has the wrong format: check the number and its scheme."
)
_DUTCH_VAT = _(
    "A Dutch VAT number has the wrong format: it is NL, nine digits, B and two digits "
    "(e.g. NL123456789B01)."
)
_DUTCH = _(
    "A Dutch rule for suppliers in the Netherlands isn't met (full addresses, KVK or OIN "
    "number, payment means, order reference, invoice reference on a credit note): "
    "complete what the Dutch rules ask for."
)
_NORWEGIAN = _(
    "A Norwegian rule for suppliers in Norway isn't met (VAT number as NO + nine digits +"
    ' MVA, mention "Foretaksregisteret"): complete what the Norwegian rules ask for.'
)
_DANISH = _(
    "A Danish rule isn't met (CVR number with scheme 0184, allowed payment means and "
    "their details, no negative credit note): complete what the Danish rules ask for."
)
_XSD = _("The XML is not built as UBL 2.1 requires (a missing, misplaced or unknown element).")
_ONE_NOTE = _("Only one note is allowed on the invoice: put all remarks in a single note.")
_PRICE_CHARGE = _(
    "A price can carry a discount but not a charge: put the charge on the line or on the "
    "whole invoice instead."
)
_DATE_FORMAT = _("A date isn't written as YYYY-MM-DD (e.g. 2026-03-31): correct its format.")
_GERMAN_TYPES = _(
    "The types 326 (partial invoice) and 384 (corrected invoice) are only allowed between"
    " German companies: use 380 for an invoice, or a credit note (381) to correct one."
)
_GERMAN = _(
    "A German rule for invoices between two German companies isn't met (seller contact "
    "with phone and e-mail, full addresses, buyer reference, payment instructions "
    "matching the payment means): complete what the German rules ask for."
)
_GREEK = _(
    "A Greek rule for suppliers in Greece isn't met (invoice number in six segments, MARK"
    " number, invoice URL, VAT number starting with EL, electronic address with scheme "
    "9933, full names): complete what the Greek rules ask for."
)
_SWEDISH = _(
    "A Swedish rule for suppliers in Sweden isn't met (format of the VAT and organisation"
    ' numbers, "Godkänd för F-skatt", VAT rates of 6, 12 or 25 %, Bankgiro and Plusgiro '
    "accounts): complete what the Swedish rules ask for."
)
_ITALIAN = _(
    "An Italian rule for suppliers in Italy isn't met (full address with street, city and"
    " post code, tax registration number of 11 to 16 characters): complete what the "
    "Italian rules ask for."
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
    "PEPPOL-EN16931-R004": _PEPPOL_PROFILE,
    "PEPPOL-EN16931-R007": _PEPPOL_PROFILE,
    "PEPPOL-EN16931-R003": _BUYER_REFERENCE,
    "PEPPOL-EN16931-R001": _PEPPOL_PROFILE,
    "PEPPOL-EN16931-R008": _EMPTY_ELEMENT,
    "PEPPOL-EN16931-R053": _ACCOUNTING_CURRENCY,
    "PEPPOL-EN16931-R120": _LINE_AMOUNT,
    "XSD": _XSD,
    "NL-R-003": _DUTCH,
    "PEPPOL-EN16931-R051": _SAME_CURRENCY,
    "PEPPOL-EN16931-CL008": _ENDPOINT_SCHEME_PEPPOL,
    "PEPPOL-EN16931-R101": _LINE_OBJECT,
    "PEPPOL-COMMON-R056-2": _DUTCH_VAT,
    "NO-R-002": _NORWEGIAN,
    "PEPPOL-EN16931-R046": _NET_PRICE,
    "NO-R-001": _NORWEGIAN,
    "PEPPOL-EN16931-R043": _CHARGE_INDICATOR,
    "PEPPOL-EN16931-CL007": _CURRENCY_CODE,
    "DK-R-002": _DANISH,
    "PEPPOL-COMMON-R049": _FOREIGN_NUMBER,
    "PEPPOL-EN16931-R040": _PERCENTAGE,
    "PEPPOL-EN16931-R054": _ACCOUNTING_CURRENCY,
    "SE-R-013": _SWEDISH,
    "GR-S-008-1": _GREEK,
    "PEPPOL-COMMON-R040": _GLN,
    "PEPPOL-COMMON-R053": _FOREIGN_NUMBER,
    "PEPPOL-EN16931-R055": _ACCOUNTING_CURRENCY,
    "GR-R-004-1": _GREEK,
    "GR-R-002": _GREEK,
    "GR-S-011": _GREEK,
    "PEPPOL-EN16931-R044": _PRICE_CHARGE,
    "PEPPOL-EN16931-CL003": _CHARGE_CODE_PEPPOL,
    "PEPPOL-EN16931-CL002": _ALLOWANCE_CODE_PEPPOL,
    "PEPPOL-EN16931-R130": _BASE_QUANTITY,
    "PEPPOL-EN16931-P0100": _TYPE_PEPPOL,
    "DK-R-013": _DANISH,
    "PEPPOL-EN16931-R041": _PERCENTAGE,
    "PEPPOL-EN16931-R042": _PERCENTAGE,
    "PEPPOL-EN16931-R005": _ACCOUNTING_CURRENCY,
    "PEPPOL-EN16931-R061": _MANDATE,
    "GR-R-003": _GREEK,
    "NL-R-002": _DUTCH,
    "PEPPOL-EN16931-R110": _LINE_PERIOD_PEPPOL,
    "IT-R-002": _ITALIAN,
    "IT-R-003": _ITALIAN,
    "IT-R-004": _ITALIAN,
    "PEPPOL-COMMON-R042": _FOREIGN_NUMBER,
    "PEPPOL-EN16931-R121": _BASE_QUANTITY,
    "DK-R-007": _DANISH,
    "DK-R-008": _DANISH,
    "DK-R-010": _DANISH,
    "DK-R-014": _DANISH,
    "GR-R-001-3": _GREEK,
    "PEPPOL-EN16931-R111": _LINE_PERIOD_PEPPOL,
    "CII-SR-119": _PRICE_CHARGE,
    "DK-R-006": _DANISH,
    "DK-R-009": _DANISH,
    "DK-R-011": _DANISH,
    "PEPPOL-COMMON-R041": _FOREIGN_NUMBER,
    "PEPPOL-EN16931-CL001": _MIME_PEPPOL,
    "PEPPOL-EN16931-CL006": _PERIOD_CODE,
    "PEPPOL-EN16931-F001": _DATE_FORMAT,
    "PEPPOL-EN16931-P0109": _VATEX_CATEGORY,
    "DK-R-005": _DANISH,
    "GR-R-005": _GREEK,
    "GR-R-006": _GREEK,
    "CII-SR-463": _CHARGE_INDICATOR,
    "GR-R-001-2": _GREEK,
    "NL-R-004": _DUTCH,
    "NL-R-007": _DUTCH,
    "NL-R-008": _DUTCH,
    "PEPPOL-COMMON-R043": _BELGIAN_NUMBER,
    "DE-R-001": _GERMAN,
    "DE-R-002": _GERMAN,
    "DE-R-014": _GERMAN,
    "DE-R-015": _GERMAN,
    "DE-R-020": _GERMAN,
    "DE-R-027": _GERMAN,
    "DE-R-028": _GERMAN,
    "DK-R-003": _DANISH,
    "DK-R-004": _DANISH,
    "GR-R-001-4": _GREEK,
    "GR-R-001-5": _GREEK,
    "PEPPOL-COMMON-R044": _FOREIGN_NUMBER,
    "PEPPOL-EN16931-P0101": _TYPE_PEPPOL,
    "SE-R-009": _SWEDISH,
    "DE-R-006": _GERMAN,
    "DE-R-019": _GERMAN,
    "DE-R-026": _GERMAN,
    "GR-R-001-6": _GREEK,
    "GR-R-001-7": _GREEK,
    "GR-R-004-2": _GREEK,
    "GR-R-009": _GREEK,
    "GR-R-010": _GREEK,
    "NL-R-009": _DUTCH,
    "PEPPOL-COMMON-R045": _FOREIGN_NUMBER,
    "PEPPOL-COMMON-R046": _FOREIGN_NUMBER,
    "PEPPOL-COMMON-R047": _FOREIGN_NUMBER,
    "PEPPOL-COMMON-R050": _FOREIGN_NUMBER,
    "PEPPOL-COMMON-R054": _FOREIGN_NUMBER,
    "PEPPOL-EN16931-P0104": _VATEX_CATEGORY,
    "PEPPOL-EN16931-P0105": _VATEX_CATEGORY,
    "PEPPOL-EN16931-P0106": _VATEX_CATEGORY,
    "PEPPOL-EN16931-P0107": _VATEX_CATEGORY,
    "PEPPOL-EN16931-P0108": _VATEX_CATEGORY,
    "PEPPOL-EN16931-P0110": _VATEX_CATEGORY,
    "PEPPOL-EN16931-P0111": _VATEX_CATEGORY,
    "SE-R-001": _SWEDISH,
    "SE-R-002": _SWEDISH,
    "SE-R-003": _SWEDISH,
    "SE-R-004": _SWEDISH,
    "SE-R-005": _SWEDISH,
    "SE-R-006": _SWEDISH,
    "SE-R-007": _SWEDISH,
    "SE-R-008": _SWEDISH,
    "SE-R-010": _SWEDISH,
    "SE-R-011": _SWEDISH,
    "DE-R-003": _GERMAN,
    "DE-R-004": _GERMAN,
    "DE-R-005": _GERMAN,
    "DE-R-007": _GERMAN,
    "DE-R-008": _GERMAN,
    "DE-R-009": _GERMAN,
    "DE-R-010": _GERMAN,
    "DE-R-011": _GERMAN,
    "DE-R-016": _GERMAN,
    "DE-R-017": _GERMAN,
    "DE-R-018": _GERMAN,
    "DE-R-022": _GERMAN,
    "DE-R-023-1": _GERMAN,
    "DE-R-023-2": _GERMAN,
    "DE-R-024-1": _GERMAN,
    "DE-R-024-2": _GERMAN,
    "DE-R-025-1": _GERMAN,
    "DE-R-025-2": _GERMAN,
    "DE-R-030": _GERMAN,
    "DE-R-031": _GERMAN,
    "DK-R-016": _DANISH,
    "DK-R-017": _DANISH,
    "GR-R-001-1": _GREEK,
    "GR-R-008-2": _GREEK,
    "GR-R-008-3": _GREEK,
    "IT-R-001": _ITALIAN,
    "NL-R-001": _DUTCH,
    "NL-R-005": _DUTCH,
    "NL-R-006": _DUTCH,
    "PEPPOL-EN16931-P0112": _GERMAN_TYPES,
    "PEPPOL-EN16931-R002": _ONE_NOTE,
    "SE-R-012": _SWEDISH,
}

PARTY: dict[str, dict[str, Promise]] = {
    "PEPPOL-EN16931-R003": {RECEIVED: _BUYER_REFERENCE_SIDE_RECEIVED},
    "PEPPOL-EN16931-R020": {SALES: _SELLER_ENDPOINT_SALES, RECEIVED: _SELLER_ENDPOINT_RECEIVED},
    "PEPPOL-EN16931-R010": {SALES: _BUYER_ENDPOINT_SALES, RECEIVED: _BUYER_ENDPOINT_RECEIVED},
}
