"""The layout reader (issue 13): values found by where they stand, the two parties told apart.

Each invoice is rendered with WeasyPrint in a layout the line-based text reader gets wrong;
every test checks that it does (so the test proves the layout reader's part) and that
``layout.read`` gets it right, with the box the value came from.
"""

import datetime
import io
from decimal import Decimal

import pytest

from apps.documents.extraction.files import pdf_text
from apps.documents.extraction.layout import read
from apps.documents.extraction.text import SURE, Hints, TextExtraction, extract_from_text
from apps.documents.extraction.words import Box, group, parse_tsv

OURS = Hints(own_vat_ids=frozenset({"BE0412345614"}), own_names=("Bakkerij Test BV",))
STYLE = """
@page { size: A4; margin: 14mm; }
body { font-family: DejaVu Sans, sans-serif; font-size: 10pt; }
table { border-collapse: collapse; } td, th { padding: 1.5mm 2mm; text-align: left; }
.n { text-align: right; } .box { border: 1px solid #333; padding: 3mm; }
.small { font-size: 7.5pt; color: #555; } .big { font-size: 16pt; font-weight: bold; }
"""
ITEMS = """
<table style="width:100%; margin-top:10mm">
<tr><th>Omschrijving</th><th class=n>Aantal</th><th class=n>Prijs</th><th class=n>Bedrag</th></tr>
<tr><td>Folders A5, 2 000 stuks</td><td class=n>1</td><td class=n>800,00</td>
<td class=n>800,00</td></tr>
<tr><td>Ontwerp</td><td class=n>4</td><td class=n>50,00</td><td class=n>200,00</td></tr>
</table>
"""
TOTALS = """
<table style="margin-left:auto; margin-top:6mm">
<tr><td>Totaal excl. btw</td><td class=n>€ 1.000,00</td></tr>
<tr><td>Btw 21 %</td><td class=n>€ 210,00</td></tr>
<tr><td><b>Totaal incl. btw</b></td><td class=n><b>€ 1.210,00</b></td></tr>
</table>
"""
SELLER = """<b>Drukkerij Van Damme NV</b><br>Stationsstraat 10<br>9000 Gent<br>
BTW BE0812345603<br>IBAN BE56 3631 2345 6788"""


def _render(body: str, hints: Hints = OURS) -> tuple[TextExtraction, TextExtraction]:
    """(what the text reader finds, what the layout reader finds) in the rendered page."""
    from weasyprint import HTML

    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>'
    data = HTML(string=f"{page}<body>{body}</body></html>").write_pdf()
    text = pdf_text(data, with_words=True)
    return (
        extract_from_text(text.text, hints=hints),
        read(text.text, text.words, hints=hints),
    )


def _box(found: TextExtraction, name: str) -> Box:
    box = found.fields[name].box
    assert box is not None, f"{name} has no box"
    assert 0 <= box.x0 < box.x1 <= box.page_width
    assert 0 <= box.top < box.bottom <= box.page_height
    assert box.unit == "pt"
    return box


def test_number_below_its_label_in_a_header_table():
    # given a row of labels over a row of values (number, date, due date, customer number)
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1>
    <table style="width:100%"><tr class=small><td>Factuurnummer</td><td>Factuurdatum</td>
    <td>Vervaldatum</td><td>Klantnummer</td></tr>
    <tr><td>2026-F0817</td><td>03/11/2026</td><td>03/12/2026</td><td>K-1043</td></tr></table>
    {ITEMS}{TOTALS}"""
    # when it is read
    today, found = _render(body)
    # then the number under "Factuurnummer" is taken, not the customer number
    assert today.value("number") != "2026-F0817"
    assert found.value("number") == "2026-F0817"
    assert found.value("issue_date") == datetime.date(2026, 11, 3)
    assert found.value("due_date") == datetime.date(2026, 12, 3)
    label_box = _box(found, "number")
    assert label_box.page == 0
    assert label_box.top < 842 / 2


def test_short_label_over_its_value_beside_a_customer_number():
    # given "N°" over the number, next to the customer number and the date
    body = f"""<p>{SELLER}</p><h2>FACTURE</h2>
    <table style="width:100%"><tr class=small><td>N° client</td><td>N°</td><td>Date</td></tr>
    <tr><td>C-20931</td><td>NC2601033</td><td>07/01/2026</td></tr></table>{ITEMS}{TOTALS}"""
    today, found = _render(body)
    assert today.value("number") != "NC2601033"
    assert found.value("number") == "NC2601033"


def test_number_right_of_a_short_label():
    # given "Nr." and "Référence" labels with their values in the column to the right
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1>
    <table><tr><td>Nr.</td><td style="padding-left:30mm">WW-2026-001053</td></tr>
    <tr><td>Datum</td><td style="padding-left:30mm">14/10/2026</td></tr>
    <tr><td>Uw referentie</td><td style="padding-left:30mm">PO 7781</td></tr></table>
    {ITEMS}{TOTALS}"""
    today, found = _render(body)
    assert today.value("number") != "WW-2026-001053"
    assert found.value("number") == "WW-2026-001053"
    assert found.fields["number"].confidence >= 0.5


def test_number_in_a_box_beside_the_letterhead():
    # given the seller's address left and, at the same height, a framed box with the number
    body = f"""<table style="width:100%"><tr><td style="width:60%">{SELLER}</td>
    <td><div class=box><div class=small>FACTUURNUMMER</div><div class=big>HGP-000662</div>
    <div class=small>DATUM</div><div>12/03/2026</div></div></td></tr></table>
    {ITEMS}{TOTALS}"""
    today, found = _render(body)
    assert today.value("number") != "HGP-000662"
    assert found.value("number") == "HGP-000662"
    assert found.value("issue_date") == datetime.date(2026, 3, 12)


