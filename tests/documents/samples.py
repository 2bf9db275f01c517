"""Invoices rendered with WeasyPrint from known values: Belgian and foreign suppliers, in Dutch
and French, mixed VAT rates, credit notes, OGM, and a receipt photographed (a PNG)."""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

D = Decimal


@dataclass
class Sample:
    name: str
    language: str
    supplier: str
    supplier_vat: str
    number: str
    issue_date: datetime.date
    due_date: datetime.date | None
    lines: list[tuple[str, Decimal, Decimal]]  # description, net amount, VAT rate
    iban: str = "BE56363123456788"
    ogm: str = ""
    credit_note: bool = False
    receipt: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    customer: str = "Bakkerij Test BV"
    customer_vat: str = "BE0412345614"

    @property
    def net(self) -> Decimal:
        return sum((amount for _d, amount, _r in self.lines), D("0"))

    @property
    def vat_by_rate(self) -> dict[Decimal, Decimal]:
        result: dict[Decimal, Decimal] = {}
        for _description, amount, rate in self.lines:
            result[rate] = result.get(rate, D("0")) + amount
        return {rate: (base * rate / 100).quantize(D("0.01")) for rate, base in result.items()}

    @property
    def vat(self) -> Decimal:
        return sum(self.vat_by_rate.values(), D("0"))

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    def truth(self) -> dict[str, object]:
        """The fields a reader should find, under the names the benches and tests score."""
        return {
            "supplier": self.supplier,
            "vat_id": self.supplier_vat,
            "number": self.number,
            "issue_date": self.issue_date,
            "due_date": self.due_date,
            "net": self.net,
            "vat": self.vat,
            "gross": self.gross,
            "iban": self.iban,
            "ogm": self.ogm,
            "currency": "EUR",
            "credit_note": self.credit_note,
        }


LABELS = {
    "nl": {
        "invoice": "FACTUUR",
        "credit": "CREDITNOTA",
        "number": "Factuurnummer",
        "credit_number": "Creditnota nr",
        "date": "Factuurdatum",
        "due": "Vervaldatum",
        "net": "Totaal excl. btw",
        "vat": "Btw",
        "gross": "Totaal te betalen",
        "vat_id": "BTW",
        "reference": "Gestructureerde mededeling",
        "receipt": "KASTICKET",
    },
    "fr": {
        "invoice": "FACTURE",
        "credit": "NOTE DE CRÉDIT",
        "number": "Facture n°",
        "credit_number": "Note de crédit n°",
        "date": "Date de facture",
        "due": "Date d'échéance",
        "net": "Total HT",
        "vat": "TVA",
        "gross": "Total TTC",
        "vat_id": "TVA",
        "reference": "Communication structurée",
        "receipt": "TICKET DE CAISSE",
    },
}


def _money(value: Decimal, language: str) -> str:
    whole, cents = f"{abs(value):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    sign = "-" if value < 0 else ""
    return f"€ {sign}{grouped},{cents}"


def html(sample: Sample) -> str:
    labels = LABELS[sample.language]
    title = (
        labels["receipt"]
        if sample.receipt
        else labels["credit" if sample.credit_note else "invoice"]
    )
    number_label = labels["credit_number" if sample.credit_note else "number"]
    if sample.receipt:
        number_label = "Ticket nr"
    rows = "".join(
        f"<tr><td>{d}</td><td>{rate}%</td><td class=n>{_money(a, sample.language)}</td></tr>"
        for d, a, rate in sample.lines
    )
    vat_rows = "".join(
        f"<tr><td>{labels['vat']} {rate}%</td><td class=n>{_money(v, sample.language)}</td></tr>"
        for rate, v in sorted(sample.vat_by_rate.items())
    )
    due = f"<p>{labels['due']}: {sample.due_date:%d/%m/%Y}</p>" if sample.due_date else ""
    ogm = ""
    if sample.ogm:
        o = sample.ogm
        ogm = f"<p>{labels['reference']}: +++{o[:3]}/{o[3:7]}/{o[7:]}+++</p>"
    size = "80mm 160mm" if sample.receipt else "A4"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
