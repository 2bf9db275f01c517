"""Numbers, dates and labels as they appear on Belgian and European invoices (nl, fr, en, de)."""

import datetime
import re
from decimal import Decimal, InvalidOperation

MONTHS = {
    # Dutch
    "januari": 1,
    "februari": 2,
    "maart": 3,
    "april": 4,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "augustus": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
    # French
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
    # English
    "january": 1,
    "february": 2,
    "march": 3,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "october": 10,
    # German
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "märz": 3,
    "maerz": 3,
    "dezember": 12,
    # short forms
    "jan": 1,
    "feb": 2,
    "fév": 2,
    "mar": 3,
    "apr": 4,
    "avr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "déc": 12,
    "dez": 12,
    "mrt": 3,
    "mai": 5,
}

_MONTH_NAMES = "|".join(
    sorted((re.escape(m) for m in MONTHS if not m.endswith("_de")), key=len, reverse=True)
)

DATE_NUMERIC = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})\b")
DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
DATE_WORDS = re.compile(
    rf"\b(\d{{1,2}})(?:er|e|st|nd|rd|th)?\.?\s+({_MONTH_NAMES})\.?\s+(\d{{4}})\b", re.IGNORECASE
)
DATE_WORDS_EN = re.compile(rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)

# An amount: optional sign and currency, digits with . , ' or spaces as group separators.
AMOUNT = re.compile(
    r"(?<![\w.,])(-?\s?(?:€|EUR|USD|\$|£)?\s?-?\d{1,3}(?:[.,' \u00a0\u202f]\d{3})*(?:[.,]\d{2})"
    r"|-?\s?(?:€|EUR)?\s?-?\d+(?:[.,]\d{2}))(?:\s?(?:€|EUR))?(?![\d]|[./-]\d)"
)


def parse_amount(text: str) -> Decimal | None:
    """'1.234,56 €', '€ 1,234.56', '1 234,56', '-9,32' → Decimal; None if not an amount."""
    cleaned = re.sub(r"[€$£\s\u00a0\u202f']|EUR|USD", "", text)
    negative = cleaned.startswith("-") or cleaned.endswith("-")
    cleaned = cleaned.strip("-")
    if not cleaned or not re.fullmatch(r"[\d.,]+", cleaned):
        return None
    last_dot, last_comma = cleaned.rfind("."), cleaned.rfind(",")
    decimal_at = max(last_dot, last_comma)
    if decimal_at >= 0 and len(cleaned) - decimal_at - 1 == 2:
        integer = re.sub(r"[.,]", "", cleaned[:decimal_at])
        number = f"{integer}.{cleaned[decimal_at + 1 :]}"
    else:
        number = re.sub(r"[.,]", "", cleaned)
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    return -value if negative else value


def amounts_in(text: str) -> list[Decimal]:
    found = []
    for match in AMOUNT.finditer(text):
        value = parse_amount(match.group(0))
        if value is not None:
            found.append(value)
    return found


def _date(year: int, month: int, day: int) -> datetime.date | None:
    if year < 100:
        year += 2000
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        return None
    return value if 1990 <= value.year <= 2100 else None


def date_order(text: str) -> bool:
    """True when the numeric dates of a text are month first (11/17/2017, US layout): some
    date only makes sense month first and none only day first. Europe's day first otherwise."""
    month_first = day_first = False
    for match in DATE_NUMERIC.finditer(text):
        first, second = int(match[1]), int(match[2])
        if first > 12 >= second:
            day_first = True
        elif second > 12 >= first:
            month_first = True
    return month_first and not day_first