@pytest.mark.parametrize(
    ("head", "number"),
    [
        ("<p>Facture : 2026/1101<br>Date : 02/02/2026</p>", "2026/1101"),
        (
            "<table><tr class=small><td>Factuur</td><td>Datum</td></tr>"
            "<tr><td>2026/1102</td><td>02/02/2026</td></tr></table>",
            "2026/1102",
        ),
    ],
)
def test_document_name_as_the_numbers_label(head, number):
    # given "Facture :" before the number, or a table header "Factuur" over it
    today, found = _render(f"<p>{SELLER}</p>{head}{ITEMS}{TOTALS}")
    assert today.value("number") != number
    assert found.value("number") == number


@pytest.mark.parametrize(
    "reference", ["Betreft factuur 2026-1544", "Concerne la facture n° 2026-1544"]
)
def test_credit_notes_number_not_the_invoice_it_refers_to(reference):
    # given a credit note whose number is followed by the invoice it credits
    body = f"""<p>{SELLER}</p><h1>CREDITNOTA</h1><table>
    <tr><td>Creditnota nr.</td><td>KVD-060655</td></tr><tr><td>Datum</td><td>13/08/2026</td></tr>
    <tr><td colspan=2>{reference}</td></tr></table>{TOTALS}"""
    _today, found = _render(body)
    assert found.value("number") == "KVD-060655"


def test_number_in_the_title():
    # given a French title that carries the number, with no label of its own
    body = f"""<p>{SELLER}</p><h1>FACTURE 2026/1100</h1><p>Date : 02/02/2026</p>
    {ITEMS}{TOTALS}"""
    today, found = _render(body)
    assert today.value("number") != "2026/1100"
    assert found.value("number") == "2026/1100"
    assert _box(found, "number").top < 842 / 3


BUYER_LEFT = """<table style="width:100%"><tr>
<td style="width:55%; vertical-align:top">Facturé à :<br><b>Bakkerij Test BV</b><br>
Kerkstraat 1<br>1000 Bruxelles<br>TVA BE0412345614</td>
<td style="vertical-align:top"><b>Imprimerie Lumière SRL</b><br>Rue Haute 5<br>4000 Liège<br>
www.imprimerie-lumiere.be<br>TVA BE0765432146<br>IBAN BE56 3631 2345 6788</td></tr></table>
<h1>FACTURE</h1><p>Facture n° : F-2026/77<br>Date de facture : 15/10/2026</p>
<table style="margin-left:auto"><tr><td>Total HT</td><td class=n>1.250,00 €</td></tr>
<tr><td>TVA 21 %</td><td class=n>262,50 €</td></tr>
<tr><td>Total TTC</td><td class=n>1.512,50 €</td></tr></table>"""


@pytest.mark.parametrize(
    ("labels", "values", "due"),
    [
        (
            ("Rechnungsnummer", "Rechnungsdatum", "Fällig am"),
            ("2026-0589", "30. Oktober 2026", "29. Dezember 2026"),
            datetime.date(2026, 12, 29),
        ),
        (
            ("N° de facture", "Date", "Date d'échéance"),
            ("INV-51280", "17/09/2026", "17/10/2026"),
            datetime.date(2026, 10, 17),
        ),
    ],
)
def test_due_date_below_its_label_in_a_header_table(labels, values, due):
    # given a row of labels over a row of values, in German (month names) or in French
    # ("Date d'échéance": its label starts with "Date")
    heads = "".join(f"<td>{label}</td>" for label in labels)
    cells = "".join(f"<td>{value}</td>" for value in values)
    body = f"""<p>{SELLER}</p><h1>FACTURE</h1><table style="width:100%">
    <tr class=small>{heads}</tr><tr>{cells}</tr></table>{TOTALS}"""
    _today, found = _render(body)
    assert found.value("number") == values[0]
    assert found.value("due_date") == due


def test_two_column_header_buyer_left_without_knowing_who_we_are():
    # given the buyer's block left (its VAT number printed first) and the seller's right
    from weasyprint import HTML

    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>'
    data = HTML(string=f"{page}<body>{BUYER_LEFT}</body></html>").write_pdf()
    text = pdf_text(data, with_words=True)
    # when read without the company's identity (``documents extract`` without --company)
    today = extract_from_text(text.text)
    found = read(text.text, text.words)
    # then the seller is the block that is not addressed, with the bank details
    assert today.value("counterparty_vat_id") == "BE0412345614"
    assert found.value("counterparty_vat_id") == "BE0765432146"
    assert found.value("counterparty_enterprise_number") == "0765432146"
    assert found.value("counterparty_name") == "Imprimerie Lumière SRL"
    assert found.buyer_vat_id == "BE0412345614"
    assert _box(found, "counterparty_vat_id").x0 > 595 / 2  # the right-hand block


def test_seller_in_the_footer_buyer_addressed_without_a_label():
    # given only the buyer's address at the top (a window envelope) and the seller's
    # details in the footer with the bank account
    body = f"""<div style="margin-left:95mm; margin-top:25mm">Drukkerij Van Damme NV<br>
    Kerkstraat 1<br>9000 Gent<br>BTW BE0812345603</div>
    <h1>FACTUUR</h1><p>Factuurnummer: 2026-0131<br>Factuurdatum: 05/01/2026</p>
    {ITEMS}{TOTALS}
    <div style="position:fixed; bottom:0; left:0; right:0" class=small>
    Energie Plus BV · Industrieweg 4, 2000 Antwerpen · BTW BE0555555523 ·
    IBAN BE56 3631 2345 6788 · BIC BBRUBEBB</div>"""
    from weasyprint import HTML

    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>'
    data = HTML(string=f"{page}<body>{body}</body></html>").write_pdf()
    text = pdf_text(data, with_words=True)
    today = extract_from_text(text.text)
    found = read(text.text, text.words)
    assert today.value("counterparty_vat_id") == "BE0812345603"
    assert found.value("counterparty_vat_id") == "BE0555555523"
    assert _box(found, "counterparty_vat_id").top > 842 * 0.8
    assert today.value("counterparty_name") == "Drukkerij Van Damme NV"
    assert found.value("counterparty_name") == "Energie Plus BV"


