"""The two demo companies of `make run`, each a business of its own: a Dutch-speaking bakery in
Antwerp and a French-speaking photo studio in Brussels, with their own customers, products,
suppliers, mail and bank payees.

Every number is fictitious but passes its check (python-stdnum): the enterprise and VAT numbers
of customers and suppliers are in the 1999.xxx.xxx range, which the KBO/BCE has not issued
(numbers starting with 1 have only just begun); Belgian IBANs have a real bank code
and an account number 999xxxx of our own; the foreign ones are the published examples of their
country. tests/demo/test_demo_numbers.py checks every number in this package.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from apps.companies.models import Company

D = Decimal


@dataclass(frozen=True)
class Sales:
    """Who buys what; the invoices are issued in this order, in date order."""

    customers: list[dict[str, str]]
    products: list[tuple[str, str, str, str]]  # name, unit, price, VAT code
    # (customer index, lines as (description, quantity, price, VAT rate, unit, discount))
    overdue: tuple[int, list[tuple[str, str, str, str, str, str]]]
    paid: tuple[int, list[tuple[str, str, str, str, str, str]]]
    abroad: tuple[int, list[tuple[str, str, str, str, str, str]]]
    credit: list[tuple[str, str, str, str, str, str]]  # of the invoice abroad
    draft: tuple[int, str]  # customer index, notes (the paid invoice's first line)
    quote_waiting: int  # customer index (the paid invoice's lines)
    quote_accepted: tuple[int, list[tuple[str, str, str, str, str, str]]]


@dataclass(frozen=True)
class Profile:
    language: str
    sales: Sales
    # the supplier whose e-invoices (UBL) arrive, with its lines and invoice numbers
    einvoice_supplier: dict[str, str]
    einvoice_lines: list[tuple[str, str, str]]  # name, quantity, unit price (21 % VAT)
    einvoice_sale_lines: list[tuple[str, str, str]]  # the company's own invoice to it
    einvoice_numbers: dict[str, str]  # invoice, credit note, sale, over Peppol
    einvoice_reference: str  # the structured communication to pay it with
    buyer_reference: str
    # a new supplier's PDF invoice: waits for its first check
    new_supplier: dict[str, str]
    new_supplier_invoice: dict[str, Any]
    new_supplier_file: str
    # a supplier whose first PDF invoice was checked: its next one is read with what was learned
    learned_supplier: dict[str, str]
    learned_invoices: list[tuple[str, str, str, str, str, str, str]]
    learned_line: str
    learned_files: tuple[str, str]
    # a supplier's quote: filed as miscellaneous, never as a purchase invoice
    quote_supplier: dict[str, str]
    quote_text: tuple[str, str, str, str]  # title, number label, valid until label, line
    quote_file: str
    # the inbox: forwarded, a text-only invoice, a newsletter, a hostile e-mail, a mailbox's
    forwarded: dict[str, Any]
    text_only: dict[str, str]
    newsletter: dict[str, str]
    hostile: dict[str, str]
    mailbox: dict[str, Any]
    # the bank
    account_name: str
    customer_ibans: tuple[str, str]  # paying yesterday, and in the months before
    customer_word: str  # the history's customers' name
    payment_word: str
    recurring: list[tuple[str, str, Decimal, int, int, str]]  # see banking.RECURRING
    energy_advance: tuple[str, str, Decimal, str]  # name, IBAN, amount, communication
    hosting_debit: tuple[str, str, Decimal, str]


WEBHOSTING_IBAN = "BE58651999000679"

BAKERY = Profile(
    language="nl",
    sales=Sales(
        customers=[
            {
                "name": "Koffiebar De Hoek BV",
                "enterprise_number": "1999000150",
                "vat_id": "BE1999000150",
                "street": "Korenmarkt 3",
                "postal_code": "9000",
                "city": "Gent",
                "email": "facturen@dehoek.example",
                "language": "nl",
            },
            {
                "name": "Brasserie Le Coq SRL",
                "enterprise_number": "1999000249",
                "vat_id": "BE1999000249",
                "street": "Rue de Fer 20",
                "postal_code": "5000",
                "city": "Namur",
                "email": "compta@brasserielecoq.example",
                "language": "fr",
            },
            {
                "name": "Bäckerei Schmidt GmbH",
                "enterprise_number": "",
                "vat_id": "DE199900010",
                "street": "Hauptstraße 1",
                "postal_code": "52062",
                "city": "Aachen",
                "country": "DE",
                "email": "buchhaltung@schmidt.example",
                "language": "en",
                "vat_treatment": "intra_eu",
            },
        ],
        products=[
            ("Volkorenbrood", "C62", "2.45", "reduced"),
            ("Verjaardagstaart", "C62", "18.50", "reduced"),
            ("Catering (per uur)", "HUR", "45.00", "standard"),
            ("Desemstarterpakket", "C62", "15.00", "reduced"),
        ],
        overdue=(
            1,
            [
                ("Pain de campagne (livraison octobre)", "120", "3.10", "6", "C62", "0"),
                ("Croissants", "400", "0.95", "6", "C62", "0"),
            ],
        ),
        paid=(
            0,
            [
                ("Volkorenbrood", "40", "2.45", "6", "C62", "0"),
                ("Verjaardagstaart", "2", "18.50", "6", "C62", "10"),
                ("Catering", "4", "45.00", "21", "HUR", "0"),
            ],
        ),
        abroad=(2, [("Sourdough starter kit", "12", "15.00", "6", "C62", "0")]),
        credit=[("Sourdough starter kit (damaged)", "1", "15.00", "6", "C62", "0")],
        draft=(0, "Wekelijkse levering"),
        quote_waiting=0,
        quote_accepted=(1, [("Catering (réception)", "6", "45.00", "21", "HUR", "0")]),
    ),
    einvoice_supplier={
        "name": "Drukkerij Van Damme NV",
        "enterprise_number": "1999000348",
        "street": "Veldstraat 8",
        "city": "Gent",
        "postal_code": "9000",
        "iban": "BE22001999000147",
    },
    einvoice_lines=[("Folders A5, 2000 stuks", "2", "145.00"), ("Naamkaartjes", "500", "0.12")],
    einvoice_sale_lines=[("Broodjesbuffet personeelsfeest (per uur)", "4", "45.00")],
    einvoice_numbers={
        "invoice": "VD-2026-311",
        "credit": "VD-2026-CN-12",
        "sale": "2026-0117",
        "peppol": "VD-2026-412",
    },
    einvoice_reference="010806817183",
    buyer_reference="Bestelling 88",
    new_supplier={
        "name": "Energie Plus BV",
        "street": "Kaai 3",
        "city": "2000 Antwerpen",
        "vat": "BE1999000447",
        "iban": "BE65 0689 9900 0296",
    },
    new_supplier_invoice={
        "number": "EP-2026-10077",
        "date": "04/11/2026",
        "due": "18/11/2026",
        "lines": [("Elektriciteit oktober 2026", "180,00"), ("Netkosten", "60,50")],
        "net": "240,50",
        "vat": "50,51",
        "gross": "291,01",
        "ogm": "+++010/8068/17183+++",
    },
    new_supplier_file="energie-plus-oktober.pdf",
    learned_supplier={
        "name": "Schoonmaak Peeters BV",
        "street": "Nijverheidsstraat 21",
        "city": "2800 Mechelen",
        "vat": "BE1999000546",
        "iban": "BE74 9739 9900 0307",
    },
    learned_invoices=[
        # number, date, due, net, VAT, gross, structured communication
        (
            "SP/26/0311",
            "31/10/2026",
            "30/11/2026",
            "420,00",
            "88,20",
            "508,20",
            "+++090/9337/55493+++",
        ),
        (
            "SP/26/0352",
            "30/11/2026",
            "30/12/2026",
            "385,00",
            "80,85",
            "465,85",
            "+++090/9337/55594+++",
        ),
    ],
    learned_line="Schoonmaak winkel en bakatelier",
    learned_files=("peeters-oktober.pdf", "peeters-november.pdf"),
    quote_supplier={
        "name": "Ovenbouw Claes BV",
        "address": "Molenstraat 8, 2800 Mechelen",
        "vat": "BTW BE1999000645",
    },
    quote_text=(
        "OFFERTE",
        "Offertenummer",
        "Geldig tot",
        "Nieuwe broodoven met stoomsysteem, plaatsing inbegrepen",
    ),
    quote_file="offerte-broodoven.pdf",
    forwarded={
        "subject": "Fwd: Factuur KP-2026-2231",
        "sender": "Sofie Peeters <demo@okioki.be>",
        "text": "---------- Doorgestuurd bericht ----------\n"
        "Van: Kantoor Plus <facturen@kantoorplus.example>\n\nIn bijlage onze factuur.",
        "file": "KP-2026-2231.pdf",
        "supplier": {
            "name": "Kantoor Plus BV",
            "street": "Nieuwstraat 20",
            "city": "1000 Brussel",
            "vat": "BE1999000744",
            "iban": "BE94 3639 9900 0414",
        },
        "number": "KP-2026-2231",
        "lines": [("Printpapier A4, 10 dozen", "85,00"), ("Toner zwart", "64,00")],
        "totals": ("149,00", "31,29", "180,29"),
    },
    text_only={
        "subject": "Uw factuur van Webhosting Plus",
        "sender": "Webhosting Plus <billing@webhostingplus.example>",
        "text": "Beste klant,\n\nFactuur WP-88112\nWebhosting november 2026\n"
        "Totaal te betalen: € 12,10 (btw inbegrepen)\n"
        "We schrijven het bedrag automatisch af.\n",
    },
    newsletter={
        "subject": "Nieuwsbrief: onze acties in december",
        "sender": "Bakkersvak <nieuws@bakkersvak.example>",
        "text": "Ontdek onze acties!",
    },
    hostile={
        "subject": "Factuur 2026-118 (dringend)",
        "sender": "Onbekende afzender <facturen@verdacht.example>",
    },
    mailbox={
        "subject": "Factuur 2026/0871",
        "sender": "Groothandel Meel & Co <boekhouding@meelco.example>",
        "text": "Beste klant,\n\nIn bijlage vindt u factuur 2026/0871.\n\nMet vriendelijke groeten",
        "file": "factuur-2026-0871.pdf",
        "supplier": {
            "name": "Groothandel Meel & Co BV",
            "street": "Industrieweg 5",
            "city": "2800 Mechelen",
            "vat": "BE1999000843",
            "iban": "BE36 7349 9900 0581",
        },
        "number": "2026/0871",
        "lines": [("Bloem T55, 25 kg x 12", "216,00"), ("Gist, 1 kg x 4", "18,00")],
        "totals": ("234,00", "49,14", "283,14"),
    },
    account_name="Zichtrekening",
    customer_ibans=("BE19063999000712", "BE42001999000854"),
    customer_word="Klant",
    payment_word="Betaling",
    recurring=[
        ("Vastgoed Noord NV", "BE47143999000980", D("1250.00"), 3, 1, "Huur winkel"),
        ("Sofie Maes", "BE28363999001020", D("2380.00"), 27, 1, "Loon"),
        ("RSZ", "BE09001999001157", D("985.40"), 5, 1, "Voorschot RSZ"),
        ("KBC Bank NV", "BE56734999001288", D("640.00"), 15, 1, "Aflossing lening oven"),
        ("Xerius", "BE84001999001359", D("742.00"), 2, 3, "Sociale bijdragen"),
    ],
    energy_advance=(
        "Energie Plus BV",
        "BE65068999000296",
        D("96.80"),
        "Voorschot energie december",
    ),
    hosting_debit=("Webhosting Plus", WEBHOSTING_IBAN, D("12.10"), "WP-88112"),
)

STUDIO = Profile(
    language="fr",
    sales=Sales(
        customers=[
            {
                "name": "Agence Horizon SRL",
                "enterprise_number": "1999000942",
                "vat_id": "BE1999000942",
                "street": "Boulevard d'Avroy 38",
                "postal_code": "4000",
                "city": "Liège",
                "email": "factures@agencehorizon.example",
                "language": "fr",
            },
            {
                "name": "Evenementen Vandamme BV",
                "enterprise_number": "1999001041",
                "vat_id": "BE1999001041",
                "street": "Bruul 44",
                "postal_code": "2800",
                "city": "Mechelen",
                "email": "boekhouding@vandamme-events.example",
                "language": "nl",
            },
            {
                "name": "Éditions Lumen SARL",
                "enterprise_number": "",
                "vat_id": "FR66999000011",
                "street": "Rue Nationale 12",
                "postal_code": "59000",
                "city": "Lille",
                "country": "FR",
                "email": "compta@editionslumen.example",
                "language": "fr",
                "vat_treatment": "intra_eu_services",
            },
        ],
        products=[
            ("Séance photo en studio (par heure)", "HUR", "95.00", "standard"),
            ("Reportage d'événement (forfait)", "C62", "650.00", "standard"),
            ("Tirage fine art 40x60", "C62", "85.00", "standard"),
            ("Droits d'utilisation d'une photo (1 an)", "C62", "120.00", "standard"),
        ],
        overdue=(
            1,
            [
                ("Reportage d'événement (forfait)", "1", "650.00", "21", "C62", "0"),
                ("Retouche des photos (par heure)", "6", "60.00", "21", "HUR", "0"),
            ],
        ),
        paid=(
            0,
            [
                ("Séance photo en studio", "3", "95.00", "21", "HUR", "0"),
                ("Tirage fine art 40x60", "4", "85.00", "21", "C62", "10"),
            ],
        ),
        abroad=(
            2,
            [("Droits d'utilisation d'une photo (1 an)", "12", "120.00", "21", "C62", "0")],
        ),
        credit=[("Photo non publiée : droits remboursés", "1", "120.00", "21", "C62", "0")],
        draft=(0, "Portraits de l'équipe"),
        quote_waiting=0,
        quote_accepted=(
            1,
            [("Séance photo en studio (catalogue)", "8", "95.00", "21", "HUR", "0")],
        ),
    ),
    einvoice_supplier={
        "name": "Labo Photo Lambert SRL",
        "enterprise_number": "1999001140",
        "street": "Chaussée de Louvain 210",
        "city": "Namur",
        "postal_code": "5000",
        "iban": "BE73001999001460",
    },
    einvoice_lines=[
        ("Tirages fine art 30x45", "24", "18.00"),
        ("Albums photo 30x30", "3", "65.00"),
    ],
    einvoice_sale_lines=[("Photos du catalogue du laboratoire", "1", "650.00")],
    einvoice_numbers={
        "invoice": "LPL-2026-0587",
        "credit": "LPL-2026-NC-09",
        "sale": "2026-0117",
        "peppol": "LPL-2026-0612",
    },
    einvoice_reference="090441200207",
    buyer_reference="Commande 88",
    new_supplier={
        "name": "Flash Location SRL",
        "street": "Rue Gallait 80",
        "city": "1030 Schaerbeek",
        "vat": "BE1999001239",
        "iban": "BE19 0689 9900 1512",
    },
    new_supplier_invoice={
        "number": "FL-2026-1107",
        "date": "04/11/2026",
        "due": "18/11/2026",
        "lines": [
            ("Location de flashs de studio, octobre 2026", "150,00"),
            ("Assurance du matériel", "45,00"),
        ],
        "net": "195,00",
        "vat": "40,95",
        "gross": "235,95",
        "ogm": "+++090/4412/00106+++",
    },
    new_supplier_file="flash-location-octobre.pdf",
    learned_supplier={
        "name": "Nettoyage Dubois SRL",
        "street": "Rue de la Station 14",
        "city": "1300 Wavre",
        "vat": "BE1999001338",
        "iban": "BE28 9739 9900 1620",
    },
    learned_invoices=[
        (
            "ND/26/0311",
            "31/10/2026",
            "30/11/2026",
            "320,00",
            "67,20",
            "387,20",
            "+++120/4518/01346+++",
        ),
        (
            "ND/26/0352",
            "30/11/2026",
            "30/12/2026",
            "295,00",
            "61,95",
            "356,95",
            "+++120/4518/01447+++",
        ),
    ],
    learned_line="Nettoyage du studio et de l'accueil",
    learned_files=("dubois-octobre.pdf", "dubois-novembre.pdf"),
    quote_supplier={
        "name": "Photo Matériel Leroy SRL",
        "address": "Rue du Midi 52, 1000 Bruxelles",
        "vat": "TVA BE1999001437",
    },
    quote_text=(
        "DEVIS",
        "N° de devis",
        "Valable jusqu'au",
        "Appareil photo moyen format avec objectif 80 mm",
    ),
    quote_file="devis-materiel-photo.pdf",
    forwarded={
        "subject": "Fwd: Facture BP-2026-4410",
        "sender": "Sofie Peeters <demo@okioki.be>",
        "text": "---------- Message transféré ----------\n"
        "De : Bureau Plus <factures@bureauplus.example>\n\nVeuillez trouver notre facture "
        "en pièce jointe.",
        "file": "BP-2026-4410.pdf",
        "supplier": {
            "name": "Bureau Plus SRL",
            "street": "Avenue Louise 120",
            "city": "1050 Ixelles",
            "vat": "BE1999001536",
            "iban": "BE48 3639 9900 1727",
        },
        "number": "BP-2026-4410",
        "lines": [("Papier A4, 5 boîtes", "42,50"), ("Cartouches d'encre couleur", "96,00")],
        "totals": ("138,50", "29,09", "167,59"),
    },
    text_only={
        "subject": "Votre facture Webhosting Plus",
        "sender": "Webhosting Plus <billing@webhostingplus.example>",
        "text": "Bonjour,\n\nFacture WP-88113\nHébergement du site, novembre 2026\n"
        "Total à payer : 12,10 € (TVA comprise)\n"
        "Nous prélevons le montant automatiquement.\n",
    },
    newsletter={
        "subject": "Newsletter : nos offres de décembre",
        "sender": "Photo Pro Mag <news@photopromag.example>",
        "text": "Découvrez nos offres !",
    },
    hostile={
        "subject": "Facture 2026-118 (urgent)",
        "sender": "Expéditeur inconnu <factures@suspect.example>",
    },
    mailbox={
        "subject": "Facture 2026/1432",
        "sender": "Fotolab Pro <comptabilite@fotolabpro.example>",
        "text": "Bonjour,\n\nVeuillez trouver ci-joint la facture 2026/1432.\n\n"
        "Meilleures salutations",
        "file": "facture-2026-1432.pdf",
        "supplier": {
            "name": "Fotolab Pro SA",
            "street": "Rue de l'Industrie 9",
            "city": "1400 Nivelles",
            "vat": "BE1999001635",
            "iban": "BE87 7349 9900 1894",
        },
        "number": "2026/1432",
        "lines": [
            ("Papier photo baryté A3, 50 feuilles x 4", "236,00"),
            ("Encre pigmentaire, 8 cartouches", "312,00"),
        ],
        "totals": ("548,00", "115,08", "663,08"),
    },
    account_name="Compte courant",
    customer_ibans=("BE81063999001924", "BE95103999002058"),
    customer_word="Client",
    payment_word="Paiement",
    recurring=[
        ("Immo Sablon SA", "BE12143999002192", D("1450.00"), 3, 1, "Loyer studio"),
        ("Julie Lambert", "BE76651999002295", D("2150.00"), 27, 1, "Salaire"),
        ("ONSS", "BE71001999002369", D("890.60"), 5, 1, "Provision ONSS"),
        ("BNP Paribas Fortis SA", "BE60001999002470", D("420.00"), 15, 1, "Prêt matériel"),
        ("Partena", "BE06068999002522", D("698.00"), 2, 3, "Cotisations sociales"),
    ],
    energy_advance=(
        "Flash Location SRL",
        "BE19068999001512",
        D("96.80"),
        "Location flashs décembre",
    ),
    hosting_debit=("Webhosting Plus", WEBHOSTING_IBAN, D("12.10"), "WP-88113"),
)

PROFILES = {"nl": BAKERY, "fr": STUDIO}


def profile_of(company: Company) -> Profile:
    """The French-speaking demo company is the photo studio; any other the bakery."""
    return PROFILES["fr" if company.default_language == "fr" else "nl"]
