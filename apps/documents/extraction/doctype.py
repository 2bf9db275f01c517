"""Documents that come with invoices but are none: terms and conditions, order confirmations,
delivery notes, quotes, payment reminders, statements of account and bank statements.

Told by their title, never by a word anywhere: an invoice says "our general terms apply" in
its footer, a reminder quotes the invoice it is about. A title is a heading near the top of
the first page (the line starts with the word, or a letter's subject line does). An invoice
title there ("FACTUUR", "Facture n° ...") keeps the document an invoice, whatever else it
says: a copy of an invoice sent as a reminder is still the invoice.
"""

import re

# How far down the first page a title is looked for: past a letterhead and two address blocks.
TOP_LINES = 30

# A letter's subject line introduces its title: "Betreft: herinnering", "Objet : rappel".
_SUBJECT = r"(?:(?:betreft|onderwerp|objet|concerne|subject|re|betrifft)\s*:\s*)?"


def _title(*words: str) -> re.Pattern[str]:
    # the word opens the line (or its subject) as a word of its own ("Offertenummer" is a
    # label, not a title), and the heading is short
    return re.compile(rf"^\W{{0,3}}{_SUBJECT}(?:{'|'.join(words)})\b.{{0,60}}$", re.IGNORECASE)


TITLES = {
    "terms": _title(
        r"algemene\s+(?:verkoop|leverings?|handels)?\s*voorwaarden",
        r"algemene\s+(?:verkoops|contract)voorwaarden",
        r"(?:verkoop|leverings?)voorwaarden",
        r"conditions\s+g[ée]n[ée]rales(?:\s+de\s+(?:vente|livraison|prestation))?",
        r"conditions\s+de\s+vente",
        r"general\s+terms(?:\s+and\s+conditions)?(?:\s+of\s+(?:sale|business|delivery))?",
        r"terms\s+and\s+conditions(?:\s+of\s+(?:sale|business))?",
        r"terms\s+of\s+(?:sale|business)",
        r"allgemeine\s+gesch[äa]ftsbedingungen",
    ),
    "order_confirmation": _title(
        r"orderbevestiging",
        r"bestel(?:lings)?bevestiging",
        r"opdrachtbevestiging",
        r"confirmation\s+de\s+(?:la\s+)?commande",
        r"accus[ée]\s+de\s+r[ée]ception\s+de\s+(?:votre\s+)?commande",
        r"order\s+confirmation",
        r"(?:sales\s+)?order\s+acknowledge?ment",
        r"auftragsbest[äa]tigung",
        r"bestellbest[äa]tigung",
    ),
    "delivery_note": _title(
        r"leveringsbon",
        r"leverbon",
        r"afleverbon",
        r"pakbon",
        r"bon\s+de\s+livraison",
        r"bordereau\s+de\s+livraison",
        r"delivery\s+note",
        r"packing\s+slip",
        r"lieferschein",
    ),
    "quote": _title(
        r"offerte",
        r"prijsofferte",
        r"kostenraming",
        r"devis",
        r"offre\s+de\s+prix",
        r"quotation",
        r"quote",
        r"price\s+quote",
        r"angebot",
        r"kostenvoranschlag",
    ),
    "reminder": _title(
        r"(?:\d+(?:e|de|ste)\s+)?(?:betalings)?herinnering",
        r"aanmaning",
        r"ingebrekestelling",
        r"(?:\d+(?:er|e|ème)\s+)?rappel(?:\s+de\s+paiement)?",
        r"mise\s+en\s+demeure",
        r"(?:payment\s+|first\s+|second\s+|final\s+)?reminder",
        r"zahlungserinnerung",
        r"mahnung",
    ),
    "statement_of_account": _title(
        r"rekeninguittreksel",
        r"rekeningoverzicht",
        r"klantenrekening",
        r"(?:overzicht\s+)?openstaande\s+(?:posten|facturen|bedragen)",
        r"relev[ée]\s+de\s+compte",
        r"extrait\s+de\s+compte",
        r"[ée]tat\s+de\s+compte",
        r"relev[ée]\s+des\s+factures\s+(?:ouvertes|impay[ée]es)",
        r"(?:customer\s+)?statement\s+of\s+account",
        r"account\s+statement",
        r"bank\s+statement",
        r"open\s+items",
        r"kontoauszug",
        r"offene\s+posten",
    ),
}

# The title of an invoice, a credit note or a receipt, alone or with its number.
INVOICE_TITLE = re.compile(
    rf"^\W{{0,3}}{_SUBJECT}(?:factuur|facture|invoice|rechnung|creditnota|credit\s*note|"
    r"note\s+de\s+cr[ée]dit|avoir|gutschrift|kasticket|ticket\s+de\s+caisse|receipt|"
    r"tax\s+invoice|facture\s+d['’]acompte|voorschotfactuur)"
    r"(?:\s*(?:n°|nr\.?|no\.?|#|:)?\s*[A-Z]{0,6}[-/ ]?\d[\w\-/.]*)?\s*$",
    re.IGNORECASE,
)