def test_direct_debit_customer_account_is_not_the_suppliers():
    # given a customer block with its own account (a direct debit) and the supplier's
    # "Klantendienst" in its letterhead, the supplier's account in the footer
    body = f"""<table style="width:100%"><tr>
    <td style="vertical-align:top; width:55%"><b>Energie Plus BV</b><br>Industrieweg 4<br>
    Klantendienst: 03 123 45 67<br>BTW BE0555555523</td>
    <td style="vertical-align:top">Aan<br><b>Drukkerij Van Damme NV</b><br>Stationsstraat 10<br>
    BTW BE0812345603<br>Uw rekening: BE48 0011 2345 6727</td></tr></table>
    <h1>FACTUUR</h1><p>Factuurnummer: 2026-0133</p>{TOTALS}
    <div style="position:fixed; bottom:0" class=small>Energie Plus BV · IBAN BE56 3631 2345 6788
    </div>"""
    from weasyprint import HTML

    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>'
    data = HTML(string=f"{page}<body>{body}</body></html>").write_pdf()
    text = pdf_text(data, with_words=True)
    today = extract_from_text(text.text)
    found = read(text.text, text.words)
    assert today.value("counterparty_iban") == "BE48001123456727"
    assert found.value("counterparty_iban") == "BE56363123456788"
    assert found.value("counterparty_vat_id") == "BE0555555523"


def test_two_pages_with_the_seller_in_every_footer_and_the_totals_at_the_end():
    # given a buyer addressed without a label on page 1 and the seller's details repeated
    # in the footer of each page, the totals as a row on page 2
    body = f"""<div style="margin-left:95mm; margin-top:25mm">Drukkerij Van Damme NV<br>
    Kerkstraat 1<br>9000 Gent<br>BTW BE0812345603</div>
    <h1>FACTUUR</h1><p>Factuurnummer: 2026-0134<br>Factuurdatum: 05/01/2026</p>{ITEMS}
    <div style="page-break-before: always">{ITEMS}</div>
    <table style="width:100%; margin-top:8mm"><tr class=small><td>Totaal excl. btw</td>
    <td>Btw 21 %</td><td>Totaal incl. btw</td></tr>
    <tr><td>2.000,00</td><td>420,00</td><td>2.420,00</td></tr></table>
    <div style="position:fixed; bottom:0" class=small>Energie Plus BV · BTW BE0555555523 ·
    IBAN BE56 3631 2345 6788</div>"""
    from weasyprint import HTML

    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>'
    data = HTML(string=f"{page}<body>{body}</body></html>").write_pdf()
    text = pdf_text(data, with_words=True)
    today = extract_from_text(text.text)
    found = read(text.text, text.words)
    assert len(text.words) == 2
    assert today.value("counterparty_vat_id") == "BE0812345603"
    assert found.value("counterparty_vat_id") == "BE0555555523"
    assert found.fields["counterparty_vat_id"].confidence >= 0.9
    assert found.value("total_incl_vat") == Decimal("2420.00")
    assert _box(found, "total_incl_vat").page == 1


def test_supplier_name_in_large_print_over_its_address():
    # given a letterhead: the name in large print, its address and VAT number in small print
    body = f"""<div style="font-size:15pt; font-weight:bold">Imprimerie Lumière SRL</div>
    <div class=small>Rue Haute 5 · 4000 Liège · TVA BE0765432146</div>
    <div style="margin-left:95mm; margin-top:10mm">Bakkerij Test BV<br>Kerkstraat 1<br>
    TVA BE0412345614</div><h1>FACTURE</h1><p>Facture n° : F-2026/78</p>{TOTALS}"""
    today, found = _render(body)
    assert today.value("counterparty_name") != "Imprimerie Lumière SRL"
    assert found.value("counterparty_name") == "Imprimerie Lumière SRL"
    assert found.fields["counterparty_name"].box is not None


@pytest.mark.parametrize("label", ["Factuuradres", "Klant", "Facturé à"])
def test_supplier_name_is_never_the_buyers_label_nor_our_street(label):
    # given our block under a label at the top right, and the seller's block on the left
    # with its form in small letters, on a street whose name starts as ours does
    body = f"""<div style="margin-left:105mm">{label}<br>Bakkerij Test BV<br>Kerkstraat 1<br>
    9000 Gent<br>Btw BE 0412.345.614</div>
    <div>Schilderwerken De Smet bv<br>Kerkstraat 240<br>9000 Gent<br>
    Btw-nr. BE 0885.328.896</div><h1>FACTUUR</h1><p>Factuurnummer: F26-181</p>{TOTALS}"""
    today, found = _render(body)
    assert today.value("counterparty_name") != "Schilderwerken De Smet bv"
    assert found.value("counterparty_name") == "Schilderwerken De Smet bv"