def parse_date(text: str, *, month_first: bool = False) -> datetime.date | None:
    """The first date in ``text``: 23/11/2026, 23-11-26, 23.11.2026, 2026-11-23,
    23 november 2026, 2 juillet 2015, 7. Mai 2014, May 7, 2014. Day first, as in Europe,
    unless ``month_first`` (see ``date_order``)."""
    candidates: list[tuple[int, datetime.date]] = []
    for match in DATE_ISO.finditer(text):
        value = _date(int(match[1]), int(match[2]), int(match[3]))
        if value:
            candidates.append((match.start(), value))
    for match in DATE_NUMERIC.finditer(text):
        first, second = int(match[1]), int(match[2])
        value = (
            _date(int(match[3]), first, second)
            if month_first
            else _date(int(match[3]), second, first)
        )
        if value:
            candidates.append((match.start(), value))
    for match in DATE_WORDS.finditer(text):
        month = MONTHS.get(match[2].lower().rstrip("."))
        value = _date(int(match[3]), month, int(match[1])) if month else None
        if value:
            candidates.append((match.start(), value))
    for match in DATE_WORDS_EN.finditer(text):
        month = MONTHS.get(match[1].lower().rstrip("."))
        value = _date(int(match[3]), month, int(match[2])) if month else None
        if value:
            candidates.append((match.start(), value))
    return min(candidates)[1] if candidates else None


def _labels(*words: str) -> re.Pattern[str]:
    return re.compile(r"(?:^|\b)(?:" + "|".join(words) + r")", re.IGNORECASE | re.MULTILINE)


