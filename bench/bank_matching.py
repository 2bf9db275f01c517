"""Benchmark: importing and matching bank statements (issue 16).

A company with 500 customers (a few big ones, some on a subscription of one fixed amount),
60 suppliers and about 500 open purchase documents gets ``--count`` (BENCH_TRANSACTIONS,
default 10,000) bank transactions in ``--files`` (10) CAMT.053 statements, each imported with
``statement_import`` (parse, insert, match) as an upload is. Before each import the company has
``--open`` (5,000) open sales invoices. 10,000 payments settle about 8,000 invoices, more
than are open at once: as in a business that goes on invoicing, the invoices a statement pays
were issued before it, and invoices paid after the benchmark's days keep the book at 5,000 to
the end (made as drafts in bulk, issued between the imports; none of that is timed). 300
customers paid an invoice before (an older statement, matched): their accounts are known.

The transactions are a mix, each with the item it really pays (the truth):
- 50 % the structured communication (OGM) in the bank's field (credits for sales invoices,
  debits for purchase invoices);
- 10 % the OGM typed in the free text with odd separators (a few grouped 4-4-4);
- 10 % partial payments: an invoice in two instalments, by its OGM;
- 10 % from a known account (a customer's from earlier matches, a supplier's from its
  documents), the amount of one open item, no communication;
- 5 % the invoice's number in the text, mostly the amount due, some less bank costs;
- 5 % a name like the customer's (the owner's own account, upper case, a typo) and the amount;
- 10 % nothing to match: card payments, salaries, rent, taxes with the State's OGM, direct
  debits, interest, refunds, transfers from the savings account.

Prints the time of the imports (all of it, per 100 transactions; the parse and the matching
apart), their queries, what the matching did per kind of payment against the truth (every
automatic match is checked: a wrong one is listed) and a second run of the matching over the
transactions left unmatched. ``--profile`` adds the functions where the imports' time goes.
SQLite by default (a file, as ``make run``); PostgreSQL with DATABASE_URL.
"""

import argparse
import cProfile
import datetime
import io
import math
import os
import pstats
import random
import shutil
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from unittest import mock
from xml.sax.saxutils import escape

from _setup import OWN_VAR_DIR  # Django set up for a benchmark
from django.db import connection
from django.test.utils import setup_databases, teardown_databases
from stdnum import iban as iban_check
from stdnum.be import ogm_vcs

COUNT = int(os.environ.get("BENCH_TRANSACTIONS", "10000"))
OPEN = int(os.environ.get("BENCH_OPEN_INVOICES", "5000"))
FILES = int(os.environ.get("BENCH_STATEMENT_FILES", "10"))
CUSTOMERS, SUPPLIERS, PURCHASES, KNOWN_CUSTOMERS = 500, 60, 500, 300
SEED = 16
D = Decimal
CENT = D("0.01")
FIRST_DAY = datetime.date(2026, 11, 2)
OWN_IBAN, SAVINGS_IBAN = "BE68539007547034", "BE43063012345601"

MIX = {  # share of the transactions; the rest is "unrelated"
    "ogm": 0.50,
    "ogm_typed": 0.10,
    "partial": 0.10,
    "known_iban": 0.10,
    "number": 0.05,
    "name": 0.05,
}
PURCHASE_SHARE = {"ogm": 300, "known_iban": 100, "number": 50}  # of the ~500 documents
EXPECTED = {  # what a good matcher does with each kind
    "ogm": "matched",
    "ogm_typed": "matched",
    "partial": "matched",
    "known_iban": "matched, suggested when the customer owes that amount twice",
    "number": "matched, suggested when less is paid",
    "name": "suggested, the right invoice first",
    "unrelated": "not matched",
}


def _words(text: str) -> list[str]:
    return text.split()


TRADES_NL = _words(
    "Bakkerij Slagerij Garage Drukkerij Brouwerij Atelier Apotheek Kapsalon Bouwbedrijf "
    "Schrijnwerkerij Architectenbureau Boekhandel Fietsen Tuinaanleg Elektro Loodgieterij "
    "Vertaalbureau Reisbureau Immo Bistro Traiteur Dakwerken Schilderwerken Bloemen Optiek"
)
TRADES_FR = _words(
    "Boulangerie Boucherie Garage Imprimerie Brasserie Pharmacie Menuiserie Librairie "
    "Traiteur Toitures Fleurs Optique Peinture Transports Consulting"
)
SURNAMES_NL = _words(
    "Janssens Peeters Maes Jacobs Mertens Willems Claes Goossens Wouters Hermans Vermeulen "
    "Lemmens Aerts Verhoeven Michiels Desmet Vandenberghe Coppens Smets Cools Thys Leclercq "
    "Verstraete Hendrickx Bogaert Stevens Pauwels Dierckx Martens Vandamme"
)
SURNAMES_FR = _words(
    "Dubois Lambert Dupont Martin Simon Leroy Laurent Renard Lejeune Gilson Collard Denis "
    "Mathieu Noel Lemaire"
)
FORMS_NL, FORMS_FR = ("BV", "BV", "NV", "CommV", "VOF", ""), ("SRL", "SRL", "SA", "SC", "")
FIRST_NAMES = _words("Jan An Luc Els Tom Sofie Pieter Lies Marc Inge Pierre Marie Anne")
SUPPLIER_WORDS = _words(
    "Groothandel Leasing Transport Verpakking Kantoorartikelen Schoonmaak Telecom Energie "
    "Hosting Catering Beveiliging Uitzendbureau Grafisch Meubelen Koeltechniek"
)
SUPPLIER_NAMES = _words(
    "Delta Orion Noord Vlaanderen Benelux Atlas Horizon Quadrant Meridiaan Phoenix Zenit Polaris"
)