def test_supplier_name_is_never_the_logos_initials_nor_a_bare_legal_form():
    # given a logo's initials over the letterhead, and a name whose form wrapped to a line
    # of its own
    body = f"""<div style="margin-left:130mm"><div class=big>TV</div>
    Tuinaanleg Verhoeven<br>CommV<br>Kerkstraat 8<br>8000 Brugge<br>
    BTW nr BE 0209.839.407</div><div>Bakkerij Test BV<br>Kerkstraat 1<br>9000 Gent<br>
    BTW nr BE 0412.345.614</div><h1>FACTUUR</h1><p>Factuurnummer: 2026-0140</p>{TOTALS}"""
    today, found = _render(body)
    assert today.value("counterparty_name") != "Tuinaanleg Verhoeven CommV"
    assert found.value("counterparty_name") == "Tuinaanleg Verhoeven CommV"


def test_supplier_name_under_a_van_label_without_a_colon():
    # given two columns headed "Van" and "Aan" (no colon)
    body = f"""<table style="width:100%"><tr><td>Van</td><td>Aan</td></tr>
    <tr><td>Boekhoudkantoor Mertens nv<br>Nijverheidslaan 103<br>8000 Brugge<br>
    BTW BE 0325 401 049</td><td>Bakkerij Test BV<br>Kerkstraat 1<br>9000 Gent<br>
    BTW BE 0412 345 614</td></tr></table><h1>Factuur</h1>
    <p>Factuurnummer: 2026-0141</p>{TOTALS}"""
    # (the text reader, too, no longer takes the label for the name)
    _today, found = _render(body)
    assert found.value("counterparty_name") == "Boekhoudkantoor Mertens nv"


def test_the_bic_printed_with_our_own_account_is_not_the_suppliers():
    # given an invoice paid by direct debit from our account, printed with its BIC, and a
    # seller whose block shows its IBAN without a BIC
    hints = Hints(
        own_vat_ids=OURS.own_vat_ids,
        own_names=OURS.own_names,
        own_ibans=frozenset({"BE71096123456769"}),
    )
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0142</p>{TOTALS}
    <p>Wordt gedomicilieerd op uw rekening<br>IBAN: BE71 0961 2345 6769<br>BIC: GKCCBEBB</p>"""
    _today, found = _render(body, hints)
    assert found.value("counterparty_iban") == "BE56363123456788"
    assert found.value("counterparty_bic") in (None, "")


def test_account_number_broken_over_two_lines_of_its_block():
    # given the seller's bank details in a narrow footer column, the IBAN over two lines
    body = f"""<p>{SELLER.split("<br>IBAN")[0]}</p><h1>FACTUUR</h1>
    <p>Factuurnummer: 2026-0135</p>{TOTALS}
    <div style="position:fixed; bottom:0; width:32mm" class=small>Bank: KBC<br>
    IBAN BE56 3631<br>2345 6788</div>"""
    today, found = _render(body)
    assert today.value("counterparty_iban") is None
    assert found.value("counterparty_iban") == "BE56363123456788"


def test_a_document_we_issued_is_a_sale():
    # given our own company in the letterhead with the bank details, a customer addressed
    body = """<table style="width:100%"><tr>
    <td style="vertical-align:top"><b>Bakkerij Test BV</b><br>Kerkstraat 1, 1000 Brussel<br>
    BTW BE0412345614<br>IBAN BE56 3631 2345 6788</td>
    <td style="vertical-align:top">Factuur aan:<br><b>Drukkerij Van Damme NV</b><br>
    Stationsstraat 10<br>BTW BE0812345603</td></tr></table>
    <h1>FACTUUR</h1><p>Factuurnummer: V2026-014<br>Factuurdatum: 05/01/2026</p>"""
    today, found = _render(body + TOTALS)
    assert today.our_role != "seller"
    assert found.our_role == "seller"
    assert found.buyer_vat_id == "BE0812345603"
    # the counterparty of a sale is the customer, and the account printed is ours
    assert found.value("counterparty_vat_id") == "BE0812345603"
    assert found.value("counterparty_name") == "Drukkerij Van Damme NV"
    assert found.value("counterparty_iban") is None


def test_our_identity_is_never_the_supplier_even_when_printed_as_the_seller_is():
    # (a guard: the text reader gets this right with the company known; the layout must not
    # undo it) given the supplier's block and ours alike (no labels), ours printed first
    _today, found = _render(BUYER_LEFT.replace("Facturé à :<br>", ""))
    assert found.value("counterparty_vat_id") == "BE0765432146"
    assert found.our_role != "seller"


def test_totals_in_a_footer_table_with_a_discount_and_a_deposit():
    # given the totals as a row of labels over a row of amounts, with a discount on the
    # subtotal and a deposit already paid taken off the amount to pay
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0131<br>
    Factuurdatum: 05/01/2026</p>{ITEMS}
    <table style="width:100%; margin-top:8mm; border-top:1px solid #000">
    <tr class=small><td>Subtotaal</td><td>Korting 10 %</td><td>Totaal excl. btw</td>
    <td>Btw 21 %</td><td>Totaal incl. btw</td><td>Voorschot</td><td>Te betalen</td></tr>
    <tr><td>1.000,00</td><td>-100,00</td><td>900,00</td><td>189,00</td><td>1.089,00</td>
    <td>-500,00</td><td><b>589,00</b></td></tr></table>"""
    today, found = _render(body)
    assert today.value("total_incl_vat") != Decimal("1089.00")
    assert found.value("total_excl_vat") == Decimal("900.00")
    assert found.value("total_vat") == Decimal("189.00")
    assert found.value("total_incl_vat") == Decimal("1089.00")
    assert found.fields["total_incl_vat"].confidence >= 0.9
    assert "totals_inconsistent" not in found.warnings