NUMBER_LABELS = _labels(
    r"factuur\s*(?:nummer|nr\.?|n°|no\.?)",
    r"factuurnr\.?",
    r"creditnota\s*(?:nummer|nr\.?)",
    r"num[ée]ro\s+de\s+(?:la\s+)?facture",
    r"n°\s*de\s*facture",
    r"facture\s*(?:n°|no\.?|num[ée]ro|nr)",
    r"note\s+de\s+cr[ée]dit\s*(?:n°|no\.?)",
    r"avoir\s*(?:n°|no\.?)",
    r"invoice\s*(?:number|no\.?|nr\.?|#|n°)",
    r"credit\s*note\s*(?:number|no\.?)",
    r"rechnungs?\s*(?:nummer|nr\.?|-nr\.?)",
    r"rechnungsnr\.?",
    r"rechnung\s*#",
    r"gutschrift\s*(?:nummer|nr\.?)",
    r"(?:handels)?rechnung\s+nr\.?",
    r"gutschrift\s+nr\.?",
    r"avoir(?=\s+[A-Z]{0,5}-?\d)",
    r"invoice(?=\s+[A-Z]{0,5}-?\d)",
    r"facture(?=\s+[A-Z]{1,5}-\d)",
    r"factuur(?=\s+[A-Z]{0,5}-?\d)",
    r"creditnota(?=\s+[A-Z]{0,5}-?\d)",
    r"ticket\s*(?:nr\.?|n°|number)",
    r"bon\s*(?:nr\.?|n°)",
)
# Words before an invoice number's label that make it another document's: a credit note's
# "Betreft factuur 2026-0085", "Concerne la facture n° 123", "Relates to invoice 42".
OTHER_DOCUMENTS_NUMBER = re.compile(
    r"\b(?:betreft|betrifft|concerne|regarding|relates?\s+to|referring\s+to|re|"
    r"op|bij|voor|pour|zu|sur)(?:\s+(?:de|la|le|the|die|der|onze|notre|our))?\s*:?\s*$",
    re.IGNORECASE,
)
ISSUE_DATE_LABELS = _labels(
    r"factuurdatum",
    r"datum\s+factuur",
    r"date\s+de\s+(?:la\s+)?facture",
    r"date\s+d['’]émission",
    r"invoice\s+date",
    r"rechnungsdatum",
    r"datum\s+der\s+rechnung",
    r"creditnotadatum",
)
DATE_LABELS = _labels(
    r"factuurdatum",
    r"datum\s+factuur",
    r"datum",
    r"date\s+de\s+(?:la\s+)?facture",
    r"date\s+d['’]émission",
    r"date",
    r"invoice\s+date",
    r"rechnungsdatum",
    r"datum\s+der\s+rechnung",
)
DUE_LABELS = _labels(
    r"date\s+d['’]\s*[ée]ch[ée]ance",
    r"vervaldatum",
    r"vervaldag",
    r"te\s+betalen\s+(?:voor|tegen)",
    r"uiterste\s+betaaldatum",
    r"[ée]ch[ée]ance",
    r"date\s+limite\s+de\s+paiement",
    r"[àa]\s+payer\s+avant\s+le",
    r"due[\s-]+date",
    r"payment\s+due",
    r"f[äa]llig(?:keit)?(?:sdatum)?",
    r"zahlbar\s+bis",
    r"bitte\s+(?:überweisen|zahlen)\s+sie\s+bis(?:\s+zum)?",
)
GROSS_LABELS = _labels(
    r"totaal\s+(?:incl\.?|inclusief)(?:\s+btw)?",
    r"te\s+betalen(?:\s+bedrag)?",
    r"totaal\s+te\s+betalen",
    r"totaalbedrag",
    r"total\s+ttc",
    r"montant\s+ttc",
    r"somme\s+[àa]\s+payer",
    r"net\s+[àa]\s+payer",
    r"total\s+[àa]\s+payer",
    r"montant\s+total",
    r"total\s+(?:incl\.?|including)\s+vat",
    r"amount\s+due",
    r"grand\s+total",
    r"total\s+due",
    r"gesamtbetrag",
    r"rechnungsbetrag",
    r"endbetrag",
    r"zu\s+zahlen",
    r"bruttobetrag",
    r"bruttosumme",
    r"zahlbetrag",
    r"totaal",
    r"total",
)
NET_LABELS = _labels(
    r"exclusief\s+btw",
    r"totaal\s+excl\.?(?:\s+btw)?",
    r"subtotaal",
    r"maatstaf\s+van\s+heffing",
    r"total\s+ht",
    r"montant\s+(?:eur\s+)?ht",
    r"(?:total|montant)\s+hors\s+(?:tva|taxes?)",
    r"sous-total",
    r"base\s+imposable",
    r"total\s+(?:excl\.?|excluding)\s+vat",
    r"subtotal",
    r"net\s+amount",
    r"nettobetrag",
    r"summe\s+netto",
    r"rechnungssumme\s+ohne\s+ust\.?",
    r"summe\s+ohne\s+ust\.?",
    r"netto(?!preis)",
    r"ohne\s+mwst",
)
VAT_LABELS = _labels(
    r"btw",
    r"tva",
    r"vat",
    r"mwst\.?",
    r"ust\.?",
    r"umsatzsteuer",
    r"steuerbetrag",
    r"total\s+taxes",
    r"totaal\s+btw",
    r"montant\s+tva",
)
INVOICE_WORDS = _labels(
    r"factuur",
    r"facture",
    r"invoice",
    r"rechnung",
)
CREDIT_NOTE_WORDS = _labels(
    r"creditnota",
    r"credit\s*nota",
    r"note\s+de\s+cr[ée]dit",
    r"avoir",
    r"credit\s*note",
    r"gutschrift",
)
RECEIPT_WORDS = _labels(
    r"kasticket",
    r"kassabon",
    r"ticket\s+de\s+caisse",
    r"re[çc]u",
    r"receipt",
    r"kassenbon",
    r"quittung",
    r"bancontact",
    r"betaald\s+met",
)

