"""Documents that come with invoices but are none, rendered with WeasyPrint in several layouts
and languages: terms, order confirmations, delivery notes, quotes, reminders, statements of
account and bank statements. Each says "factuur", "btw" or "te betalen" somewhere, as the real
ones do; only its title says what it is."""

from dataclasses import dataclass

STYLE = """<style>@page { size: A4; margin: 14mm; }
body { font-family: DejaVu Sans, sans-serif; font-size: 10pt; }
table { width: 100%; border-collapse: collapse; } td, th { padding: 1.2mm 0; text-align: left; }
.n { text-align: right; } .right { float: right; text-align: right; } .small { font-size: 7pt; }
.two { display: flex; justify-content: space-between; } h1 { font-size: 18pt; }
</style>"""

LETTERHEAD = {
    "nl": (
        "<div class=two><p><strong>Drukkerij Van Damme NV</strong><br>Stationsstraat 10, "
        "9000 Gent<br>BTW BE0812345603</p><p>Bakkerij Test BV<br>Kerkstraat 1<br>"
        "2000 Antwerpen</p></div>"
    ),
    "fr": (
        "<div class=two><p><strong>Imprimerie Lumière SRL</strong><br>Rue Haute 5, 1000 "
        "Bruxelles<br>TVA BE0765432146</p><p>Boulangerie Test SRL<br>Place du Marché 2<br>"
        "4000 Liège</p></div>"
    ),
    "en": (
        "<div class=two><p><strong>Northwind Supplies Ltd</strong><br>12 Harbour Road, "
        "Dublin<br>VAT IE6388047V</p><p>Bakkerij Test BV<br>Kerkstraat 1<br>2000 Antwerpen, "
        "Belgium</p></div>"
    ),
}
FOOTER = {
    "nl": "<p class=small>IBAN BE56 3631 2345 6788 · BIC BBRUBEBB · RPR Gent</p>",
    "fr": "<p class=small>IBAN BE56 3631 2345 6788 · BIC BBRUBEBB · RPM Bruxelles</p>",
    "en": "<p class=small>IBAN IE29 AIBK 9311 5212 3456 78 · BIC AIBKIE2D</p>",
}


@dataclass
class NotInvoice:
    name: str
    kind: str  # the Kind value it must be filed as
    language: str
    body: str

    def html(self) -> str:
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8">{STYLE}</head><body>'
            f"{LETTERHEAD[self.language]}{self.body}{FOOTER[self.language]}</body></html>"
        )