def test_totals_where_a_total_label_names_each_column():
    # (a guard: the text reader reads this row too) given a footer row "Totaal" with the
    # net, VAT and gross columns under their headers
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0132</p>
    <table style="width:100%; margin-top:8mm">
    <tr><th>Btw-tarief</th><th class=n>Maatstaf</th><th class=n>Btw</th><th class=n>Totaal</th></tr>
    <tr><td>21 %</td><td class=n>400,00</td><td class=n>84,00</td><td class=n>484,00</td></tr>
    <tr><td>6 %</td><td class=n>100,00</td><td class=n>6,00</td><td class=n>106,00</td></tr>
    <tr><td><b>Totaal</b></td><td class=n>500,00</td><td class=n>90,00</td>
    <td class=n><b>590,00</b></td></tr></table>"""
    _today, found = _render(body)
    assert found.value("total_excl_vat") == Decimal("500.00")
    assert found.value("total_vat") == Decimal("90.00")
    assert found.value("total_incl_vat") == Decimal("590.00")


def _footer(*rows: tuple[str, str]) -> str:
    cells = "".join(f"<tr><td>{label}</td><td class=n>{amount}</td></tr>" for label, amount in rows)
    return f'<table style="margin-left:auto; margin-top:6mm">{cells}</table>'


def test_vat_per_rate_with_its_base_in_brackets_is_not_the_net():
    # given several VAT rates, each printed with its base in brackets before its VAT
    totals = _footer(
        ("Totaal excl. btw", "€ 1.500,00"),
        ("Btw 21 % (€ 1.000,00)", "€ 210,00"),
        ("Btw 6 % (€ 500,00)", "€ 30,00"),
        ("Totaal incl. btw", "€ 1.740,00"),
    )
    body = f"<p>{SELLER}</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0133</p>{ITEMS}{totals}"
    _today, found = _render(body)
    # then the VAT is the sum of the rates' VAT, never a rate's base
    assert found.value("total_excl_vat") == Decimal("1500.00")
    assert found.value("total_vat") == Decimal("240.00")
    assert found.value("total_incl_vat") == Decimal("1740.00")
    assert found.fields["total_vat"].confidence >= 0.9


def test_net_and_vat_are_never_swapped():
    # given a French net label ("Total hors TVA") over a single rate
    totals = _footer(
        ("Total hors TVA", "€ 1.856,71"), ("TVA 21 %", "€ 389,91"), ("Net à payer", "€ 2.246,62")
    )
    body = f"<p>{SELLER}</p><h1>FACTURE</h1><p>Facture n°: 2026-0134</p>{totals}"
    today, found = _render(body)
    # then the VAT is never taken larger than any VAT rate allows of its net
    for reading in (today, found):
        assert reading.value("total_excl_vat") == Decimal("1856.71")
        assert reading.value("total_vat") == Decimal("389.91")


def test_one_rates_vat_of_several_without_a_net_is_not_sure():
    # given several VAT rates without their bases and no net total printed
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0135</p>
    {_footer(("Btw 21 %", "€ 210,00"), ("Btw 6 %", "€ 30,00"), ("Te betalen", "€ 1.740,00"))}"""
    today, found = _render(body)
    # then the VAT taken is their sum, and (the net derived) not shown as sure
    for reading in (today, found):
        assert reading.value("total_incl_vat") == Decimal("1740.00")
        if reading.value("total_vat") != Decimal("240.00"):
            assert reading.fields["total_vat"].confidence < 0.9


def test_words_group_into_lines_phrases_and_blocks():
    # given Tesseract's TSV output for two lines of a label and a far-away value, and a line
    # under the label
    rows = [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
        "5\t1\t1\t1\t1\t1\t100\t100\t180\t30\t96\tFactuurnummer",
        "5\t1\t1\t1\t1\t2\t900\t102\t150\t30\t91\t2026-0131",
        "5\t1\t1\t1\t2\t1\t100\t140\t60\t30\t95\tDatum",
        "5\t1\t1\t1\t2\t2\t170\t140\t140\t30\t95\t05/01/2026",
        "4\t1\t1\t1\t2\t0\t100\t140\t210\t30\t-1\t",
    ]
    page = parse_tsv("\n".join(rows), index=0, width=2480, height=3508)
    assert [line.text for line in page.lines] == ["Factuurnummer   2026-0131", "Datum 05/01/2026"]
    assert [phrase.text for phrase in page.lines[0].phrases] == ["Factuurnummer", "2026-0131"]
    assert [block.text for block in page.blocks] == ["Factuurnummer\nDatum 05/01/2026", "2026-0131"]
    assert page.box(page.lines[0].phrases[1]).as_dict() == {
        "page": 0,
        "x0": 900.0,
        "top": 102.0,
        "x1": 1050.0,
        "bottom": 132.0,
        "page_width": 2480,
        "page_height": 3508,
        "unit": "px",
    }
    assert group([], index=1, width=1, height=1, unit="pt").lines == []


def test_labels_and_values_a_narrow_cell_wrapped_over_lines():
    # given a grid of narrow cells: "Numéro de" over "facture", the number broken after its
    # dash, a date in words over two lines, and a bare "Date" label
    body = f"""<p>{SELLER}</p><h1>FACTURE</h1>
    <table style="width:70%"><tr style="vertical-align:top"><td>Numéro de<br>facture</td>
    <td>Date</td><td>Date<br>d'échéance</td><td>Votre<br>référence</td></tr>
    <tr style="vertical-align:top"><td>2026-<br>F1464</td><td>30<br>octobre<br>2026</td>
    <td>29 novembre<br>2026</td><td>PO-7617</td></tr></table>{ITEMS}{TOTALS}"""
    _today, found = _render(body)
    assert found.value("number") == "2026-F1464"
    assert found.value("issue_date") == datetime.date(2026, 10, 30)
    assert found.value("due_date") == datetime.date(2026, 11, 29)