@page {{ size: {size}; margin: 10mm; }} body {{ font-family: DejaVu Sans, sans-serif; font-size: 11pt; }}
table {{ width: 100%; border-collapse: collapse; }} td {{ padding: 1.5mm 0; }} .n {{ text-align: right; }}
</style></head><body>
<p><strong>{sample.supplier}</strong><br>Stationsstraat 10, 9000 Gent<br>{labels["vat_id"]} {sample.supplier_vat}</p>
<p>Klant / Client: {sample.customer}, {labels["vat_id"]} {sample.customer_vat}</p>
<h1>{title}</h1>
<p>{number_label}: {sample.number}</p>
<p>{labels["date"]}: {sample.issue_date:%d/%m/%Y}</p>{due}
<table>{rows}</table><br>
<table><tr><td>{labels["net"]}</td><td class=n>{_money(sample.net, sample.language)}</td></tr>{vat_rows}
<tr><td><strong>{labels["gross"]}</strong></td><td class=n><strong>{_money(sample.gross, sample.language)}</strong></td></tr></table>
<p>IBAN {sample.iban[:4]} {sample.iban[4:8]} {sample.iban[8:12]} {sample.iban[12:]}</p>{ogm}
</body></html>"""


def pdf(sample: Sample) -> bytes:
    from weasyprint import HTML

    return HTML(string=html(sample)).write_pdf()


def scanned_pdf(sample: Sample, dpi: int = 200) -> bytes:
    """The document scanned: a PDF with only a picture of the page, no text layer."""
    from PIL import Image

    image = Image.open(io.BytesIO(png(sample, dpi)))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PDF", resolution=dpi)
    return buffer.getvalue()


def png(sample: Sample, dpi: int = 200) -> bytes:
    """The document as a photo-like picture (rendered, then rasterised)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf(sample))) as document:
        image = document.pages[0].to_image(resolution=dpi).original
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG")
    return buffer.getvalue()


SAMPLES = [
    Sample(
        "nl_mixed_rates",
        "nl",
        "Drukkerij Van Damme NV",
        "BE0812345603",
        "2026-0311",
        datetime.date(2026, 11, 3),
        datetime.date(2026, 12, 3),
        [
            ("Folders A5", D("290.00"), D("21")),
            ("Catering", D("70.00"), D("12")),
            ("Boeken", D("45.50"), D("6")),
        ],
        ogm="010806817183",
    ),
    Sample(
        "fr_standard",
        "fr",
        "Imprimerie Lumière SRL",
        "BE0765432146",
        "F-2026/77",
        datetime.date(2026, 10, 15),
        datetime.date(2026, 11, 14),
        [("Cartes de visite", D("1250.00"), D("21"))],
    ),
    Sample(
        "nl_credit_note",
        "nl",
        "Energie Plus BV",
        "BE0555555523",
        "CN-2026-004",
        datetime.date(2026, 9, 30),
        None,
        [("Correctie voorschot", D("100.00"), D("21"))],
        credit_note=True,
    ),
    Sample(
        "fr_credit_note",
        "fr",
        "Imprimerie Lumière SRL",
        "BE0765432146",
        "AV-2026-09",
        datetime.date(2026, 8, 1),
        None,
        [("Retour", D("80.00"), D("6"))],
        credit_note=True,
    ),
    Sample(
        "foreign_supplier",
        "fr",
        "Bäckerei Schmidt GmbH",
        "DE136695976",
        "RE-55120",
        datetime.date(2026, 7, 7),
        datetime.date(2026, 8, 6),
        [("Lebkuchen", D("420.00"), D("6"))],
        iban="DE30507500940000048567",
    ),
]
RECEIPT = Sample(
    "receipt_photo",
    "nl",
    "Bakkerij Het Gulden Korenaar BV",
    "BE0412345614",
    "T-8812",
    datetime.date(2026, 11, 20),
    None,
    [("Brood", D("3.20"), D("6")), ("Koffie", D("2.50"), D("21"))],
    receipt=True,
)