# "+++123/4567/89012+++" or with stars; OCR may space or drop a mark ("+ ++"): the check
# digits decide
OGM = re.compile(
    r"[+*](?:\s?[+*]){0,2}\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*[+*](?:\s?[+*]){0,2}"
)
IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?)\b")
BIC = re.compile(
    r"\b(?:BIC|SWIFT)(?:\s*(?:code|/\s*SWIFT))?\s*[:.]?\s*([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b"
)
VAT_ID = re.compile(
    r"\b(?:(?:BTW|TVA|VAT|USt-?IdNr\.?|UStId|MwSt|N°\s*TVA|VAT\s*(?:no|number))[\s.:-]*)?"
    r"((?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)"
    r"[\s.]?[0-9A-Z][0-9A-Z .]{6,16}[0-9A-Z])"
)
ENTERPRISE_NUMBER = re.compile(
    r"\b(?:KBO|BCE|RPR|RPM|ondernemingsnummer|num[ée]ro\s+d['’]entreprise|O\.?N\.?|N\.?E\.?)"
    r"[\s.:-]*(?:BE\s?)?([01]\d{3}[.\s]?\d{3}[.\s]?\d{3})\b",
    re.IGNORECASE,
)
COMPANY_FORM = re.compile(
    r"\b(?:B\.?V\.?B\.?A\.?|B\.?V\.?|N\.?V\.?|C\.?V\.?|V\.?Z\.?W\.?|S\.?R\.?L\.?|S\.?A\.?|S\.?P\.?R\.?L\.?"
    r"|S\.?C\.?R\.?L\.?|S\.?C\.?|ASBL|SARL|SAS|SASU|EURL|GmbH|AG|KG|Ltd\.?|LLC|Inc\.?|plc|Comm\.?V)\s*$"
)
# Belgian names often print the form in small letters: "De Smet bv", "Denis sprl"
COMPANY_FORM_ANY_CASE = re.compile(COMPANY_FORM.pattern, re.IGNORECASE)
# A company form anywhere in a text, as a word of its own
_FORM_WORD = re.compile(COMPANY_FORM.pattern.removesuffix(r"\s*$") + r"(?!\w)", re.IGNORECASE)


def name_before_address(text: str) -> str:
    """A name that runs on into its address on the same line ("Toitures Denis SC : Rue du
    Commerce 174", "Müller Backtechnik GmbH Kerkstraat 1"): the name, up to its company form.
    Anything else is left as it is."""
    for match in _FORM_WORD.finditer(text):
        rest = text[match.end() :].strip(" :|,-–·")
        if rest and (STREET.match(rest) or re.match(r"^\S*\d", rest)):
            return text[: match.end()].strip()
    return text


# Who a block of the document is about: the labels that introduce the customer or the supplier.
BUYER_LABELS = re.compile(
    r"\b(?:klant|client|cliente|customer|buyer|acheteur|k[äa]ufer|kunde|afnemer|bill\s+to|"
    r"billed\s+to|invoice\s+to|sold\s+to|factur[ée]\s+[àa]|factureren\s+aan|destinataire|"
    r"leistungsempf[äa]nger|rechnungsempf[äa]nger|delivery\s+address|adresse\s+de\s+livraison|"
    r"leveringsadres|lieferadresse|factuuradres|facturatieadres|adresse\s+de\s+facturation|"
    r"billing\s+address|rechnungsadresse)",
    re.IGNORECASE,
)
SELLER_LABELS = re.compile(
    r"\b(?:leverancier|fournisseur|supplier|seller|vendor|verk[äa]ufer|lieferant\b|"
    r"[ée]metteur|issued\s+by|uitgegeven\s+door)",
    re.IGNORECASE,
)
# Labels followed by the customer's name.
CUSTOMER_NAME_LABELS = re.compile(
    r"\b(?:klant|client|customer|bill\s+to|billed\s+to|invoice\s+to|factur[ée]\s+[àa]|"
    r"factureren\s+aan|k[äa]ufer|kunde|factuuradres|facturatieadres|adresse\s+de\s+facturation|"
    r"billing\s+address|rechnungsadresse)(?![\w-])",
    re.IGNORECASE,
)