def pdf_of(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def _articles(title: str, items: list[str]) -> str:
    return f"<h1>{title}</h1>" + "".join(
        f"<p><strong>Art. {n}.</strong> {text}</p>" for n, text in enumerate(items, 1)
    )


TOTALS_NL = (
    "<table><tr><td>Totaal excl. btw</td><td class=n>€ 1.000,00</td></tr>"
    "<tr><td>Btw 21%</td><td class=n>€ 210,00</td></tr>"
    "<tr><td><strong>Totaal incl. btw</strong></td><td class=n>€ 1.210,00</td></tr></table>"
)
TOTALS_FR = (
    "<table><tr><td>Total HT</td><td class=n>1.000,00 €</td></tr>"
    "<tr><td>TVA 21%</td><td class=n>210,00 €</td></tr>"
    "<tr><td><strong>Total TTC</strong></td><td class=n>1.210,00 €</td></tr></table>"
)
TOTALS_EN = (
    "<table><tr><td>Subtotal</td><td class=n>EUR 1,000.00</td></tr>"
    "<tr><td>VAT 23%</td><td class=n>EUR 230.00</td></tr>"
    "<tr><td><strong>Total incl. VAT</strong></td><td class=n>EUR 1,230.00</td></tr></table>"
)
ITEMS_NL = (
    "<table><tr><th>Omschrijving</th><th>Aantal</th><th class=n>Bedrag</th></tr>"
    "<tr><td>Folders A5, 4/4 kleuren</td><td>5000</td><td class=n>€ 1.000,00</td></tr></table>"
)

DOCUMENTS = [
    NotInvoice(
        "nl_terms",
        "terms",
        "nl",
        _articles(
            "ALGEMENE VERKOOPSVOORWAARDEN",
            [
                "Deze voorwaarden gelden voor al onze offertes, bestellingen en facturen.",
                "Onze facturen zijn betaalbaar binnen 30 dagen na factuurdatum op rekening "
                "BE56 3631 2345 6788. Bij niet-betaling is van rechtswege een intrest "
                "verschuldigd van 10 % en een forfaitaire schadevergoeding van 15 % "
                "met een minimum van € 50,00.",
                "Klachten over een factuur moeten binnen 8 dagen na ontvangst schriftelijk "
                "gemeld worden. Alle bedragen zijn exclusief btw.",
                "Bij betwisting zijn enkel de rechtbanken van Gent bevoegd.",
            ],
        ),
    ),
    NotInvoice(
        "fr_terms",
        "terms",
        "fr",
        _articles(
            "Conditions générales de vente",
            [
                "Toute commande implique l'acceptation des présentes conditions.",
                "Nos factures sont payables au grand comptant. Tout montant impayé à "
                "l'échéance produira un intérêt de 12 % l'an. Le client ne peut avoir "
                "recours à une compensation sans notre accord écrit. TVA non comprise.",
                "Une note de crédit n'est établie qu'après retour de la marchandise.",
            ],
        ),
    ),
    NotInvoice(
        "en_terms",
        "terms",
        "en",
        _articles(
            "General Terms and Conditions of Sale",
            [
                "These terms apply to every quotation, order and invoice of the seller.",
                "Invoices are payable within 30 days of the invoice date. Total amount due "
                "includes VAT at the applicable rate.",
            ],
        ),
    ),
    NotInvoice(
        "nl_order_confirmation",
        "order_confirmation",
        "nl",
        "<h1>Orderbevestiging</h1><p>Ordernummer: ORD-2026-0457<br>Datum: 12/11/2026<br>"
        "Leveringsdatum: 20/11/2026</p>"
        + ITEMS_NL
        + TOTALS_NL
        + "<p>U ontvangt de factuur 3 dagen na levering. Te betalen binnen 30 dagen.</p>",
    ),
    NotInvoice(
        "fr_order_confirmation",
        "order_confirmation",
        "fr",
        "<p class=right>Bruxelles, le 3 novembre 2026</p><h1>Confirmation de commande "
        "n° CC-88</h1><p>Nous vous remercions pour votre commande du 2 novembre 2026.</p>"
        "<table><tr><td>Cartes de visite</td><td class=n>1.000,00 €</td></tr></table>"
        + TOTALS_FR
        + "<p>La facture suivra à la livraison.</p>",
    ),
    NotInvoice(
        "nl_delivery_note",
        "delivery_note",
        "nl",
        "<h1>Leveringsbon LB-2026-0993</h1><p>Leverdatum: 20/11/2026<br>Uw bestelling: "
        "ORD-2026-0457</p><table><tr><th>Artikel</th><th>Aantal</th></tr>"
        "<tr><td>Folders A5</td><td>5000</td></tr><tr><td>Enveloppen C5</td><td>5000</td>"
        "</tr></table><p>Handtekening klant voor ontvangst: ________</p>"
        "<p>Deze levering wordt gefactureerd volgens onze algemene voorwaarden.</p>",
    ),
    NotInvoice(
        "fr_delivery_note",
        "delivery_note",
        "fr",
        "<table><tr><td><h1>BON DE LIVRAISON</h1></td><td class=n>N° BL-4471<br>"
        "Date : 21/11/2026</td></tr></table><table><tr><th>Référence</th><th>Désignation"
        "</th><th>Quantité</th></tr><tr><td>CV-01</td><td>Cartes de visite</td><td>500</td>"
        "</tr></table><p>Marchandise reçue en bon état.</p>",
    ),
    NotInvoice(
        "nl_pakbon",
        "delivery_note",
        "nl",
        "<h1>Pakbon</h1><p>Zending 2026-5531 · 3 colli</p>"
        "<table><tr><td>Papier A4 80g</td><td>20 dozen</td></tr></table>",
    ),
    NotInvoice(
        "nl_quote",
        "quote",
        "nl",
        "<h1>OFFERTE</h1><p>Offertenummer: OF-2026-112<br>Datum: 02/11/2026<br>"
        "Geldig tot: 02/12/2026</p>"
        + ITEMS_NL
        + TOTALS_NL
        + "<p>Voor akkoord: handtekening en datum. Na akkoord volgt een voorschotfactuur "
        "van 30 %.</p>",
    ),
    NotInvoice(
        "fr_quote",
        "quote",
        "fr",
        "<h1>DEVIS N° D-2026-014</h1><p>Date : 05/10/2026 — Validité : 30 jours</p>"
        "<table><tr><td>Impression de brochures</td><td class=n>1.000,00 €</td></tr></table>"
        + TOTALS_FR
        + "<p>Bon pour accord, date et signature.</p>",
    ),
    NotInvoice(
        "en_quotation",
        "quote",
        "en",
        "<h1>Quotation</h1><p>Quote no. Q-5521 · Date: 4 November 2026 · Valid for 30 days"
        "</p><table><tr><td>Office chairs</td><td class=n>EUR 1,000.00</td></tr></table>"
        + TOTALS_EN,
    ),
    NotInvoice(
        "nl_reminder_letter",
        "reminder",
        "nl",
        "<p class=right>Gent, 15 december 2026</p><p><strong>Betreft: Herinnering "
        "openstaande factuur</strong></p><p>Geachte klant,</p><p>Bij nazicht van onze "
        "boekhouding stellen wij vast dat onderstaande factuur nog niet betaald is.</p>"
        "<table><tr><th>Factuurnummer</th><th>Factuurdatum</th><th>Vervaldatum</th>"
        "<th class=n>Bedrag</th></tr><tr><td>2026-0311</td><td>03/11/2026</td>"
        "<td>03/12/2026</td><td class=n>€ 491,34</td></tr></table>"
        "<p>Te betalen: € 491,34 met mededeling +++010/8068/17183+++.</p>"
        "<p>Met vriendelijke groeten</p>",
    ),
    NotInvoice(
        "nl_aanmaning",
        "reminder",
        "nl",
        "<h1>AANMANING</h1><p>Factuur 2026-0290 van 01/10/2026 ter waarde van € 1.210,00 "
        "blijft onbetaald ondanks onze herinnering. Totaal te betalen inclusief "
        "schadebeding: € 1.391,50.</p>",
    ),
    NotInvoice(
        "fr_rappel",
        "reminder",
        "fr",
        "<h1>2e rappel de paiement</h1><p>Sauf erreur de notre part, la facture "
        "n° F-2026/77 du 15/10/2026 d'un montant de 1.512,50 € reste impayée.</p>"
        "<p>Montant total à payer : 1.512,50 €</p>",
    ),
    NotInvoice(
        "en_reminder",
        "reminder",
        "en",
        "<p>Subject: Payment reminder</p><p>Dear customer, our invoice number INV-2026-301 "
        "dated 2 October 2026 for EUR 1,230.00 is overdue. Amount due: EUR 1,230.00.</p>",
    ),
    NotInvoice(
        "nl_openstaande_posten",
        "statement_of_account",
        "nl",
        "<h1>Overzicht openstaande posten</h1><p>Klantnummer 4410 · Toestand op "
        "30/11/2026</p><table><tr><th>Factuur</th><th>Datum</th><th>Vervaldag</th>"
        "<th class=n>Saldo</th></tr><tr><td>2026-0290</td><td>01/10/2026</td>"
        "<td>31/10/2026</td><td class=n>€ 1.210,00</td></tr><tr><td>2026-0311</td>"
        "<td>03/11/2026</td><td>03/12/2026</td><td class=n>€ 491,34</td></tr></table>"
        "<p>Totaal openstaand: € 1.701,34</p>",
    ),
    NotInvoice(
        "fr_releve_de_compte",
        "statement_of_account",
        "fr",
        "<h1>Relevé de compte client</h1><p>Au 30/11/2026</p><table><tr><td>Facture "
        "F-2026/77</td><td class=n>1.512,50 €</td></tr><tr><td>Note de crédit AV-2026-09"
        "</td><td class=n>-84,80 €</td></tr></table><p>Solde à payer : 1.427,70 €</p>",
    ),
    NotInvoice(
        "en_statement",
        "statement_of_account",
        "en",
        "<h1>Statement of Account</h1><p>As at 30 November 2026</p><table><tr><td>"
        "INV-2026-301</td><td class=n>EUR 1,230.00</td></tr></table>"
        "<p>Total due: EUR 1,230.00</p>",
    ),
    NotInvoice(
        "nl_bank_statement",
        "bank_statement",
        "nl",
        "<h1>Rekeninguittreksel nr. 11</h1><p>Rekening BE68 5390 0754 7034 · KBC "
        "Bedrijfsrekening</p><p>Oud saldo op 31/10/2026: € 12.500,00</p><table>"
        "<tr><td>03/11</td><td>Drukkerij Van Damme NV factuur 2026-0311</td>"
        "<td class=n>-491,34</td></tr><tr><td>05/11</td><td>Klant Peeters</td>"
        "<td class=n>1.210,00</td></tr></table><p>Nieuw saldo op 30/11/2026: € 13.218,66</p>",
    ),
    NotInvoice(
        "fr_bank_statement",
        "bank_statement",
        "fr",
        "<h1>Extrait de compte 2026/11</h1><p>Compte BE68 5390 0754 7034</p>"
        "<p>Ancien solde : 8.000,00 €</p><table><tr><td>Virement facture F-2026/77</td>"
        "<td class=n>-1.512,50</td></tr></table><p>Nouveau solde : 6.487,50 €</p>",
    ),
]


# Invoices that say what non-invoices say, and stay invoices (see ``invoice_variants``).
TERMS_PAGE = (
    '<div style="page-break-before: always"><h1>ALGEMENE VOORWAARDEN</h1>'
    "<p>Art. 1. Onze facturen zijn betaalbaar binnen 30 dagen.</p>"
    "<p>Art. 2. Conditions générales de vente: nos factures sont payables à 30 jours.</p></div>"
)


def invoice_variants(html: str) -> dict[str, str]:
    """An invoice's HTML as it is also sent: with the terms in its footer and on a second
    page, stamped as a reminder (above its title, or in it), with references to the quote,
    order and delivery note it follows."""
    title_start = html.index("<h1>")
    title_end = html.index("</h1>") + len("</h1>")
    title = html[title_start + 4 : title_end - 5]
    number_start = html.index("<p>", title_end)
    number_line = html[number_start : html.index("</p>", number_start) + 4]
    number = number_line.split(": ", 1)[1][:-4]
    return {
        "terms_footer": html.replace(
            "</body>",
            "<p class=small>Op al onze facturen zijn onze algemene voorwaarden van toepassing."
            " Nos conditions générales de vente s'appliquent.</p>" + TERMS_PAGE + "</body>",
        ),
        "reminder_stamp": html[:title_start]
        + "<p><strong>HERINNERING — RAPPEL</strong></p>"
        + html[title_start:],
        "reminder_in_title": html[:title_start]
        + f"<h1>HERINNERING {title} {number}</h1>"
        + html[title_end:],
        "references": html[:title_start]
        + "<p>Offerte OF-2026-112<br>Orderbevestiging ORD-2026-0457<br>"
        "Leveringsbon LB-2026-0993</p>" + html[title_start:],
    }


def png_of(html: str, dpi: int = 200) -> bytes:
    """The first page as a scanner gives it (grey, rasterised)."""
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf_of(html))) as document:
        image = document.pages[0].to_image(resolution=dpi).original
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG")
    return buffer.getvalue()
