"""Realistic invoice data, deterministic from a ``random.Random``: parties with identifiers
that python-stdnum validates (Belgian VAT and enterprise numbers with their mod-97 check, BE
IBANs with both check digits, NL/FR/DE VAT numbers), OGM, numbers, amounts and dates, and the
ways invoices print them (label words, number, amount and date styles)."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from stdnum import iban as stdnum_iban
from stdnum.be import ogm_vcs
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat

D = Decimal
NARROW_SPACE, NO_BREAK_SPACE = "\u202f", "\u00a0"
CENT = D("0.01")


@dataclass(frozen=True)
class Party:
    name: str
    street: str
    city: str
    country: str  # BE, NL, FR, DE
    vat: str  # BE0412345614, NL..B01, FR.., DE..
    iban: str = ""
    bic: str = ""
    email: str = ""
    phone: str = ""

    @property
    def enterprise_number(self) -> str:
        """The Belgian enterprise number as printed: 0412.345.614."""
        digits = self.vat[2:]
        return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}" if self.country == "BE" else ""


# --- identifiers ------------------------------------------------------------------------


def be_vat_number(rng: random.Random) -> str:
    while True:
        base = f"0{rng.randint(2_000_000, 9_999_999)}"
        number = f"{base}{97 - int(base) % 97:02d}"
        if be_vat.is_valid(number):
            return f"BE{number}"


BANKS = [("001", "GEBABEBB"), ("068", "GKCCBEBB"), ("363", "BBRUBEBB"), ("735", "KREDBEBB")]
BANKS += [("973", "ARSPBE22"), ("523", "TRIOBEBB"), ("063", "GKCCBEBB"), ("310", "BBRUBEBB")]


def _iban(country: str, bban: str) -> str:
    check = 98 - int("".join(str(int(ch, 36)) for ch in f"{bban}{country}00")) % 97
    value = f"{country}{check:02d}{bban}"
    assert stdnum_iban.is_valid(value), value
    return value


def be_iban(rng: random.Random) -> tuple[str, str]:
    bank, bic = rng.choice(BANKS)
    account = f"{bank}{rng.randint(0, 9_999_999):07d}"
    national = int(account) % 97 or 97
    return _iban("BE", f"{account}{national:02d}"), bic


def foreign_iban(rng: random.Random, country: str) -> tuple[str, str]:
    if country == "NL":
        bank, bic = rng.choice([("INGB", "INGBNL2A"), ("RABO", "RABONL2U"), ("ABNA", "ABNANL2A")])
        while True:  # the Dutch account number has an 11-test
            account = f"{rng.randint(100_000_000, 999_999_999):010d}"
            if sum(int(d) * (10 - i) for i, d in enumerate(account)) % 11 == 0:
                return _iban("NL", f"{bank}{account}"), bic
    if country == "DE":
        blz, bic = rng.choice([("37040044", "COBADEFFXXX"), ("50070010", "DEUTDEFFXXX")])
        return _iban("DE", f"{blz}{rng.randint(0, 9_999_999_999):010d}"), bic
    # France: bank, branch, account and the RIB key
    bank, branch = "30004", f"{rng.randint(0, 99999):05d}"
    account = f"{rng.randint(0, 99_999_999_999):011d}"
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    return _iban("FR", f"{bank}{branch}{account}{key:02d}"), "BNPAFRPPXXX"


def foreign_vat(rng: random.Random, country: str) -> str:
    while True:
        if country == "NL":
            candidate = f"NL{rng.randint(100_000_000, 999_999_999)}B01"
        elif country == "DE":
            candidate = f"DE{rng.randint(100_000_000, 999_999_999)}"
        else:
            siren = f"{rng.randint(300_000_000, 899_999_999)}"
            key = (12 + 3 * (int(siren) % 97)) % 97
            candidate = f"FR{key:02d}{siren}"
        if eu_vat.is_valid(candidate):
            return candidate


def ogm(rng: random.Random) -> str:
    base = f"{rng.randint(0, 9_999_999_999):010d}"
    number = f"{base}{int(base) % 97 or 97:02d}"
    assert ogm_vcs.is_valid(number)
    return number


# --- parties ----------------------------------------------------------------------------

OURS = Party(
    "Bakkerij Test BV",
    "Kerkstraat 1",
    "9000 Gent",
    "BE",
    "BE0412345614",
    iban="BE71096123456769",
    bic="GKCCBEBB",
    email="boekhouding@bakkerijtest.be",
    phone="+32 9 123 45 67",
)

TRADES = {
    "nl": [
        "Drukkerij",
        "Bouwbedrijf",
        "Garage",
        "Schrijnwerkerij",
        "Elektro",
        "Transport",
        "Tuinaanleg",
        "Boekhoudkantoor",
        "Schilderwerken",
        "Koeltechniek",
        "Verpakkingen",
    ],
    "fr": [
        "Imprimerie",
        "Menuiserie",
        "Garage",
        "Électricité",
        "Transports",
        "Fiduciaire",
        "Toitures",
        "Nettoyage",
        "Chauffage",
        "Papeterie",
        "Maçonnerie",
    ],
    "en": ["Digital", "Consulting", "Logistics", "Software", "Cloud", "Design", "Media"],
    "de": ["Maschinenbau", "Backtechnik", "Verpackung", "Elektrotechnik", "Mühlenwerke"],
}
SURNAMES = {
    "nl": [
        "Van Damme",
        "Peeters",
        "Janssens",
        "Maes",
        "Claes",
        "De Smet",
        "Willems",
        "Goossens",
        "Wouters",
        "Mertens",
        "Vermeulen",
        "De Backer",
        "Verhoeven",
        "Hermans",
    ],
    "fr": [
        "Dubois",
        "Lambert",
        "Dupont",
        "Martin",
        "Simon",
        "Laurent",
        "Lejeune",
        "Renard",
        "Leclercq",
        "Collard",
        "Hubert",
        "Mathieu",
        "Gérard",
        "Denis",
    ],
    "en": [
        "Northwind",
        "Bluefield",
        "Brightwave",
        "Keystone",
        "Oakridge",
        "Silverline",
        "Redstone",
        "Clearpath",
        "Harbour",
        "Summit",
    ],
    "de": ["Schmidt", "Müller", "Becker", "Hoffmann", "Wagner", "Krüger", "Fischer"],
}
FORMS = {
    "BE-nl": ["BV", "NV", "CommV", "bv", "nv"],
    "BE-fr": ["SRL", "SA", "SRL", "SC", "sprl"],
    "BE-en": ["BV", "SRL", "NV"],
    "NL": ["B.V.", "BV"],
    "FR": ["SARL", "SAS", "SA"],
    "DE": ["GmbH", "GmbH & Co. KG", "AG"],
}
STREETS = {
    "BE-nl": ["Stationsstraat", "Industrieweg", "Kerkstraat", "Nijverheidslaan", "Molenstraat"],
    "BE-fr": ["Rue de la Station", "Avenue Louise", "Chaussée de Namur", "Rue du Commerce"],
    "NL": ["Keizersgracht", "Stationsplein", "Industrieweg"],
    "FR": ["Rue de Rivoli", "Boulevard Haussmann", "Avenue Jean Jaurès"],
    "DE": ["Hauptstraße", "Industriestraße", "Bahnhofstraße"],
}
CITIES = {
    "BE-nl": ["9000 Gent", "2000 Antwerpen", "3000 Leuven", "8000 Brugge", "2800 Mechelen"],
    "BE-fr": ["1000 Bruxelles", "4000 Liège", "5000 Namur", "7000 Mons", "6000 Charleroi"],
    "NL": ["1015 AB Amsterdam", "3011 AD Rotterdam", "5611 AB Eindhoven"],
    "FR": ["75001 Paris", "59000 Lille", "69002 Lyon"],
    "DE": ["50667 Köln", "52062 Aachen", "40213 Düsseldorf"],
}


def company(rng: random.Random, language: str, country: str) -> Party:
    region = f"BE-{language}" if country == "BE" else country
    if region == "BE-de":
        region = "BE-nl"
    words_language = language if language in TRADES else "nl"
    trade, surname = rng.choice(TRADES[words_language]), rng.choice(SURNAMES[words_language])
    forms = FORMS.get(region, FORMS["BE-nl"])
    name = (
        f"{surname} {trade} {rng.choice(forms)}"
        if language in ("en", "de")
        else f"{trade} {surname} {rng.choice(forms)}"
    )
    address_region = region if region in STREETS else "BE-nl"
    if country == "BE":
        vat = be_vat_number(rng)
        iban, bic = be_iban(rng)
    else:
        vat = foreign_vat(rng, country)
        iban, bic = foreign_iban(rng, country)
    slug = "".join(ch for ch in surname.lower() if ch.isalpha())
    tld = {"BE": "be", "NL": "nl", "FR": "fr", "DE": "de"}[country]
    return Party(
        name=name,
        street=f"{rng.choice(STREETS[address_region])} {rng.randint(1, 240)}",
        city=rng.choice(CITIES[address_region]),
        country=country,
        vat=vat,
        iban=iban,
        bic=bic,
        email=f"info@{slug}.{tld}",
        phone=f"+32 {rng.randint(2, 9)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)}",
    )


# --- invoice numbers --------------------------------------------------------------------


def invoice_number(rng: random.Random, style: str, year: int, credit: bool) -> str:
    n = rng.randint(1, 1999)
    # the tune set's own styles draw nothing more, so that the other styles' draws stay put
    if style == "slash-prefix":
        return f"{['VF', 'F', 'VK'][n % 3]}/{year}/{n:04d}"
    if style == "digits":
        return f"{n * 37:07d}"
    return {
        "year-F": f"{year}-F{n:04d}",
        "prefix6": f"{rng.choice(['HGP', 'KVD', 'ELB'])}-{rng.randint(1, 99999):06d}",
        "compact": f"{'NC' if credit else 'FC'}{year % 100}{rng.randint(1, 12):02d}{n:03d}",
        "prefix-year": f"{rng.choice(['WW', 'VF', 'AB'])}-{year}-{rng.randint(1, 9999):06d}",
        "year-slash": f"{year}/{rng.randint(100, 2999)}",
        "year-dash": f"{year}-{n:04d}",
        "inv": f"{'CN' if credit else 'INV'}-{rng.randint(10000, 99999)}",
        "dotted": f"FA{year}.{n:04d}",
        "plain": f"{rng.randint(20000, 989999)}",
        "short": f"F{year % 100}-{n:03d}",
    }[style]


# --- printed formats --------------------------------------------------------------------

MONTH_NAMES = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
}
SHORT_MONTHS = {
    "nl": [
        "jan.",
        "feb.",
        "mrt.",
        "apr.",
        "mei",
        "jun.",
        "jul.",
        "aug.",
        "sep.",
        "okt.",
        "nov.",
        "dec.",
    ],
    "fr": [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "de": [
        "Jan.",
        "Feb.",
        "März",
        "Apr.",
        "Mai",
        "Juni",
        "Juli",
        "Aug.",
        "Sep.",
        "Okt.",
        "Nov.",
        "Dez.",
    ],
}


def format_date(value: datetime.date, style: str, language: str) -> str:
    if style == "slash":
        return f"{value:%d/%m/%Y}"
    if style == "dot":
        return f"{value:%d.%m.%Y}"
    if style == "dash":
        return f"{value:%d-%m-%Y}"
    if style == "iso":
        return value.isoformat()
    if style == "long":
        month = MONTH_NAMES[language][value.month - 1]
        if language == "en":
            return f"{value.day} {month} {value.year}"
        return f"{value.day}{'.' if language == 'de' else ''} {month} {value.year}"
    if style == "short":
        return f"{value.day} {SHORT_MONTHS[language][value.month - 1]} {value.year}"
    if style == "us":
        return f"{MONTH_NAMES['en'][value.month - 1]} {value.day}, {value.year}"
    raise ValueError(style)


def format_amount(value: Decimal, style: str, currency: str = "") -> str:
    """'1.234,56', '1 234,56', '1,234.56' or '1234,56', with '€' or 'EUR' before or after."""
    whole, cents = f"{abs(value):.2f}".split(".")
    grouped = f"{int(whole):,}"
    text = {
        "dot": f"{grouped.replace(',', '.')},{cents}",
        "space": f"{grouped.replace(',', NARROW_SPACE)},{cents}",
        "nbsp": f"{grouped.replace(',', NO_BREAK_SPACE)},{cents}",
        "en": f"{grouped}.{cents}",
        "plain": f"{whole},{cents}",
    }[style]
    if value < 0:
        text = f"-{text}"
    if currency == "€ before":
        return f"€ {text}"
    if currency == "€ after":
        return f"{text} €"
    if currency == "EUR before":
        return f"EUR {text}"
    if currency == "EUR after":
        return f"{text} EUR"
    return text


def format_iban(value: str, grouped: bool) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4)) if grouped else value


def format_ogm(value: str, stars: bool) -> str:
    mark = "***" if stars else "+++"
    return f"{mark}{value[:3]}/{value[3:7]}/{value[7:]}{mark}"


# --- label words ------------------------------------------------------------------------
# Each field: words seen in the tune set, then words kept for the holdout set only.

LABELS: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "number": {
        "nl": (["Factuurnummer", "Factuur nr.", "Factuurnr."], ["Nr.", "Nummer", "Factuur n°"]),
        "fr": (["N° de facture", "Facture n°", "Numéro de facture"], ["Référence", "N°"]),
        "en": (["Invoice no.", "Invoice number"], ["Invoice #", "Reference", "No."]),
        "de": (["Rechnungsnummer"], ["Rechnungs-Nr.", "Beleg-Nr."]),
    },
    "credit_number": {
        "nl": (["Creditnota nr.", "Creditnotanummer"], ["Nr. creditnota", "Nummer"]),
        "fr": (["Note de crédit n°"], ["Avoir n°", "N° d'avoir"]),
        "en": (["Credit note no."], ["Credit memo #"]),
        "de": (["Gutschrift Nr."], ["Gutschrift-Nr."]),
    },
    "invoice_title": {
        "nl": (["FACTUUR", "Factuur"], ["FACTUUR"]),
        "fr": (["FACTURE", "Facture"], ["FACTURE"]),
        "en": (["INVOICE", "Invoice"], ["TAX INVOICE", "INVOICE"]),
        "de": (["RECHNUNG"], ["Rechnung"]),
    },
    "credit_title": {
        "nl": (["CREDITNOTA"], ["Creditnota"]),
        "fr": (["NOTE DE CRÉDIT"], ["AVOIR", "Note de crédit"]),
        "en": (["CREDIT NOTE"], ["Credit note"]),
        "de": (["GUTSCHRIFT"], ["Gutschrift"]),
    },
    "date": {
        "nl": (["Factuurdatum", "Datum"], ["Datum factuur", "Uitgiftedatum"]),
        "fr": (["Date de facture", "Date"], ["Date d'émission", "Émise le"]),
        "en": (["Invoice date", "Date"], ["Issue date", "Dated"]),
        "de": (["Rechnungsdatum"], ["Datum"]),
    },
    "due": {
        "nl": (["Vervaldatum", "Vervaldag"], ["Te betalen voor", "Uiterste betaaldatum"]),
        "fr": (["Date d'échéance", "Échéance"], ["À payer avant le", "Payable le"]),
        "en": (["Due date"], ["Payment due", "Pay by"]),
        "de": (["Fällig am"], ["Zahlbar bis"]),
    },
    "net": {
        "nl": (["Totaal excl. btw", "Subtotaal"], ["Maatstaf van heffing", "Totaal exclusief btw"]),
        "fr": (["Total HT", "Total hors TVA"], ["Base imposable", "Montant HTVA"]),
        "en": (["Subtotal", "Total excl. VAT"], ["Net amount", "Total before VAT"]),
        "de": (["Nettobetrag"], ["Summe netto", "Zwischensumme"]),
    },
    "vat": {
        "nl": (["Btw", "BTW"], ["Btw-bedrag"]),
        "fr": (["TVA"], ["Montant TVA"]),
        "en": (["VAT"], ["VAT amount"]),
        "de": (["MwSt."], ["USt."]),
    },
    "gross": {
        "nl": (["Totaal incl. btw", "Te betalen", "Totaal"], ["Totaal te betalen", "Eindtotaal"]),
        "fr": (["Total TTC", "Net à payer", "Total"], ["Montant total", "Total à payer"]),
        "en": (["Amount due", "Total", "Total incl. VAT"], ["Balance due", "Grand total"]),
        "de": (["Gesamtbetrag"], ["Rechnungsbetrag", "Endbetrag"]),
    },
    "gross_incl": {  # the total before a deposit is taken off
        "nl": (["Totaal incl. btw"], ["Totaal btw inbegrepen"]),
        "fr": (["Total TTC"], ["Total TVAC"]),
        "en": (["Total incl. VAT"], ["Invoice total"]),
        "de": (["Gesamtbetrag brutto"], ["Bruttobetrag"]),
    },
    "buyer": {
        "nl": (["Klant", "Aan", "Factuuradres"], ["Gefactureerd aan", "Afnemer"]),
        "fr": (["Facturé à", "Client"], ["Adresse de facturation", "Destinataire"]),
        "en": (["Bill to", "Customer"], ["Invoice to", "Sold to"]),
        "de": (["Kunde"], ["Rechnungsempfänger"]),
    },
    "seller": {
        "nl": (["Van"], ["Leverancier"]),
        "fr": (["De"], ["Émetteur", "Fournisseur"]),
        "en": (["From"], ["Supplier", "Seller"]),
        "de": (["Von"], ["Lieferant"]),
    },
    "vat_id": {
        "nl": (["BTW", "Btw-nr.", "BTW nr"], ["Ondernemingsnr.", "Btw-nummer"]),
        "fr": (["TVA", "N° TVA", "TVA n°"], ["N° d'entreprise", "Numéro TVA"]),
        "en": (["VAT", "VAT no."], ["VAT ID", "VAT reg."]),
        "de": (["USt-IdNr."], ["UID"]),
    },
    "ogm": {
        "nl": (["Gestructureerde mededeling", "Mededeling"], ["Vermeld bij betaling"]),
        "fr": (["Communication structurée", "Communication"], ["Mention à indiquer"]),
        "en": (["Payment reference", "Structured reference"], ["Please quote"]),
        "de": (["Verwendungszweck"], ["Zahlungsreferenz"]),
    },
    "bank": {
        "nl": (["IBAN", "Rekening"], ["Bankrekening", "Rekeningnummer"]),
        "fr": (["IBAN", "Compte"], ["Compte bancaire", "Coordonnées bancaires"]),
        "en": (["IBAN", "Bank account"], ["Account", "Pay to"]),
        "de": (["IBAN"], ["Bankverbindung"]),
    },
}

WORDS = {  # fixed words (not label variants)
    "nl": {
        "description": "Omschrijving",
        "qty": "Aantal",
        "price": "Eenheidsprijs",
        "rate": "Btw %",
        "amount": "Bedrag",
        "discount": "Korting",
        "deposit": "Reeds betaald voorschot",
        "to_pay": "Te betalen",
        "reverse": "Btw verlegd – medecontractant, art. 51 §2 WBTW",
        "customer_no": "Klantnummer",
        "your_ref": "Uw referentie",
        "page": "Pagina",
        "about": "Betreft factuur",
        "terms": "Betaling binnen 30 dagen. Bij laattijdige betaling is van rechtswege een "
        "intrest van 10 % verschuldigd.",
        "greeting": "Geachte heer, mevrouw,",
        "letter": "Hierbij ontvangt u onze factuur voor de geleverde diensten. Wij danken u "
        "voor het vertrouwen en verzoeken u het bedrag te betalen op onderstaande rekening.",
        "regards": "Met vriendelijke groeten,",
        "subject": "Betreft",
        "enclosed": "Hierbij ontvangt u onze {doc} {number}.",
        "pay": "Gelieve {amount} over te maken op rekening {iban}",
        "quoting": "met vermelding van {ogm}",
    },
    "fr": {
        "description": "Description",
        "qty": "Qté",
        "price": "Prix unitaire",
        "rate": "TVA %",
        "amount": "Montant",
        "discount": "Remise",
        "deposit": "Acompte versé",
        "to_pay": "Net à payer",
        "reverse": "Autoliquidation – TVA due par le cocontractant, art. 51 §2 CTVA",
        "customer_no": "N° client",
        "your_ref": "Votre référence",
        "page": "Page",
        "about": "Concerne facture",
        "terms": "Payable à 30 jours. Tout retard de paiement entraîne de plein droit un "
        "intérêt de 10 %.",
        "greeting": "Madame, Monsieur,",
        "letter": "Veuillez trouver ci-dessous notre facture pour les prestations effectuées. "
        "Nous vous remercions de votre confiance et vous prions de régler le montant dû.",
        "regards": "Veuillez agréer nos salutations distinguées,",
        "subject": "Objet",
        "enclosed": "Veuillez trouver ci-joint notre {doc} {number}.",
        "pay": "Merci de verser {amount} sur le compte {iban}",
        "quoting": "en mentionnant {ogm}",
    },
    "en": {
        "description": "Description",
        "qty": "Qty",
        "price": "Unit price",
        "rate": "VAT %",
        "amount": "Amount",
        "discount": "Discount",
        "deposit": "Deposit paid",
        "to_pay": "Amount due",
        "reverse": "Reverse charge: VAT to be accounted for by the recipient "
        "(art. 196 Directive 2006/112/EC)",
        "customer_no": "Customer ID",
        "your_ref": "Your reference",
        "page": "Page",
        "about": "Regarding invoice",
        "terms": "Payment within 30 days. Late payments bear interest at 10 % per year.",
        "greeting": "Dear Sir or Madam,",
        "letter": "Please find below our invoice for the services provided. Thank you for "
        "your business; kindly pay the amount due to the account below.",
        "regards": "Kind regards,",
        "subject": "Subject",
        "enclosed": "Please find enclosed our {doc} {number}.",
        "pay": "Please pay {amount} into account {iban}",
        "quoting": "quoting {ogm}",
    },
    "de": {
        "description": "Bezeichnung",
        "qty": "Menge",
        "price": "Einzelpreis",
        "rate": "USt. %",
        "amount": "Betrag",
        "discount": "Rabatt",
        "deposit": "Abzüglich Anzahlung",
        "to_pay": "Zahlbetrag",
        "reverse": "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge)",
        "customer_no": "Kundennummer",
        "your_ref": "Ihre Bestellung",
        "page": "Seite",
        "about": "Bezug: Rechnung",
        "terms": "Zahlbar innerhalb von 30 Tagen ohne Abzug.",
        "greeting": "Sehr geehrte Damen und Herren,",
        "letter": "für die erbrachten Leistungen erlauben wir uns, Ihnen Folgendes in "
        "Rechnung zu stellen. Bitte überweisen Sie den Betrag auf unser Konto.",
        "regards": "Mit freundlichen Grüßen",
        "subject": "Betreff",
        "enclosed": "Anbei erhalten Sie unsere {doc} {number}.",
        "pay": "Bitte überweisen Sie {amount} auf das Konto {iban}",
        "quoting": "mit dem Verwendungszweck {ogm}",
    },
}

ITEMS = {
    "nl": [
        "Folders A5 kleur",
        "Onderhoud koelcel",
        "Werkuren technieker",
        "Verplaatsingskosten",
        "Bloem T55 (25 kg)",
        "Verpakkingsdozen",
        "Boekhouding Q3",
        "Herstelling oven",
        "Schilderwerken winkel",
        "Huur stellingen",
        "Elektrische installatie",
        "Licentie kassa",
    ],
    "fr": [
        "Cartes de visite",
        "Entretien chambre froide",
        "Heures de main-d'œuvre",
        "Frais de déplacement",
        "Farine T65 (25 kg)",
        "Boîtes pâtissières",
        "Comptabilité T3",
        "Réparation four",
        "Peinture magasin",
        "Location échafaudage",
        "Licence caisse",
    ],
    "en": [
        "Cloud hosting (monthly)",
        "Consulting hours",
        "Website maintenance",
        "Licence",
        "Support plan",
        "Design work",
        "Domain renewal",
        "Data migration",
        "Training session",
    ],
    "de": [
        "Knetmaschine Wartung",
        "Ersatzteile Ofen",
        "Backbleche",
        "Montage vor Ort",
        "Verpackungsfolie",
        "Servicepauschale",
        "Fahrtkosten",
    ],
}


@dataclass
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    rate: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT)


def lines(rng: random.Random, language: str, rates: list[Decimal], count: int) -> list[Line]:
    words = ITEMS[language]
    result = []
    for index in range(count):
        description = words[index % len(words)]
        if index >= len(words):
            description = f"{description} ({index // len(words) + 1})"
        quantity = D(rng.choice([1, 1, 1, 2, 3, 4, 5, 10, 12, 25]))
        unit = (
            D(rng.randint(150, 250_000)) / 100
            if quantity == 1
            else D(rng.randint(150, 9_000)) / 100
        )
        result.append(Line(description, quantity, unit, rng.choice(rates)))
    return result


@dataclass
class Money:
    """Totals as an invoice computes them: a discount on the subtotal, VAT per rate, and a
    deposit taken off what is left to pay."""

    lines: list[Line]
    discount_percent: Decimal = field(default_factory=Decimal)
    deposit: Decimal = field(default_factory=Decimal)
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = field(init=False)

    def __post_init__(self) -> None:
        bases: dict[Decimal, Decimal] = {}
        for line in self.lines:
            bases[line.rate] = bases.get(line.rate, D("0")) + line.amount
        factor = 1 - self.discount_percent / 100
        self.by_rate = {
            rate: ((base * factor).quantize(CENT), (base * factor * rate / 100).quantize(CENT))
            for rate, base in sorted(bases.items(), reverse=True)
        }

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), D("0"))

    @property
    def discount(self) -> Decimal:
        return self.subtotal - self.net

    @property
    def net(self) -> Decimal:
        return sum((base for base, _vat in self.by_rate.values()), D("0"))

    @property
    def vat(self) -> Decimal:
        return sum((vat for _base, vat in self.by_rate.values()), D("0"))

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def to_pay(self) -> Decimal:
        return self.gross - self.deposit