@dataclass
class Party:
    name: str
    iban: str
    weight: float = 1.0
    trade: str = ""
    surname: str = ""
    subscription: Decimal | None = None
    number_style: str = ""  # suppliers: how they number their invoices
    pk: int = 0


@dataclass
class Item:
    """An invoice (sales) or a document (purchase) to make, and which file first pays it."""

    kind: str  # "invoice" or "document"
    party: int
    total: Decimal
    number: str = ""
    ogm: str = ""
    first_file: int | None = None  # None: not paid in the benchmark's days
    issue_date: datetime.date = FIRST_DAY
    iban: str = ""  # documents: the IBAN read on it
    credit_note: bool = False
    filler: bool = False  # an old overdue invoice, issued before the first import
    pk: int = 0


@dataclass
class Planned:
    """A transaction to write, what it pays (the truth), and how it says so."""

    category: str
    variant: str
    item: int | None  # index in sales or purchases, by ``truth_kind``
    truth_kind: str = "invoice"
    amount: Decimal = Decimal(0)  # signed
    name: str = ""
    iban: str = ""
    structured: str = ""
    text: str = ""
    file: int = 0
    ref: str = ""


@dataclass
class Plan:
    customers: list[Party]
    suppliers: list[Party]
    sales: list[Item]
    purchases: list[Item]
    transactions: list[Planned]
    known: list[int]  # customers with an earlier matched payment
    files: int
    days: list[datetime.date] = field(default_factory=list)


# the data ---------------------------------------------------------------------------------


def ogm(base: int) -> str:
    digits = f"{base:010d}"
    return digits + ogm_vcs.calc_check_digits(digits)


def be_iban(rng: random.Random) -> str:
    account = rng.randrange(10**9, 10**10)
    bban = f"{account:010d}{account % 97 or 97:02d}"
    number = "BE" + iban_check.calc_check_digits("BE00" + bban) + bban
    return number


def _amount(rng: random.Random) -> Decimal:
    value = min(max(math.exp(rng.gauss(6.2, 0.9)), 15), 25_000)
    return D(f"{value:.2f}")


def _customers(rng: random.Random) -> list[Party]:
    pairs = [(t, s, FORMS_NL) for t in TRADES_NL for s in SURNAMES_NL]
    pairs += [(t, s, FORMS_FR) for t in TRADES_FR for s in SURNAMES_FR]
    rng.shuffle(pairs)
    customers = []
    for rank, (trade, surname, forms) in enumerate(pairs[:CUSTOMERS]):
        name = " ".join(word for word in (trade, surname, rng.choice(forms)) if word)
        weight = 1 / (rank + 1) ** 0.8
        customers.append(Party(name, be_iban(rng), weight, trade=trade, surname=surname))
    rng.shuffle(customers)
    for party in customers[:40]:
        party.subscription = rng.choice([D("49.00"), D("99.00"), D("121.00"), D("60.50")])
    return customers


def _suppliers(rng: random.Random) -> list[Party]:
    names = [f"{rng.choice(SUPPLIER_NAMES)} {word}" for word in SUPPLIER_WORDS]
    while len(names) < SUPPLIERS:
        name = f"{rng.choice(SUPPLIER_NAMES)} {rng.choice(SUPPLIER_WORDS)}"
        if name not in names:
            names.append(name)
    styles = ["F{year}/{n:04d}", "INV-{n:05d}", "{n}", "{year}-{n:05d}", "{year}{n:06d}"]
    return [
        Party(
            name=f"{name} {rng.choice(FORMS_NL[:3])}",
            iban=be_iban(rng),
            weight=1 / (rank + 1) ** 0.7,
            number_style=rng.choice(styles),
        )
        for rank, name in enumerate(names[:SUPPLIERS])
    ]


def _split(count: int) -> dict[str, int]:
    counts = {category: round(count * share) for category, share in MIX.items()}
    counts["unrelated"] = count - sum(counts.values())
    return counts


def _name_variant(rng: random.Random, party: Party) -> tuple[str, str]:
    """How a customer's name comes back from another account: the owner's, a typo…"""
    trade, surname = party.trade, party.surname
    choice = rng.randrange(5)
    if choice == 0:
        return "upper, another legal form", f"{trade} {surname} BVBA".upper()
    if choice == 1:
        return "words swapped", f"{surname} {trade}"
    if choice == 2:
        typo = rng.randrange(1, len(trade) - 1)
        return "typo", f"{trade[:typo]}{trade[typo + 1 :]} {surname}"
    if choice == 3:
        return "the owner's account", f"{rng.choice(FIRST_NAMES)} {surname}".upper()
    return "initial", f"{rng.choice(FIRST_NAMES)[0]}. {surname}"