def test_several_totals_in_one_phrase_are_each_their_own():
    # given a summary per VAT rate (each row adding up on its own) and the document's totals
    # printed one after the other on one line
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0420</p>{ITEMS}
    <table style="margin-left:auto"><tr><th>Subtotaal</th><th>%</th><th>Btw</th>
    <th>Te betalen</th></tr>
    <tr><td>€ 900,00</td><td>21 %</td><td>€ 189,00</td><td>€ 1.089,00</td></tr>
    <tr><td>€ 100,00</td><td>6 %</td><td>€ 6,00</td><td>€ 106,00</td></tr></table>
    <p style="text-align:right">Subtotaal € 1.000,00 · Btw € 195,00</p>
    <p style="text-align:right">Te betalen: € 1.195,00</p>"""
    _today, found = _render(body)
    assert (
        found.value("total_excl_vat"),
        found.value("total_vat"),
        found.value("total_incl_vat"),
    ) == (Decimal("1000.00"), Decimal("195.00"), Decimal("1195.00"))


def test_a_vat_summary_row_without_its_header_gives_the_net_and_the_vat():
    # given a summary row (base, rate, VAT, total) whose header row is lost (as OCR loses a
    # faint small header) and the amount to pay under it
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0420</p>{ITEMS}
    <table style="margin-left:auto"><tr><td>€ 2.588,11</td><td>6 %</td><td>€ 155,29</td>
    <td>€ 2.743,40</td></tr></table><p style="text-align:right">Te betalen: € 2.743,40</p>"""
    _today, found = _render(body)
    assert (
        found.value("total_excl_vat"),
        found.value("total_vat"),
        found.value("total_incl_vat"),
    ) == (Decimal("2588.11"), Decimal("155.29"), Decimal("2743.40"))


@pytest.mark.parametrize(
    ("read", "name"),
    [
        ("Toitures Denis SC : Rue du Commerce 174", "Toitures Denis SC"),
        ("Müller Backtechnik GmbH Kerkstraat 1", "Müller Backtechnik GmbH"),
        ("Garage Peeters BV 2000 Antwerpen", "Garage Peeters BV"),
        ("Drukkerij Van Damme NV", "Drukkerij Van Damme NV"),
        ("SA Lambert Frères", "SA Lambert Frères"),
    ],
)
def test_a_name_that_runs_on_into_its_address_ends_at_its_company_form(read, name):
    from apps.documents.extraction.patterns import name_before_address

    assert name_before_address(read) == name


@pytest.mark.parametrize(
    "text", ["Kerkstraat 1", "Rue de la Station 60", "Hauptstraße 3a", "Avenue Louise 54 bte 3"]
)
def test_a_street_with_its_number_is_never_a_name(text):
    from apps.documents.extraction.patterns import not_a_name

    assert not_a_name(text)
    assert not not_a_name("Boulangerie Rue Haute")
    assert not_a_name(". Client")  # a label with OCR specks is still a label


@pytest.mark.parametrize("text", ["N°", "Nr.", "No", "n°"])
def test_the_head_of_a_label_cut_off_by_a_vat_id_is_never_a_name(text):
    # "N° TVA BE 0473 712 960": the name would end where "TVA" starts
    from apps.documents.extraction.patterns import not_a_name

    assert not_a_name(text)


def test_supplier_name_heads_the_first_column_of_a_footer_never_an_e_mail():
    # given a letterhead that is only a logo's initials, and a footer in three columns: the
    # name and address, then the VAT id and e-mail, then the bank
    body = f"""<p class=big>VH</p><p>Klant:<br>Bakkerij Test BV<br>Kerkstraat 1<br>9000 Gent<br>
    BTW BE0412345614</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0420</p>{ITEMS}{TOTALS}
    <table style="width:100%; margin-top:40mm" class=small><tr style="vertical-align:top">
    <td>Verpakkingen Hermans bv<br>Stationsstraat 157<br>2000 Antwerpen</td>
    <td>BTW nr BE 0486.259.614<br>info@hermans.be</td><td>IBAN: BE30 5237 4837 7711</td>
    </tr></table>"""
    _today, found = _render(body)
    assert found.value("counterparty_vat_id") == "BE0486259614"
    assert found.value("counterparty_name") == "Verpakkingen Hermans bv"


def test_a_date_after_a_bare_date_label_is_sure_the_documents_first_date_is_not():
    # given an invoice whose only dates stand after "Datum:" ...
    labelled = "Garage Peeters BV\nFACTUUR\nFactuurnummer: 2026-0131\nDatum: 05/01/2026\n"
    # ... and one whose date stands alone, under a delivery date kept out of the way
    unlabelled = "Garage Peeters BV\nFACTUUR 2026-0131\nGent\n05/01/2026\n"
    found = extract_from_text(labelled, hints=OURS)
    guessed = extract_from_text(unlabelled, hints=OURS)
    assert found.value("issue_date") == datetime.date(2026, 1, 5)
    assert found.fields["issue_date"].confidence >= SURE
    assert guessed.value("issue_date") == datetime.date(2026, 1, 5)
    assert guessed.fields["issue_date"].confidence < SURE


def test_the_suppliers_name_keeps_where_it_stands_for_the_review_screen():
    body = f"<p>{SELLER}</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0420</p>{ITEMS}{TOTALS}"
    _today, found = _render(body)
    assert found.value("counterparty_name") == "Drukkerij Van Damme NV"
    box = _box(found, "counterparty_name")
    assert box.top < 842 / 4  # the letterhead, not a mention further down