# What only a bank puts on a statement: the balance before and after the movements.
_BALANCE_WORDS = (
    re.compile(
        r"\b(?:oud|vorig|begin)\s*saldo|\bancien\s+solde|\bsolde\s+(?:pr[ée]c[ée]dent|initial|"
        r"d['’]ouverture)|\bopening\s+balance|\bprevious\s+balance|\balter\s+kontostand|"
        r"\banfangssaldo",
        re.IGNORECASE,
    ),
    re.compile(
        r"\bnieuw\s*saldo|\beindsaldo|\bnouveau\s+solde|\bsolde\s+(?:final|de\s+cl[ôo]ture)|"
        r"\bclosing\s+balance|\bnew\s+balance|\bneuer\s+kontostand|\bendsaldo",
        re.IGNORECASE,
    ),
)


def _headings(text: str) -> list[str]:
    """Lines of the top of the first page, and their columns (titles stand beside a logo)."""
    found = []
    lines = [line for line in text.split("\f", 1)[0].splitlines() if line.strip()]
    for line in lines[:TOP_LINES]:
        found.append(" ".join(line.split()))
        parts = [" ".join(part.split()) for part in re.split(r"\s{3,}", line.strip())]
        found.extend(part for part in parts[1:] if part)
    return found


# A document's own number under the label of its kind ("Offertenummer: OF-2026-112"), for when
# its title is lost (a scan's large heading that OCR drops): enough only in a document that
# says nowhere that it is an invoice, as an invoice quotes its quote or delivery note.
NUMBER_OF_KIND = {
    "quote": re.compile(
        r"(?:^|\n)\W{0,3}(?:offerte\s*(?:nummer|nr\.?)|n°\s*de\s*devis|devis\s*(?:n°|nr\.?|no\.?)|"
        r"quot(?:e|ation)\s*(?:number|no\.?|#)|angebots?\s*(?:nummer|nr\.?))\s*[:.#]?\s*\S*\d",
        re.IGNORECASE,
    ),
    "delivery_note": re.compile(
        r"(?:^|\n)\W{0,3}(?:(?:leverings?|pak|aflever)bon\s*(?:nummer|nr\.?)|"
        r"n°\s*de\s*bon\s+de\s+livraison|delivery\s+note\s*(?:number|no\.?|#)|"
        r"lieferschein\s*(?:nummer|nr\.?))\s*[:.#]?\s*\S*\d",
        re.IGNORECASE,
    ),
}


def not_invoice_kind(text: str, *, has_invoice_totals: bool, says_invoice: bool = True) -> str:
    """What the document is when it is not an invoice (a ``Kind`` value), or "".

    An invoice number under an invoice label keeps an order confirmation, a delivery note, a
    quote or terms an invoice (a "delivery note and invoice" in one); a reminder quotes the
    invoices it is about, so there only an invoice's totals do (``has_invoice_totals``: net,
    VAT and gross that add up, with a VAT breakdown), as on a copy of the invoice stamped
    "reminder". A statement lists invoices: its title decides. ``says_invoice``: the
    document calls itself an invoice, a credit note or a receipt somewhere.
    """
    headings = _headings(text)
    if any(INVOICE_TITLE.match(line) for line in headings):
        return ""
    for kind, title in TITLES.items():
        if not any(title.match(line) for line in headings):
            continue
        if kind == "statement_of_account":
            return "bank_statement" if all(w.search(text) for w in _BALANCE_WORDS) else kind
        if kind == "reminder":
            return "" if has_invoice_totals else kind
        return "" if INVOICE_NUMBER.search(text) else kind
    if not says_invoice and not INVOICE_NUMBER.search(text):
        top = "\n".join(headings)
        for kind, label in NUMBER_OF_KIND.items():
            if label.search(top):
                return kind
    return ""


# An invoice number under its label; stricter than the reader's labels ("the invoice follows
# 3 days after delivery" is no number).
INVOICE_NUMBER = re.compile(
    r"\b(?:(?:factuur|facture|invoice|rechnungs?)\s*(?:nummer|nr\.?|n°|no\.?|number|#)|"
    r"factuurnr\.?|rechnungsnr\.?|n°\s*de\s*(?:la\s+)?facture|num[ée]ro\s+de\s+(?:la\s+)?facture)"
    r"[\s:#.°]*(?=[\w\-/.]{3,})[A-Z]{0,8}[-/]?\d",
    re.IGNORECASE,
)