def _typed(rng: random.Random, reference: str, number: str) -> tuple[str, str]:
    a, b, c = reference[:3], reference[3:7], reference[7:]
    variants = [
        ("+++/+++", f"+++{a}/{b}/{c}+++"),
        ("slashes", f"{a}/{b}/{c}"),
        ("spaces", f"{a} {b} {c}"),
        ("dashes", f"{a}-{b}-{c}"),
        ("dots", f"{a}.{b}.{c}"),
        ("stars", f"***{a}*{b}*{c}***"),
        ("12 digits", reference),
        ("spaced slashes", f"{a} / {b} / {c}"),
        ("with the number", f"factuur {number} +++{a}/{b}/{c}+++"),
    ]
    label, typed = rng.choice(variants)
    if rng.random() < 0.05:
        label, typed = "grouped 4-4-4", f"{reference[:4]} {reference[4:8]} {reference[8:]}"
    prefix = rng.choice(["", "", "betaling ", "mededeling: ", "Factuur ", "communication "])
    return label, prefix + typed


def _unrelated(rng: random.Random, customers: list[Party], suppliers: list[Party]) -> Planned:
    """A movement that pays none of the open items (what else a business account sees)."""
    roll, amount = rng.random(), _amount(rng)
    person = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES_NL + SURNAMES_FR)}"
    if roll < 0.35:
        shop = rng.choice(["SHELL GENT", "COLRUYT LEDEBERG", "DELHAIZE", "IKEA", "BOL.COM"])
        card = f"{rng.randrange(1000, 9999)} XXXX XXXX {rng.randrange(1000, 9999)}"
        when = f"{rng.randrange(10, 28)}/11 {rng.randrange(8, 20)}:{rng.randrange(10, 59)}"
        text = f"BETALING BANCONTACT {shop} {when} KAART {card}"
        return Planned("unrelated", "card payment", None, amount=-amount / 4, name=shop, text=text)
    if roll < 0.55:
        creditor = rng.choice(["Proximus NV", "Telenet BV", "Engie", "AXA Belgium", "Ethias"])
        text = (
            f"Europese domiciliering {creditor.split()[0]} factuur "
            f"{rng.randrange(10**10, 10**11)} mandaat {rng.randrange(100000, 999999)}"
        )
        row = Planned("unrelated", "direct debit", None, amount=-amount, name=creditor, text=text)
    elif roll < 0.70:
        row = Planned("unrelated", "salary", None, amount=-amount * 4, name=person)
        row.text = "Loon oktober 2026"
    elif roll < 0.75:
        state = rng.choice(["RSZ", "FOD Financien BTW", "Vlaamse Belastingdienst"])
        row = Planned("unrelated", "tax, the State's OGM", None, amount=-amount, name=state)
        row.structured = ogm(9_000_000_000 + rng.randrange(10**8))
        row.iban = "BE63679200002208"
    elif roll < 0.77:
        row = Planned("unrelated", "rent", None, amount=D("-1850.00"), name="Vastgoed Noord NV")
        row.text = "Huur december 2026 Kerkstraat 1"
    elif roll < 0.82:
        supplier = rng.choice(suppliers)
        row = Planned("unrelated", "refund from a supplier", None, amount=amount)
        row.name, row.iban = supplier.name, supplier.iban
        row.text = f"Terugbetaling dossier {rng.randrange(1000, 9999)}"
    elif roll < 0.88:
        customer = rng.choice(customers)
        row = Planned("unrelated", "advance from a customer", None, amount=amount)
        row.name, row.iban = customer.name.upper(), customer.iban
        row.text = f"Voorschot offerte OFF-{rng.randrange(100, 999)}"
    elif roll < 0.93:
        row = Planned(
            "unrelated", "own savings", None, amount=amount * 5, name="Eigen spaarrekening"
        )
        row.iban, row.text = SAVINGS_IBAN, "Overschrijving eigen rekening"
        return row
    elif roll < 0.96:
        return Planned("unrelated", "interest", None, amount=amount / 100, text="Intresten Q4")
    else:
        row = Planned("unrelated", "unknown payer", None, amount=amount, name=person)
        row.text = "Cadeaubon"
    row.iban = row.iban or be_iban(rng)
    return row