def test_a_sales_customer_is_the_name_heading_its_block_not_the_rest_of_a_label_line():
    # given a sale we made elsewhere: "Facturé à" beside a row of labels, the customer's
    # block under it
    body = f"""<p><span class=big>Bakkerij Test BV</span><br>Kerkstraat 1, 9000 Gent<br>
    TVA BE0412345614<br>IBAN BE71 0961 2345 6769</p>
    <table style="width:100%"><tr><td>Facturé à</td><td>N° de facture</td><td>Date</td></tr>
    <tr style="vertical-align:top"><td>Chauffage Martin SC<br>Rue de la Station 60<br>
    5000 Namur<br>TVA BE 0317.432.993</td><td>ELB-040768</td><td>25/10/2026</td></tr>
    </table>{ITEMS}{TOTALS}"""
    _today, found = _render(body)
    assert found.our_role == "seller"
    assert found.value("counterparty_name") == "Chauffage Martin SC"
    assert found.value("number") == "ELB-040768"


def _ocr_page(rows: list[tuple[str, int]]) -> tuple[str, list]:
    """A page as Tesseract gives it: each (line text, word confidence) on a line of its own,
    a wide gap after a colon (label, then value)."""
    tsv = [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    ]
    for number, (text, confidence) in enumerate(rows):
        left = 100
        for word_number, word in enumerate(text.split(), start=1):
            width = 24 * len(word)
            tsv.append(
                f"5\t1\t1\t1\t{number + 1}\t{word_number}\t{left}\t{100 + 50 * number}"
                f"\t{width}\t30\t{confidence}\t{word}"
            )
            left += width + (400 if word.endswith(":") else 20)
    page = parse_tsv("\n".join(tsv), index=0, width=2480, height=3508)
    return "\n".join(text for text, _confidence in rows), [page]


def _ocr_invoice(*, number_confidence: int = 96, iban: str = "BE71 0961 2345 6769") -> list:
    return [
        ("Garage Peeters BV", 95),
        ("BTW: BE0776091951", 95),
        ("FACTUUR", 95),
        ("Factuurnummer: 2026-0131", number_confidence),
        ("Factuurdatum: 05/01/2026", 95),
        ("Totaal excl. btw: 100,00", 95),
        ("Btw 21%: 21,00", 95),
        ("Totaal incl. btw: 121,00", 95),
        (f"IBAN: {iban}", 95),
    ]


def test_ocr_values_that_check_themselves_or_were_read_clearly_are_sure():
    # given a scan OCR read clearly, its totals adding up and its account's check digits right
    text, pages = _ocr_page(_ocr_invoice())
    # when the layout reader reads it
    found = read(text, pages, hints=OURS, source="ocr")
    # then what checks itself or was read clearly is as sure as in a text PDF
    for name in ("number", "issue_date", "counterparty_vat_id", "counterparty_iban"):
        assert found.fields[name].confidence >= SURE, name
    for name in ("total_excl_vat", "total_vat", "total_incl_vat"):
        assert found.fields[name].confidence >= SURE, name
    # but a name is never sure from its letters alone
    assert found.fields["counterparty_name"].confidence < SURE


def test_ocr_values_read_unclearly_or_whose_check_digits_fail_are_not_sure():
    # given the same scan with a number OCR doubted and an account with a misread digit
    text, pages = _ocr_page(_ocr_invoice(number_confidence=61, iban="BE71 0961 2345 6768"))
    found = read(text, pages, hints=OURS, source="ocr")
    assert found.value("number") == "2026-0131"
    assert found.fields["number"].confidence < SURE
    iban = found.fields.get("counterparty_iban")
    assert iban is None or iban.confidence < SURE


def test_a_value_the_two_readers_read_differently_is_not_sure():
    # given a page whose words give one invoice number and whose text gives another (as when
    # the line reader takes a number the layout sees elsewhere)
    rows = _ocr_invoice()
    _text, pages = _ocr_page(rows)
    text = "\n".join(t for t, _c in rows).replace("2026-0131", "2026-0113")
    # when both read it
    found = read(text, pages, hints=OURS, source="pdf_text")
    # then whichever value is kept asks for a person
    assert found.value("number") in ("2026-0131", "2026-0113")
    assert found.fields["number"].confidence < SURE
    # and what they agree on stays sure
    assert found.fields["total_incl_vat"].confidence >= SURE


def test_a_known_suppliers_name_is_sure_when_its_vat_id_is():
    # given a supplier a person confirmed before, by its VAT id
    text, pages = _ocr_page(_ocr_invoice())
    hints = Hints(
        own_vat_ids=OURS.own_vat_ids, known_suppliers={"BE0776091951": "Garage Peeters BV"}
    )
    # when a scan of its next invoice is read
    found = read(text, pages, hints=hints, source="ocr")
    # then its name is the confirmed one, as sure as the VAT id that found it
    assert found.value("counterparty_name") == "Garage Peeters BV"
    assert found.fields["counterparty_name"].confidence >= SURE


@pytest.mark.slow
def test_ocr_words_come_with_pixel_boxes():
    # given a rendered invoice as a picture
    from PIL import Image

    from apps.documents.extraction.files import ocr_image_words
    from tests.conftest import require_tesseract
    from tests.documents import samples

    require_tesseract()

    data = samples.png(samples.SAMPLES[0])
    # when Tesseract reads it (its text and TSV from one pass)
    text, (page,) = ocr_image_words(data)
    # then the words come with boxes in pixels, and the layout reader finds the number
    assert page.unit == "px"
    assert page.width >= Image.open(io.BytesIO(data)).size[0] * 0.5
    found = read(text, [page])
    assert found.value("number") == "2026-0311"
    assert found.fields["number"].box is not None


