"""The invoices of the test set as data: who sells to whom, in which language and layout
family, with which label words and printed formats, and the fields a reader should find."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from tests.documents.corpus import data
from tests.documents.corpus.data import D, Money, Party

SEED = "okioki-corpus-1"

# Layout families: the holdout ones never appear in the tune set (see the package docstring).
TUNE_FAMILIES = [
    "classic_left",
    "letterhead_right",
    "centred_title",
    "two_column",
    "footer_identity",
    "boxed_meta",
    "table_footer",
    "multi_page",
    "header_band",
    "vat_summary",
    "subject_letter",
    "dotted_form",
]
HOLDOUT_FAMILIES = ["letter", "sidebar", "plain_mono", "deposit_summary", "din_window"]
PER_FAMILY = {"tune": 13, "holdout": 10}

NUMBER_STYLES = ["year-F", "prefix6", "compact", "prefix-year", "year-dash", "inv", "short"]
# Styles of the tune set only, drawn after the common ones (the holdout draws stay as they were).
TUNE_NUMBER_STYLES = ["slash-prefix", "digits"]
HOLDOUT_NUMBER_STYLES = ["year-slash", "dotted", "plain"]
DATE_STYLES = ["slash", "long", "iso", "dot", "slash", "long"]
HOLDOUT_DATE_STYLES = ["short", "dash"]
AMOUNT_STYLES = ["dot", "dot", "space", "nbsp", "en", "plain"]
CURRENCY_STYLES = ["€ before", "€ after", "EUR after", "EUR before", ""]
FONTS = ["DejaVu Sans", "DejaVu Serif", "DejaVu Sans Condensed", "DejaVu Sans Light"]


@dataclass
class Invoice:
    name: str
    split: str  # tune or holdout
    family: str
    language: str
    seller: Party
    buyer: Party
    number: str
    issue_date: datetime.date
    due_date: datetime.date | None
    money: Money
    ogm: str = ""
    credit_note: bool = False
    reverse_charge: bool = False
    original_number: str = ""  # the invoice a credit note corrects
    customer_number: str = ""
    your_reference: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    date_style: str = "slash"
    amount_style: str = "dot"
    currency_style: str = "€ before"
    font: str = "DejaVu Sans"
    font_size: float = 10.0
    accent: str = "#1f4e79"
    iban_grouped: bool = True
    ogm_stars: bool = False
    show_bic: bool = True
    show_rate_column: bool = True
    negative_credit: bool = False
    vat_style: str = "compact"
    seed: int = 0

    @property
    def sale(self) -> bool:
        """We (the company the reader is told about) issued it: a sale, not a purchase."""
        return self.seller.vat == data.OURS.vat

    def truth(self) -> dict[str, object]:
        """The fields of bench/extraction.py FIELDS. On a sale the counterparty is the
        customer and the account printed is ours, so no counterparty IBAN or BIC is due."""
        other = self.buyer if self.sale else self.seller
        return {
            "supplier": other.name,
            "vat_id": other.vat,
            "number": self.number,
            "issue_date": self.issue_date,
            "due_date": self.due_date,
            "net": self.money.net,
            "vat": self.money.vat,
            "gross": self.money.gross,
            "iban": None if self.sale else self.seller.iban,
            "bic": self.seller.bic if self.show_bic and not self.sale else None,
            "ogm": self.ogm,
            "currency": "EUR",
            "credit_note": self.credit_note,
        }


def _label(rng: random.Random, key: str, language: str, split: str) -> str:
    tune, holdout = data.LABELS[key][language]
    if split == "holdout" and rng.random() < 0.7:
        return rng.choice(holdout)
    return rng.choice(tune)


def _rates(rng: random.Random, country: str) -> tuple[list[Decimal], bool]:
    """VAT rates of the lines, and whether the supplier charges none (reverse charge)."""
    if country == "BE":
        profile = rng.choice([[21], [21], [21], [6], [21, 6], [21, 12, 6], [12], [21, 6]])
        return [D(r) for r in profile], False
    if rng.random() < 0.5:
        return [D(0)], True
    return [
        D(r) for r in {"NL": [21], "FR": [20], "DE": rng.choice([[19], [19, 7]])}[country]
    ], False


def _language_and_country(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.40:
        return "nl", "BE"
    if roll < 0.72:
        return "fr", "BE"
    if roll < 0.78:
        return "en", "BE"
    if roll < 0.84:
        return rng.choice(["nl", "en"]), "NL"
    if roll < 0.90:
        return "fr", "FR"
    return rng.choice(["de", "de", "en"]), "DE"


def invoice(split: str, family: str, index: int) -> Invoice:
    rng = random.Random(f"{SEED}:{split}:{family}:{index}")
    language, country = _language_and_country(rng)
    sale = country == "BE" and language in ("nl", "fr") and rng.random() < 0.1
    credit = family not in ("letter", "deposit_summary") and rng.random() < 0.12
    if sale:
        seller, buyer = data.OURS, data.company(rng, language, "BE")
    else:
        seller, buyer = data.company(rng, language, country), data.OURS
    rates, reverse = _rates(rng, seller.country)
    count = rng.randint(38, 70) if family == "multi_page" else rng.randint(1, 7)
    items = data.lines(rng, language, rates, count)
    discount = (
        D(rng.choice([2, 3, 5, 10])) if family == "table_footer" and rng.random() < 0.6 else D(0)
    )
    money = Money(items, discount_percent=discount)
    if family == "deposit_summary":
        money.deposit = (money.gross * D(rng.choice([20, 30, 50])) / 100).quantize(data.CENT)
    issue = datetime.date(2026, 1, 5) + datetime.timedelta(days=rng.randint(0, 330))
    due = (
        None
        if credit or rng.random() < 0.15
        else issue + datetime.timedelta(days=rng.choice([14, 30, 30, 30, 60]))
    )
    styles = NUMBER_STYLES + (HOLDOUT_NUMBER_STYLES if split == "holdout" else TUNE_NUMBER_STYLES)
    number = data.invoice_number(rng, rng.choice(styles), issue.year, credit)
    date_styles = DATE_STYLES + (HOLDOUT_DATE_STYLES if split == "holdout" else [])
    date_style = rng.choice(date_styles)
    if language == "en" and split == "holdout" and rng.random() < 0.4:
        date_style = "us"
    labels = {key: _label(rng, key, language, split) for key in data.LABELS}
    return Invoice(
        name=f"{split}/{family}/{index:02d}",
        split=split,
        family=family,
        language=language,
        seller=seller,
        buyer=buyer,
        number=number,
        issue_date=issue,
        due_date=due,
        money=money,
        ogm=data.ogm(rng) if seller.country == "BE" and not credit and rng.random() < 0.45 else "",
        credit_note=credit,
        reverse_charge=reverse,
        original_number=data.invoice_number(rng, "year-dash", issue.year, False) if credit else "",
        customer_number=f"{rng.randint(1000, 99999)}" if rng.random() < 0.4 else "",
        your_reference=f"PO-{rng.randint(1000, 9999)}" if rng.random() < 0.3 else "",
        labels=labels,
        date_style=date_style,
        amount_style=rng.choice(AMOUNT_STYLES) if language != "en" else rng.choice(["en", "dot"]),
        currency_style=rng.choice(CURRENCY_STYLES),
        font="DejaVu Sans Mono" if family == "plain_mono" else rng.choice(FONTS),
        font_size=rng.choice([8.5, 9, 9.5, 10, 10.5, 11]),
        accent=rng.choice(["#1f4e79", "#7a1f1f", "#2e6b30", "#444444", "#8a5a00", "#5b2a86"]),
        iban_grouped=rng.random() < 0.7,
        ogm_stars=rng.random() < 0.3,
        show_bic=rng.random() < 0.75,
        show_rate_column=rng.random() < 0.7,
        negative_credit=credit and rng.random() < 0.5,
        vat_style=rng.choice(["compact", "dotted", "spaced"]),
        seed=rng.randint(0, 2**31),
    )


def invoices() -> list[Invoice]:
    result = []
    for split, families in (("tune", TUNE_FAMILIES), ("holdout", HOLDOUT_FAMILIES)):
        for family in families:
            result.extend(invoice(split, family, index) for index in range(PER_FAMILY[split]))
    return result


# Scans and photos: which degradation each picked invoice gets, in turn.
SCAN_VARIANTS = {
    "tune": [
        "scan-tilt",
        "scan-150dpi",
        "photo",
        "scan-noisy",
        "scan-clean",
        "photo-dim",
        "scan-upside",
        "scan-jpeg",
        "photo-webp",
        "scan-sideways",
    ],
    "holdout": [
        "scan-tilt",
        "photo",
        "scan-noisy",
        "scan-150dpi",
        "photo-heic",
        "scan-jpeg",
        "scan-upside",
        "photo-dim",
        "scan-clean",
        "photo-webp",
    ],
}
SCANS_PER_SPLIT = {"tune": 40, "holdout": 20}
IMAGE_VARIANTS = {"scan-noisy", "scan-jpeg", "photo", "photo-dim", "photo-heic", "photo-webp"}


def scans(all_invoices: list[Invoice]) -> list[tuple[Invoice, str]]:
    """(invoice, variant) pairs, spread over every family of each split."""
    result = []
    for split, count in SCANS_PER_SPLIT.items():
        pool = [x for x in all_invoices if x.split == split]
        # every family in turn: its first invoice, then its second, ...
        pool.sort(key=lambda x: (int(x.name.rsplit("/", 1)[1]), x.family))
        # variants in a seeded shuffle, so that no family gets only a few of them
        variants = SCAN_VARIANTS[split] * (count // len(SCAN_VARIANTS[split]) + 1)
        random.Random(f"{SEED}:{split}:scans").shuffle(variants)
        for source, variant in zip(pool[:count], variants, strict=False):
            if source.family == "multi_page" and variant in IMAGE_VARIANTS:
                variant = "scan-tilt"  # a picture holds one page: scan the whole PDF instead
            result.append((source, variant))
    return result