def build_plan(count: int, open_count: int, files: int, seed: int = SEED) -> Plan:
    rng = random.Random(seed)
    customers, suppliers = _customers(rng), _suppliers(rng)
    known = rng.sample(range(CUSTOMERS), KNOWN_CUSTOMERS)
    customer_weights = [c.weight for c in customers]
    known_weights = [customers[i].weight for i in known]
    supplier_weights = [s.weight for s in suppliers]
    counts = _split(count)
    shares = {k: min(v, counts[k]) for k, v in PURCHASE_SHARE.items()} if count >= 5000 else {}
    sales: list[Item] = []
    purchases: list[Item] = []
    planned: list[Planned] = []

    def sale(customer: int) -> int:
        total = customers[customer].subscription or _amount(rng)
        sales.append(Item("invoice", customer, total))
        return len(sales) - 1

    def purchase(supplier: int, *, with_iban: bool = False, credit_note: bool = False) -> int:
        party = suppliers[supplier]
        document = Item("document", supplier, _amount(rng), credit_note=credit_note)
        document.iban = party.iban if with_iban or rng.random() < 0.6 else ""
        document.ogm = ogm(7_000_000_000 + len(purchases) * 37) if rng.random() < 0.7 else ""
        purchases.append(document)
        return len(purchases) - 1

    def pick_customer(known_only: bool = False) -> int:
        if known_only:
            return rng.choices(known, known_weights)[0]
        return rng.choices(range(CUSTOMERS), customer_weights)[0]

    def pick_supplier() -> int:
        return rng.choices(range(len(suppliers)), supplier_weights)[0]

    def from_customer(category: str, variant: str, c: int, invoice: int, text: str = "") -> None:
        name = _bank_name(rng, customers[c].name)
        row = Planned(category, variant, invoice, name=name, iban=customers[c].iban, text=text)
        planned.append(row)

    def to_supplier(category: str, variant: str, s: int, document: int) -> None:
        name, iban = suppliers[s].name, suppliers[s].iban
        planned.append(Planned(category, variant, document, "document", name=name, iban=iban))

    for _ in range(counts["ogm"] - shares.get("ogm", 0)):
        c = pick_customer()
        from_customer("ogm", "structured, sales", c, sale(c))
    for _ in range(shares.get("ogm", 0)):
        s = pick_supplier()
        d = purchase(s)
        purchases[d].ogm = purchases[d].ogm or ogm(7_500_000_000 + d)
        to_supplier("ogm", "structured, purchase", s, d)
    for _ in range(counts["ogm_typed"]):
        c = pick_customer()
        from_customer("ogm_typed", "", c, sale(c))
    for n in range(counts["partial"]):
        if n % 2 == 0:  # two instalments of one invoice
            c = pick_customer()
            invoice = sale(c)
            if customers[c].subscription:
                sales[invoice].total = _amount(rng) + D("100")
        from_customer("partial", "structured" if rng.random() < 0.7 else "typed", c, invoice)
    for _ in range(counts["known_iban"] - shares.get("known_iban", 0)):
        c = pick_customer(known_only=True)
        variant = "subscription" if customers[c].subscription else "customer"
        text = rng.choice(["", "", "", "betaling", "paiement", "Factuur"])
        from_customer("known_iban", variant, c, sale(c), text)
    for _ in range(shares.get("known_iban", 0)):
        s = pick_supplier()
        to_supplier("known_iban", "supplier", s, purchase(s, with_iban=True))
    for _ in range(counts["number"] - shares.get("number", 0)):
        c = pick_customer()
        variant = "amount due" if rng.random() < 0.85 else "less bank costs"
        from_customer("number", variant, c, sale(c))
    for _ in range(shares.get("number", 0)):
        s = pick_supplier()
        to_supplier("number", "purchase", s, purchase(s))
    for _ in range(counts["name"]):
        c = pick_customer()
        variant, name = _name_variant(rng, customers[c])
        text = rng.choice(["", "betaling"])
        planned.append(Planned("name", variant, sale(c), name=name, iban=be_iban(rng), text=text))
    for _ in range(counts["unrelated"]):
        row = _unrelated(rng, customers, suppliers)
        row.amount = row.amount.quantize(CENT)
        planned.append(row)
    # the documents nobody pays in these days, a few credit notes among them
    while len(purchases) < PURCHASES * min(1, count / 10_000):
        purchase(pick_supplier(), credit_note=rng.random() < 0.2)

    # the files: the transactions in a random order, cut in equal parts
    rng.shuffle(planned)
    per_file = math.ceil(len(planned) / files)
    days = [FIRST_DAY + datetime.timedelta(days=n + 2 * (n // 5)) for n in range(files)]
    for position, row in enumerate(planned):
        row.file = position // per_file
        row.ref = f"BENCH-{row.file:02d}-{position:06d}"
    by_item: dict[tuple[str, int], list[Planned]] = defaultdict(list)
    for row in planned:
        if row.item is not None:
            by_item[(row.truth_kind, row.item)].append(row)
    for (kind, index), rows in by_item.items():
        item = (sales if kind == "invoice" else purchases)[index]
        item.first_file = rows[0].file
        item.issue_date = days[rows[0].file] - datetime.timedelta(days=rng.randint(8, 45))

    # invoices never paid in these days: old overdue ones, and recent ones paid later
    fillers = int(open_count * 0.3)
    for n in range(open_count):
        index = sale(pick_customer())
        sales[index].filler = n < fillers
        back = rng.randint(60, 200) if n < fillers else rng.randint(0, 20)
        sales[index].issue_date = FIRST_DAY - datetime.timedelta(days=back)
    # numbers and OGMs in the order the invoices were issued
    order = sorted(range(len(sales)), key=lambda i: (sales[i].issue_date, i))
    for n, index in enumerate(order, 1):
        sales[index].number = f"2026-{n:05d}"
        sales[index].ogm = ogm(2_600_000_000 + n)
    for n, document in enumerate(purchases, 1):
        style = suppliers[document.party].number_style
        document.number = style.format(year=2026, n=n * 7 + 100)
        if document.first_file is None:
            document.issue_date = FIRST_DAY - datetime.timedelta(days=rng.randint(0, 40))

    # what each transaction says, now that the items have their numbers
    for row in planned:
        if row.item is None:
            continue
        item = (sales if row.truth_kind == "invoice" else purchases)[row.item]
        sign = 1 if row.truth_kind == "invoice" or item.credit_note else -1
        row.amount = item.total * sign
        if row.category == "ogm":
            row.structured = item.ogm
        elif row.category == "ogm_typed":
            row.variant, row.text = _typed(rng, item.ogm, item.number)
        elif row.category == "number":
            if row.variant == "less bank costs":
                row.amount -= D(rng.choice(["0.50", "1.25", "7.50", "15.00"]))
            template = rng.choice(["Factuur {}", "fact. {}", "Invoice {} thanks", "{}", "ref {}"])
            number = item.number.replace("-", "/") if rng.random() < 0.3 else item.number
            row.text = template.format(number)
    for (kind, index), rows in by_item.items():  # the instalments: the earlier one first
        item = (sales if kind == "invoice" else purchases)[index]
        if len(rows) == 2:
            first = (item.total * D(rng.uniform(0.3, 0.7))).quantize(CENT)
            for row, amount in ((rows[0], first), (rows[1], item.total - first)):
                row.amount = amount
                if row.variant.startswith("typed"):
                    label, row.text = _typed(rng, item.ogm, item.number)
                    row.variant = f"typed, {label}"
                else:
                    row.structured = item.ogm
        elif rows[0].category == "partial":  # an odd count: one part only
            rows[0].amount = (item.total * D("0.5")).quantize(CENT)
            rows[0].structured = item.ogm
    return Plan(customers, suppliers, sales, purchases, planned, known, files, days)


def _bank_name(rng: random.Random, name: str) -> str:
    """A payer's name as banks pass it on: often upper case, sometimes cut short."""
    if rng.random() < 0.5:
        name = name.upper()
    return name[:35] if rng.random() < 0.8 else name[:18]


# the statements ---------------------------------------------------------------------------

ENTRY = """<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
<Amt Ccy="EUR">{amount}</Amt>{parties}{remittance}
</TxDtls></NtryDtls></Ntry>
"""


def _entry(row: Planned, day: datetime.date) -> str:
    side, party = ("CRDT", "Dbtr") if row.amount > 0 else ("DBIT", "Cdtr")
    account = f"<{party}Acct><Id><IBAN>{row.iban}</IBAN></Id></{party}Acct>" if row.iban else ""
    parties = (
        f"<RltdPties><{party}><Pty><Nm>{escape(row.name)}</Nm></Pty></{party}>{account}</RltdPties>"
    )
    remittance = ""
    if row.structured:
        remittance = (
            "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr>"
            f"</Tp><Ref>{row.structured}</Ref></CdtrRefInf></Strd></RmtInf>"
        )
    elif row.text:
        remittance = f"<RmtInf><Ustrd>{escape(row.text)}</Ustrd></RmtInf>"
    return ENTRY.format(
        amount=f"{abs(row.amount):.2f}",
        side=side,
        day=day.isoformat(),
        ref=row.ref,
        family="RCDT" if side == "CRDT" else "ICDT",
        sub="ESCT",
        parties=parties,
        remittance=remittance,
    )


def statement_file(rows: list[Planned], day: datetime.date, number: int, opening: Decimal) -> bytes:
    closing = opening + sum((row.amount for row in rows), D("0"))

    def balance(code: str, amount: Decimal) -> str:
        side = "CRDT" if amount >= 0 else "DBIT"
        return (
            f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(amount):.2f}'
            f"</Amt><CdtDbtInd>{side}</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
        )

    body = "".join(_entry(row, day) for row in rows)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>BENCH-{day:%Y%m%d}</MsgId><CreDtTm>{day.isoformat()}T18:00:00</CreDtTm></GrpHdr>
<Stmt><Id>2026-{number:03d}</Id><ElctrncSeqNb>{number}</ElctrncSeqNb><CreDtTm>{day.isoformat()}T18:00:00</CreDtTm>
<Acct><Id><IBAN>{OWN_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>
{balance("OPBD", opening)}{balance("CLBD", closing)}
{body}</Stmt></BkToCstmrStmt></Document>""".encode()


# the database -----------------------------------------------------------------------------


def populate(plan: Plan):  # type: ignore[no-untyped-def]
    """The company, its account, customers, invoices (as drafts, and the old overdue ones
    issued), documents and the earlier matched payments, in bulk."""
    from django.utils import timezone

    from apps.banking.models import BankAccount, BankTransaction, Match, Statement, StatementFile
    from apps.companies.scoping import company_scope
    from apps.documents.models import Document, Kind, Source
    from apps.sales.models import Customer, Invoice
    from tests import factories

    company = factories.CompanyFactory(name="Groothandel Bench BV", iban=OWN_IBAN)
    now = timezone.now()
    with company_scope(company):
        BankAccount.objects.create(company=company, iban=OWN_IBAN, name="Zichtrekening")
        made = Customer.objects.bulk_create(
            Customer(company=company, name=party.name, vat_treatment="domestic")
            for party in plan.customers
        )
        for party, row in zip(plan.customers, made, strict=True):
            party.pk = row.pk
        invoices = Invoice.objects.bulk_create(
            (
                Invoice(
                    company=company,
                    customer_id=plan.customers[item.party].pk,
                    kind=Invoice.Kind.INVOICE,
                    status=Invoice.Status.ISSUED if item.filler else Invoice.Status.DRAFT,
                    number=item.number,
                    issue_date=item.issue_date,
                    due_date=item.issue_date + datetime.timedelta(days=30),
                    vat_treatment="domestic",
                    structured_communication=item.ogm,
                    customer_snapshot={"name": plan.customers[item.party].name},
                    total_excl_vat=(item.total / D("1.21")).quantize(CENT),
                    total_vat=item.total - (item.total / D("1.21")).quantize(CENT),
                    total_incl_vat=item.total,
                    issued_at=now,
                )
                for item in plan.sales
            ),
            batch_size=1000,
        )
        for item, row in zip(plan.sales, invoices, strict=True):
            item.pk = row.pk
        documents = Document.objects.bulk_create(
            (
                Document(
                    company=company,
                    source=Source.UPLOAD,
                    received_at=now,
                    original=f"bench/{n}.pdf",
                    original_filename=f"factuur-{n}.pdf",
                    content_type="application/pdf",
                    file_kind="pdf",
                    size=1000,
                    sha256=f"{n:064x}",
                    status=Document.Status.READY,
                    kind=Kind.PURCHASE_CREDIT_NOTE if item.credit_note else Kind.PURCHASE_INVOICE,
                    counterparty_name=plan.suppliers[item.party].name,
                    counterparty_iban=item.iban,
                    number=item.number,
                    issue_date=item.issue_date,
                    due_date=item.issue_date + datetime.timedelta(days=30),
                    total_incl_vat=item.total,
                    structured_communication=item.ogm,
                )
                for n, item in enumerate(plan.purchases)
            ),
            batch_size=1000,
        )
        for item, row in zip(plan.purchases, documents, strict=True):
            item.pk = row.pk

        # the earlier payments: one paid invoice per known customer, matched
        day = FIRST_DAY - datetime.timedelta(days=40)
        account = BankAccount.objects.get(company=company)
        kept = StatementFile.objects.create(
            company=company,
            filename="earlier.xml",
            file="bench/earlier.xml",
            sha256="0" * 64,
            status=StatementFile.Status.IMPORTED,
            source="upload",
        )
        statement = Statement.objects.create(
            company=company,
            account=account,
            file=kept,
            format="camt053",
            number="2026-000",
            date=day,
        )
        earlier = Invoice.objects.bulk_create(
            Invoice(
                company=company,
                customer_id=plan.customers[index].pk,
                status=Invoice.Status.PAID,
                number=f"2025-{n:05d}",
                issue_date=day - datetime.timedelta(days=20),
                due_date=day + datetime.timedelta(days=10),
                vat_treatment="domestic",
                structured_communication=ogm(2_500_000_000 + n),
                customer_snapshot={"name": plan.customers[index].name},
                total_incl_vat=D("100.00") + n,
                paid_amount=D("100.00") + n,
                paid_on=day,
                issued_at=now,
            )
            for n, index in enumerate(plan.known)
        )
        paid = BankTransaction.objects.bulk_create(
            BankTransaction(
                company=company,
                account=account,
                statement=statement,
                identity=f"earlier:{n}",
                booking_date=day,
                value_date=day,
                amount=invoice.total_incl_vat,
                counterparty_name=plan.customers[index].name,
                counterparty_iban=plan.customers[index].iban,
                structured_reference=invoice.structured_communication,
                match_state="matched",
                matched_amount=invoice.total_incl_vat,
            )
            for n, (index, invoice) in enumerate(zip(plan.known, earlier, strict=True))
        )
        Match.objects.bulk_create(
            Match(
                company=company,
                transaction=row,
                invoice=invoice,
                amount=invoice.total_incl_vat,
                state=Match.State.MATCHED,
                automatic=True,
                score=D("1"),
                reasons=[{"rule": "reference"}],
                decided_at=now,
            )
            for row, invoice in zip(paid, earlier, strict=True)
        )
    return company


def issue_for(company, plan: Plan, file: int, open_count: int) -> int:  # type: ignore[no-untyped-def]
    """Before a file's import: every invoice it pays issued, and as many of the next ones as
    keep ``open_count`` invoices open. The number open."""
    from apps.companies.scoping import company_scope
    from apps.sales.models import Invoice

    with company_scope(company):
        invoices = Invoice.objects.filter(company=company, kind=Invoice.Kind.INVOICE)
        drafts = set(invoices.filter(status=Invoice.Status.DRAFT).values_list("pk", flat=True))
        due = [
            i.pk
            for i in plan.sales
            if i.pk in drafts and i.first_file is not None and i.first_file <= file
        ]
        invoices.filter(pk__in=due).update(status=Invoice.Status.ISSUED)
        drafts -= set(due)
        is_open = invoices.filter(status=Invoice.Status.ISSUED).count()
        queue = sorted(
            (i for i in plan.sales if i.pk in drafts),
            key=lambda i: (i.first_file if i.first_file is not None else 10**6, i.pk),
        )
        more = [i.pk for i in queue[: max(0, open_count - is_open)]]
        invoices.filter(pk__in=more).update(status=Invoice.Status.ISSUED)
        return is_open + len(more)


# the run ----------------------------------------------------------------------------------


class Counted:
    """Queries and their seconds in the driver, by statement kind (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.kinds: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - begin
            self.kinds[sql.lstrip().split(None, 1)[0].upper()] += 1


@dataclass
class Timed:
    seconds: float = 0.0
    queries: int = 0


class Stopwatch:
    """Seconds and queries of the functions the imports call, each wrapped where it is
    looked up (``mock.patch.object``); the callers are left as they are."""

    def __init__(self, counter: Counted) -> None:
        self.counter = counter
        self.parts: dict[str, Timed] = {}

    def watch(self, owner: object, name: str, label: str) -> None:
        function, into = getattr(owner, name), self.parts.setdefault(label, Timed())

        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            begin, queries = time.perf_counter(), self.counter.count
            try:
                return function(*args, **kwargs)
            finally:
                into.seconds += time.perf_counter() - begin
                into.queries += self.counter.count - queries

        mock.patch.object(owner, name, wrapper).start()


# per bank reference: its state, the items of each proposal, the rule of the best one
Found = dict[str, tuple[str, list[set[tuple[str, int]]], str]]


def outcomes(company) -> Found:  # type: ignore[no-untyped-def]
    """Per bank reference: ``matched``, ``suggested`` or ``unmatched``, and the items of each
    proposal (the automatic match first)."""
    from apps.banking.models import BankTransaction, Match
    from apps.companies.scoping import company_scope

    found: Found = {}
    with company_scope(company):
        rows = BankTransaction.objects.filter(company=company, identity__startswith="ref:BENCH-")
        for identity in rows.values_list("identity", flat=True):
            found[identity[4:]] = ("unmatched", [], "")
        proposals: dict[str, dict[int, set[tuple[str, int]]]] = defaultdict(
            lambda: defaultdict(set)
        )
        states: dict[str, str] = {}
        rules: dict[str, str] = {}
        matches = (
            Match.objects.filter(company=company, transaction__identity__startswith="ref:BENCH-")
            .exclude(state=Match.State.REJECTED)
            .order_by("transaction_id", "proposal")
            .values_list(
                "transaction__identity", "state", "proposal", "invoice_id", "document_id", "reasons"
            )
        )
        for identity, state, proposal, invoice_id, document_id, reasons in matches:
            ref = identity[4:]
            item = ("invoice", invoice_id) if invoice_id else ("document", document_id)
            proposals[ref][proposal if state == Match.State.SUGGESTED else 0].add(item)
            rules.setdefault(ref, reasons[0]["rule"] if reasons else "")
            states[ref] = (
                "matched" if state == Match.State.MATCHED else states.get(ref, "suggested")
            )
        for ref, by_number in proposals.items():
            found[ref] = (states[ref], [by_number[n] for n in sorted(by_number)], rules[ref])
    return found


VERDICTS = {  # column: its heading
    "right": "matched right",
    "WRONG": "matched WRONG",
    "first": "suggested right first",
    "later": "suggested right later",
    "none": "suggested none right",
    "no": "not matched",
}


def verdicts(plan: Plan, found: Found) -> tuple[dict[str, Counter[str]], list[str]]:
    """Per kind of payment (and per variant, indented), how many of each verdict; and a line
    for each wrong automatic match and each suggestion for a movement that pays nothing."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    wrong = []
    for row in plan.transactions:
        state, proposals, rule = found[row.ref]
        truth = None
        if row.item is not None:
            item = (plan.sales if row.truth_kind == "invoice" else plan.purchases)[row.item]
            truth = (row.truth_kind, item.pk)
        if state == "matched":
            verdict = "right" if proposals[0] == {truth} else "WRONG"
        elif state == "suggested" and truth is not None and proposals[0] == {truth}:
            verdict = "first"
        elif state == "suggested" and truth is not None and any(truth in p for p in proposals):
            verdict = "later"
        else:
            verdict = "none" if state == "suggested" else "no"
        if verdict == "WRONG" or (verdict == "none" and truth is None):
            said = row.text or row.structured
            wrong.append(
                f"{verdict:5} {row.ref} {row.category}/{row.variant} {row.amount} {row.name!r} "
                f"{said!r}, by the rule {rule}"
            )
        table[row.category][verdict] += 1
        table[f"  {row.category}: {row.variant}"][verdict] += 1
    return table, wrong


def run(count: int, open_count: int, files: int, profile: bool, by_variant: bool) -> None:
    from apps.banking import matching
    from apps.banking.services import matches, statements
    from apps.companies.scoping import company_scope

    started = time.perf_counter()
    plan = build_plan(count, open_count, files)
    company = populate(plan)
    data = []
    opening = D("25000.00")
    for n in range(files):
        rows = [row for row in plan.transactions if row.file == n]
        data.append(statement_file(rows, plan.days[n], n + 1, opening))
        opening += sum((row.amount for row in rows), D("0"))
    prepared = time.perf_counter() - started

    counter = Counted()
    clock = Stopwatch(counter)
    clock.watch(statements, "parse_statement", "parse (CAMT.053)")
    clock.watch(statements, "transactions_match", "match (transactions_match)")
    clock.watch(matches, "_sales_items", "  open sales invoices read")
    clock.watch(matches, "_purchase_items", "  open purchase documents read")
    clock.watch(matches, "_known_ibans", "  known accounts read")
    clock.watch(matching.Matcher, "propose", "  the rules (Matcher.propose)")
    clock.watch(matching.Matcher, "_combinations", "    of which combinations")
    clock.watch(matches, "_settle", "  invoices and documents paid")
    profiler = cProfile.Profile() if profile else None
    imports = Timed()
    totals: Counter[str] = Counter()
    per_file = []
    try:
        with company_scope(company), connection.execute_wrapper(counter):
            for n in range(files):
                open_now = issue_for(company, plan, n, open_count)
                queries, match_s = counter.count, clock.parts["match (transactions_match)"].seconds
                begin = time.perf_counter()
                if profiler:
                    profiler.enable()
                result = statements.statement_import(
                    company=company, data=data[n], filename=f"bench-{n + 1:02d}.xml"
                )
                if profiler:
                    profiler.disable()
                elapsed = time.perf_counter() - begin
                imports.seconds += elapsed
                imports.queries += counter.count - queries
                assert not result.errors, result.errors
                totals.update(result.as_json() | {"errors": 0})
                match_s = clock.parts["match (transactions_match)"].seconds - match_s
                per_file.append((open_now, result.new, elapsed, match_s, counter.count - queries))
            kinds = Counter(counter.kinds)
            found = outcomes(company)
            left = sum(1 for state, *_rest in found.values() if state == "unmatched")
            begin, queries = time.perf_counter(), counter.count
            again = matches.transactions_match(company=company)
            again_s, again_q = time.perf_counter() - begin, counter.count - queries
            found_again = outcomes(company)
    finally:
        mock.patch.stopall()

    per = totals["new"] / 100
    sizes = [len(d) / 1024 for d in data]
    print(
        f"bank matching: {totals['new']:,} transactions in {files} CAMT.053 files "
        f"({min(sizes):.0f}-{max(sizes):.0f} kB), at least {open_count:,} open sales invoices "
        f"at each import, {len(plan.purchases)} purchase documents, {CUSTOMERS} customers; "
        f"{connection.vendor}"
    )
    print(f"  preparation (plan, rows in bulk, files) {prepared:6.1f} s   (not the figure)")
    print(f"  {'':40}{'seconds':>8} {'per 100':>8} {'queries':>8}")
    rest = Timed(imports.seconds, imports.queries)
    lines = [(f"statement_import, {files} files", imports)]
    for label, part in clock.parts.items():
        lines.append((f"  {label}", part))
        if not label.startswith(" "):
            rest.seconds -= part.seconds
            rest.queries -= part.queries
    lines.append(("  the rest (file kept, rows inserted)", rest))
    for label, part in lines:
        print(f"  {label:40}{part.seconds:8.2f} {part.seconds / per:8.3f} {part.queries:8}")
    print(
        f"  {imports.queries / files:.0f} queries per import, {counter.seconds:.2f} s in the "
        "driver in all: " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())
    )
    print("  per import: open invoices, transactions, seconds, of which matching, queries")
    for n, (open_now, new, elapsed, match_s, queries) in enumerate(per_file, 1):
        print(f"    {n:2} {open_now:7,} {new:7,} {elapsed:7.2f} s {match_s:6.2f} s {queries:5}")
    print(
        f"  outcome: matched {totals['matched']:,}, suggested {totals['suggested']:,}, "
        f"not matched {totals['unmatched']:,}"
    )
    table, wrong = verdicts(plan, found)
    headings = [heading.split(" ", 1) for heading in VERDICTS.values()]
    print(f"  {'against the truth':30}" + "".join(f"{first:>12}" for first, _ in headings))
    print(f"  {'':30}" + "".join(f"{rest_:>12}" for _, rest_ in headings))
    variants = sorted(k for k in table if k.startswith("  ")) if by_variant else []
    for category in [*EXPECTED, *variants]:
        if category in table:
            print(f"  {category[:30]:30}" + "".join(f"{table[category][v]:12,}" for v in VERDICTS))
    print("  expected: " + "; ".join(f"{kind} {what}" for kind, what in EXPECTED.items()))
    automatic = sum(table[c]["right"] + table[c]["WRONG"] for c in EXPECTED)
    wrong_n = sum(table[c]["WRONG"] for c in EXPECTED)
    print(
        f"  automatic matches right: {automatic - wrong_n:,} of {automatic:,}; wrong: {wrong_n}; "
        f"suggestions for a movement that pays nothing: {len(wrong) - wrong_n}"
    )
    for line in wrong[:20]:
        print(f"    {line}")
    table_again, _lines = verdicts(plan, found_again)
    print(
        f"  matching again over the {left:,} left unmatched: {again_s:.2f} s, {again_q} "
        f"queries; matched {again.matched}, suggested {again.suggested}; wrong automatic "
        f"matches then: {sum(table_again[c]['WRONG'] for c in EXPECTED)}"
    )
    if profiler:
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(30)
        print(stream.getvalue())


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--count", type=int, default=COUNT, help="transactions (10,000)")
    arguments.add_argument("--open", type=int, default=OPEN, help="open invoices (5,000)")
    arguments.add_argument("--files", type=int, default=FILES, help="statement files (10)")
    arguments.add_argument("--profile", action="store_true", help="cProfile of the imports")
    arguments.add_argument("--variants", action="store_true", help="the table per variant too")
    options = arguments.parse_args()
    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":  # a file, as `make run` has, not the tests' memory
        test["NAME"] = str(Path(os.environ["OKIOKI_VAR_DIR"]) / "bench-bank-matching.sqlite3")
    else:  # a name of its own: another benchmark's database is not dropped
        test["NAME"] = "test_okioki_bench_bank_matching"
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        run(options.count, options.open, options.files, options.profile, options.variants)
    finally:
        teardown_databases(databases, verbosity=0)
        if OWN_VAR_DIR:
            shutil.rmtree(os.environ["OKIOKI_VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