# Layout reading (layout.py): the labels a value stands right of or below.
# A weak number label ("Nr.", "N°", "Référence") only counts on its own, not inside a longer
# label naming something else (a customer, an order, a VAT or phone number).
NUMBER_WEAK_LABELS = _labels(
    r"n[°º]\.?",
    r"nr\.?(?=\s|:|$)",
    r"no\.(?=\s|:|$)",
    r"nummer",
    r"num[ée]ro",
    r"number",
    r"r[ée]f[ée]rence",
    r"document\s*(?:nr\.?|n°|no\.?)",
)
NOT_THE_INVOICE_NUMBER = re.compile(
    r"\b(?:btw|tva|vat|mwst|ust|klant|client|customer|kunde|order|bestel|commande|bon\b|"
    r"ondernem|entreprise|enterprise|kbo|bce|rpr|rpm|tel|t[ée]l[ée]phone|phone|fax|gsm|iban|"
    r"rekening|compte|account|konto|page|pagina|seite|artikel|article|item|lot|dossier|"
    r"contract|contrat|vertrag|levering|livraison|delivery|lieferschein|uw\b|votre|your|ihre)",
    re.IGNORECASE,
)
# The document's title, with its number after it: "FACTUUR 2026-0131", "Invoice INV-12".
TITLE_WORDS = _labels(
    r"factuur",
    r"facture",
    r"invoice",
    r"rechnung",
    r"creditnota",
    r"note\s+de\s+cr[ée]dit",
    r"avoir",
    r"credit\s*note",
    r"gutschrift",
)
# The document's name used as the number's label: "Facture : 2026-0131", "Invoice# 12".
TITLE_AS_LABEL = re.compile(
    r"^(?:factuur|facture|invoice|rechnung|creditnota|avoir|credit\s*note|gutschrift)\s*[:#]",
    re.IGNORECASE,
)
# Totals, from the most specific label to the least: "Totaal incl. btw" is a gross total
# although it says "btw", "Totaal excl. btw" a net total although it says "totaal".
GROSS_EXPLICIT_LABELS = _labels(
    r"totaal\s+(?:incl\.?|inclusief)",
    r"total\s+ttc",
    r"montant\s+ttc",
    r"\bttc\b",
    r"total\s+(?:incl\.?|including|inc\.?)\s*(?:vat|tax)?",
    r"incl\.?\s+(?:btw|tva|vat)",
    r"inclusief\s+btw",
    r"brutto(?:betrag|summe)?",
    r"gesamtbetrag",
    r"rechnungsbetrag",
)
GROSS_PAYABLE_LABELS = _labels(
    r"(?:totaal\s+)?te\s+betalen(?:\s+bedrag)?",
    r"(?:net|total|somme|montant)\s+[àa]\s+payer",
    r"amount\s+(?:due|payable)",
    r"total\s+(?:due|payable)",
    r"balance\s+due",
    r"grand\s+total",
    r"zu\s+zahlen",
    r"zahlbetrag",
    r"endbetrag",
    r"totaalbedrag",
    r"montant\s+total",
)
GROSS_WEAK_LABELS = _labels(r"totaal", r"total", r"gesamt", r"summe")
NET_ONLY_LABELS = _labels(
    r"(?:totaal\s+)?excl\.?(?:usief)?\s*(?:btw|tva|vat)?",
    r"exclusief\s+btw",
    r"subtota(?:a)?l",
    r"sous-total",
    r"maatstaf\s+van\s+heffing",
    r"(?:total|montant)\s+(?:eur\s+)?h\.?t\.?v?a?\.?\b",
    r"\bhtva\b",
    r"(?:total\s+|montant\s+)?hors\s+(?:tva|taxes?)",
    r"base\s+imposable",
    r"total\s+(?:excl\.?|excluding|exc\.?)\s*(?:vat|tax)?",
    r"net\s+amount",
    r"net\s+total",
    r"nettobetrag",
    r"summe\s+netto",
    r"netto(?!preis)",
    r"ohne\s+(?:mwst|ust)",
)
VAT_AMOUNT_LABELS = _labels(
    r"(?:totaal\s+)?btw",
    r"(?:total\s+|montant\s+)?tva",
    r"(?:total\s+)?vat",
    r"mwst\.?",
    r"ust\.?",
    r"umsatzsteuer",
    r"steuerbetrag",
    r"total\s+tax(?:es)?",
    r"\btax\b",
)
# Lines that are neither the net nor the gross total of the invoice.
NOT_A_TOTAL = re.compile(
    r"\b(?:voorschot|reeds\s+betaald|al\s+betaald|betaald|acompte|d[ée]j[àa]\s+pay[ée]|"
    r"avance|deposit|prepaid|paid|advance|anzahlung|bereits\s+bezahlt|korting|remise|"
    r"r[ée]duction|discount|rabatt|skonto|openstaand\s+saldo|solde)",
    re.IGNORECASE,
)
# The head of a party block.
SELLER_HEADS = re.compile(
    r"^\s*(?:van|de|from|von|leverancier|fournisseur|supplier|seller|vendor|[ée]metteur|"
    r"verk[äa]ufer|lieferant|afzender|exp[ée]diteur|sender|issued\s+by|uitgegeven\s+door)"
    r"\s*:",
    re.IGNORECASE,
)
BUYER_HEADS = re.compile(
    r"^\s*(?:aan|[àa]|to|an|klant|client|cliente|customer|buyer|acheteur|k[äa]ufer|kunde|"
    r"afnemer|bill\s+to|billed\s+to|invoice\s+to|sold\s+to|factur[ée]\s+[àa]|"
    r"gefactureerd\s+aan|factuur\s+aan|factureren\s+aan|facturatieadres|adresse\s+de\s+"
    r"facturation|destinataire|rechnungsempf[äa]nger|leistungsempf[äa]nger|"
    r"rechnungsadresse|factuuradres)\b\s*:?",
    re.IGNORECASE,
)
_LABEL_ONLY = re.compile(
    r"(?:van|de|from|von|leverancier|fournisseur|supplier|seller|vendor|[ée]metteur|"
    r"afzender|exp[ée]diteur|sender|leveringsadres|adresse\s+de\s+livraison|"
    r"delivery\s+address|shipping\s+address|billing\s+address|invoice\s+address)\s*:?",
    re.IGNORECASE,
)