def test_the_app_reads_with_the_layout_and_keeps_where_each_value_stands(
    company, django_capture_on_commit_callbacks
):
    # given our company addressed in the left column and the supplier in the right one,
    # uploaded as a PDF
    from weasyprint import HTML

    from tests.documents.helpers import ingest_and_read

    body = BUYER_LEFT.replace("BE0412345614", company.vat_number).replace(
        "Bakkerij Test BV", company.name
    )
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>'
    data = HTML(string=f"{page}<body>{body}</body></html>").write_pdf()
    # when the worker reads it
    document = ingest_and_read(company, data, "facture.pdf", django_capture_on_commit_callbacks)
    # then the supplier is the right-hand block, and the sources say where each value stands
    assert document.counterparty_vat_id == "BE0765432146"
    assert document.number == "F-2026/77"
    assert document.total_incl_vat == Decimal("1512.50")
    box = document.field_sources["total_incl_vat"]["box"]
    assert box["page"] == 0
    assert box["unit"] == "pt"
    assert 0 < box["x0"] < box["x1"] <= box["page_width"]
    assert document.field_sources["counterparty_vat_id"]["box"]["x0"] > 595 / 2


def test_text_read_with_the_words_is_pdfplumbers_layout_text():
    # given a rendered invoice, when its text is read with and without the words
    from tests.documents import samples

    data = samples.pdf(samples.SAMPLES[0])
    plain = pdf_text(data)
    with_words = pdf_text(data, with_words=True)
    # then the text is the same (one pass over the characters gives both)
    assert with_words.text == plain.text
    assert not plain.words
    phrases = [phrase.text for line in with_words.words[0].lines for phrase in line.phrases]
    assert "Factuurnummer: 2026-0311" in phrases


def test_values_after_dotted_leaders_are_read():
    # given a form whose labels run into rows of dots before their values
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1><table>
    <tr><td>Factuurnummer ....................</td><td>VF/2026/0131</td></tr>
    <tr><td>Factuurdatum . . . . . . . . . . .</td><td>3 maart 2026</td></tr></table>
    {ITEMS}{TOTALS}<p>IBAN ........ BE56 3631 2345 6788<br>BIC ………… BBRUBEBB</p>"""
    _today, found = _render(body)
    assert found.value("number") == "VF/2026/0131"
    assert found.value("issue_date") == datetime.date(2026, 3, 3)
    assert found.value("counterparty_bic") == "BBRUBEBB"


def test_the_number_after_the_title_and_a_dash():
    # given a letter naming the document in a line of its own: "FACTUUR — 2026-0532"
    body = f"""<p>{SELLER}</p><p style="text-align:right">Gent, 3 maart 2026</p>
    <p><b>FACTUUR</b> — 2026-0532</p><p>Geachte heer, mevrouw,</p>{ITEMS}{TOTALS}"""
    _today, found = _render(body)
    assert found.value("number") == "2026-0532"


def test_a_total_under_a_label_the_reader_does_not_know_is_the_gross_when_it_adds_up():
    # given totals whose last line has a label no rule knows ("Eindafrekening")
    body = f"""<p>{SELLER}</p><h1>FACTUUR</h1><p>Factuurnummer: 2026-0420</p>{ITEMS}
    <table style="margin-left:auto; margin-top:6mm">
    <tr><td>Totaal excl. btw</td><td class=n>€ 1.000,00</td></tr>
    <tr><td>Btw 21 %</td><td class=n>€ 210,00</td></tr>
    <tr><td>Verzekering</td><td class=n>€ 12,50</td></tr>
    <tr><td><b>Eindafrekening</b></td><td class=n><b>€ 1.210,00</b></td></tr></table>"""
    today, found = _render(body)
    assert today.value("total_incl_vat") != Decimal("1210.00")
    assert found.value("total_incl_vat") == Decimal("1210.00")
    assert found.value("total_excl_vat") == Decimal("1000.00")


def test_the_title_stacked_on_the_customer_block_is_not_the_customer():
    # given a sale whose title stands just above the customer's block, label and name on
    # one line
    body = f"""<p><b>Bakkerij Test BV</b><br>Kerkstraat 1, 9000 Gent<br>BTW BE0412345614</p>
    <p style="font-size:16pt; margin-bottom:1mm"><b>Factuur</b></p>
    <p style="margin-top:0">Factuuradres: <b>Elektro Peeters bv</b><br>Industrieweg 78,
    9000 Gent<br>BTW BE 0977.614.203</p><p>Factuurnummer: 2026-1244</p>{ITEMS}{TOTALS}"""
    _today, found = _render(body)
    assert found.our_role == "seller"
    assert found.value("counterparty_name") == "Elektro Peeters bv"


def test_the_text_layer_is_read_with_the_boxes_pdfminer_gives():
    # given a page with print of several sizes: the same words in the same boxes
    import pdfplumber
    import pypdfium2
    from weasyprint import HTML

    from apps.documents.extraction.words import pdf_page

    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{STYLE}</style></head>'
    body = f"<h1>FACTUUR</h1><p class=small>{SELLER}</p>{ITEMS}{TOTALS}"
    data = HTML(string=f"{page}<body>{body}</body></html>").write_pdf()
    with pdfplumber.open(io.BytesIO(data)) as document:
        expected = [
            (w["text"], round(w["x0"]), round(w["top"]), round(w["x1"]), round(w["bottom"]))
            for w in document.pages[0].extract_words()
        ]
    pdf = pypdfium2.PdfDocument(data)
    try:
        chars = pdf_page(pdf[0]).chars
    finally:
        pdf.close()
    from pdfplumber.utils.text import extract_words

    found = [
        (w["text"], round(w["x0"]), round(w["top"]), round(w["x1"]), round(w["bottom"]))
        for w in extract_words(chars)
    ]
    assert found == expected