# A street and its house number ("Kerkstraat 1", "Rue de la Station 60", "Hauptstraße 3a").
STREET = re.compile(
    r"^(?:\w+(?:straat|laan|weg|lei|dreef|plein|steenweg|kaai|markt|stra(?:ß|ss)e|gasse|"
    r"street|road)|(?:rue|avenue|av\.|chauss[ée]e|boulevard|bd|place|route|quai|chemin|"
    r"square|rempart)\b.*?)\s+\d+[a-z]?(?:\s*(?:bus|bte|boîte|/)\s*\w+)?$",
    re.IGNORECASE,
)


def not_a_name(text: str) -> bool:
    """A party label standing alone ("Factuuradres", "Client", "Aan", "Van"), a bare legal form
    ("NV", "GmbH"), a logo's initials ("TD") or a street with its number ("Kerkstraat 1"):
    never a party's name."""
    text = text.strip(" :.,;|")  # OCR reads specks beside a label as dots and bars
    head = BUYER_HEADS.match(text)
    return bool(
        (head is not None and not text[head.end() :].strip())
        or _LABEL_ONLY.fullmatch(text)
        or COMPANY_FORM_ANY_CASE.fullmatch(text.strip())
        or re.fullmatch(r"[A-Z]{1,3}", text)
        or re.fullmatch(r"(?:n[°ºo]|nr|no|num)\.?", text, re.IGNORECASE)  # a label's head
        or STREET.match(text)
    )


# A VAT number said to be the customer's: "Uw btw-nr.", "Votre n° TVA", "Customer VAT".
BUYER_ID_LABELS = re.compile(
    r"\b(?:uw\s+(?:btw|ondernemings)|btw[\s-]*(?:nr\.?\s*)?(?:klant|afnemer)|"
    r"klant[\s-]*btw|votre\s+(?:n[°o]\s*(?:de\s+)?)?tva|tva\s+(?:du\s+)?client|"
    r"n[°o]\s*tva\s+client|customer\s+vat|client\s+vat|your\s+vat|buyer\s+vat|"
    r"vat\s+(?:no\.?\s+)?(?:of\s+)?(?:the\s+)?customer|ihre\s+ust|kunden[\s-]*ust)",
    re.IGNORECASE,
)
BANK_WORDS = re.compile(
    r"\b(?:iban|bic|swift|bank|banque|rekening|compte|konto|bankverbindung)\b", re.IGNORECASE
)
CONTACT_WORDS = re.compile(r"(?:\bwww\.|@|\btel\b|\bt[ée]l\b|\bphone\b|\bgsm\b)", re.IGNORECASE)
