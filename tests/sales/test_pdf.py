"""The invoice, credit note and quote PDFs: what the customer reads (in the customer's
language, with the amounts of the UBL), PDF/A-3 with the UBL inside, and a payment QR code
that a banking app reads."""

import datetime
import io
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from stdnum.be import ogm_vcs

from apps.companies.scoping import company_scope
from apps.einvoice import from_xml, to_ubl, validate
from apps.sales.einvoicing import customer_snapshot, invoice_model, quote_model
from apps.sales.mentions import mention_for
from apps.sales.models import Customer, Invoice, InvoiceLine, Quote, QuoteLine, VatTreatment
from apps.sales.pdf import invoice_pdf, quote_pdf
from tests import factories
from tests.servers import require_program

D = Decimal
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
OGM = "0260000001" + ogm_vcs.calc_check_digits("0260000001")
ISSUED = datetime.date(2026, 11, 3)
# 12 × 102.50 at 21 % and 3 × 10.00 at 6 %: 1,260.00 + 260.10 VAT = 1,520.10.
LINES = [
    ("Broodjes voor de receptie", D("12"), "C62", D("102.50"), D("21")),
    ("Levering", D("3"), "C62", D("10.00"), D("6")),
]


def _customer(company, **fields) -> Customer:
    values = {
        "name": "Brasserie Den Hoek BV",
        "enterprise_number": "0403170701",
        "vat_id": "BE0403170701",
        "street": "Veldstraat 12",
        "language": "nl",
        "vat_treatment": VatTreatment.DOMESTIC,
    }
    return factories.CustomerFactory(company=company, **(values | fields))


def _invoice(company, customer, lines=LINES, **fields) -> Invoice:
    values = {
        "kind": Invoice.Kind.INVOICE,
        "status": Invoice.Status.ISSUED,
        "number": "2026-0042",
        "issue_date": ISSUED,
        "due_date": ISSUED + datetime.timedelta(days=30),
        "vat_treatment": customer.vat_treatment,
        "structured_communication": OGM,
        "customer_snapshot": customer_snapshot(customer),
    }
    with company_scope(company):
        invoice = Invoice.objects.create(company=company, customer=customer, **(values | fields))
        for position, (description, quantity, unit, price, rate, *discount) in enumerate(lines):
            InvoiceLine.objects.create(
                invoice=invoice,
                position=position,
                description=description,
                quantity=quantity,
                unit=unit,
                unit_price=price,
                vat_rate=rate,
                discount_percent=discount[0] if discount else D("0"),
            )
    return invoice


def _render(invoice) -> tuple[bytes, bytes]:
    """The PDF of ``invoice`` and the UBL inside it, the way issuing makes them."""
    with company_scope(invoice.company):
        model = invoice_model(invoice)
        ubl = to_ubl(model)
        return invoice_pdf(invoice, model, ubl=ubl), ubl


def _text(pdf: bytes, tmp_path) -> str:
    """The PDF's text with its whitespace (line breaks, layout spaces, no-break spaces) made
    single spaces, so that a sentence the layout wrapped still reads as one."""
    pdftotext = require_program("pdftotext", "apt-get install poppler-utils")
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(result.stdout.split())


def _first_page_png(pdf: bytes, tmp_path) -> Path:
    pdftoppm = require_program("pdftoppm", "apt-get install poppler-utils")
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    return next(tmp_path.glob("page*.png"))


def _barcodes(png: Path) -> list[str]:
    import zxingcpp

    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(png))]


@pytest.mark.parametrize(
    ("language", "amounts"),
    [
        ("nl", ["1.260,00 €", "260,10 €", "1.520,10 €", "1.230,00 €", "102,50 €"]),
        ("fr", ["1.260,00 €", "260,10 €", "1.520,10 €", "1.230,00 €", "102,50 €"]),
        ("en", ["€1,260.00", "€260.10", "€1,520.10", "€1,230.00", "€102.50"]),
    ],
)
def test_invoice_shows_the_amounts_of_its_ubl_formatted_for_the_customers_language(
    seller, tmp_path, language, amounts
):
    invoice = _invoice(seller, _customer(seller, language=language))

    text = _text(_render(invoice)[0], tmp_path)

    for amount in amounts:
        assert amount in text
    assert "03/11/2026" in text
    assert "03/12/2026" in text


def test_invoice_shows_the_structured_communication_with_plus_signs(seller, tmp_path):
    invoice = _invoice(seller, _customer(seller))

    text = _text(_render(invoice)[0], tmp_path)

    assert f"+++{OGM[:3]}/{OGM[3:7]}/{OGM[7:]}+++" in text
    assert "BE68 5390 0754 7034" in text


def test_invoice_shows_the_parties_and_their_numbers(seller, tmp_path):
    invoice = _invoice(seller, _customer(seller), buyer_reference="PO-7781")

    text = _text(_render(invoice)[0], tmp_path)

    number = seller.enterprise_number
    assert seller.name in text
    assert "Brasserie Den Hoek BV" in text
    assert f"BE {number[:4]}.{number[4:7]}.{number[7:]}" in text  # our VAT number
    assert seller.enterprise_number_display in text
    assert "BE 0403.170.701" in text  # the customer's
    assert "Veldstraat 12" in text
    assert seller.email in text
    assert "PO-7781" in text
    assert "2026-0042" in text


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_reverse_charge_invoice_carries_the_legal_mention_in_the_customers_language(
    seller, tmp_path, language
):
    customer = _customer(seller, language=language, vat_treatment=VatTreatment.REVERSE_CHARGE)
    invoice = _invoice(seller, customer)

    text = _text(_render(invoice)[0], tmp_path)

    mention = mention_for(VatTreatment.REVERSE_CHARGE, language)
    assert {"fr": "article 51, § 2", "nl": "artikel 51, § 2"}[language] in mention
    assert " ".join(mention.split()) in text
    # No VAT is charged: the total incl. VAT is the total excl. VAT.
    assert text.count("1.260,00 €") >= 3


def test_invoice_pdf_is_pdf_a_3_with_its_ubl_attached(seller):
    invoice = _invoice(seller, _customer(seller))

    pdf, ubl = _render(invoice)

    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {"2026-0042.xml": [ubl]}
    catalog = reader.trailer["/Root"]
    spec = catalog["/AF"][0].get_object()
    assert spec["/UF"] == "2026-0042.xml"
    assert spec["/AFRelationship"] == "/Alternative"
    xmp = ET.fromstring(catalog["/Metadata"].get_object().get_data())
    # XMP may write a property as an attribute or as an element: read both.
    pdfaid = "{http://www.aiim.org/pdfa/ns/id/}"
    values = {
        key.removeprefix(pdfaid): value
        for element in xmp.iter()
        for key, value in [*element.attrib.items(), (element.tag, element.text)]
        if key.startswith(pdfaid)
    }
    assert values == {"part": "3", "conformance": "B"}


def test_pdf_without_ubl_is_a_plain_pdf(seller):
    invoice = _invoice(seller, _customer(seller))

    with company_scope(seller):
        pdf = invoice_pdf(invoice, invoice_model(invoice))

    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert pdf.startswith(b"%PDF-")


def test_credit_note_shows_its_title_and_the_invoice_it_credits(seller, tmp_path):
    customer = _customer(seller, language="en")
    credited = _invoice(seller, customer)
    credit_note = _invoice(
        seller,
        customer,
        kind=Invoice.Kind.CREDIT_NOTE,
        number="CN2026-0003",
        issue_date=datetime.date(2026, 11, 20),
        due_date=None,
        structured_communication="",
        credited_invoice=credited,
    )

    pdf, _ubl = _render(credit_note)

    text = _text(pdf, tmp_path)
    assert "Credit note" in text
    assert "Credit note number CN2026-0003" in text
    assert "Credit note for invoice 2026-0042 of 03/11/2026" in text
    assert "Amount credited €1,520.10" in text
    assert "+++" not in text
    assert "Due date" not in text
    assert _barcodes(_first_page_png(pdf, tmp_path)) == []


def test_epc_qr_code_decodes_to_the_transfer_of_the_amount_due(seller, tmp_path):
    seller.name = "Bakkerij Hélène BV"
    seller.save()
    invoice = _invoice(seller, _customer(seller))

    pdf, _ubl = _render(invoice)

    png = _first_page_png(pdf, tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "sales-invoice-page1.png").write_bytes(png.read_bytes())
    assert _barcodes(png) == [
        "\n".join(
            [
                "BCD",
                "002",
                "1",
                "SCT",
                "",
                "Bakkerij Hélène BV",
                "BE68539007547034",
                "EUR1520.10",
                "",
                OGM,
            ]
        )
    ]


def test_invoice_without_an_iban_has_no_qr_code_but_keeps_its_communication(company, tmp_path):
    invoice = _invoice(company, _customer(company, language="en"))

    pdf, _ubl = _render(invoice)

    text = _text(pdf, tmp_path)
    assert f"+++{OGM[:3]}/{OGM[3:7]}/{OGM[7:]}+++" in text
    assert "Scan to pay" not in text
    assert _barcodes(_first_page_png(pdf, tmp_path)) == []


def test_an_invoice_the_seller_collects_says_paid_automatically_where_a_normal_one_says_how_to_pay(
    seller, tmp_path
):
    # given the same invoice paid by transfer (the default) and collected by the seller
    normal = _invoice(seller, _customer(seller, language="en"))
    collected = _invoice(
        seller,
        _customer(seller, language="en"),
        number="2026-0043",
        payment_collection=Invoice.PaymentCollection.COLLECTED,
    )
    ogm = f"+++{OGM[:3]}/{OGM[3:7]}/{OGM[7:]}+++"

    normal_pdf, normal_ubl = _render(normal)
    collected_pdf, collected_ubl = _render(collected)

    # then the normal one is unchanged: account, communication and QR code to pay with
    text = _text(normal_pdf, tmp_path)
    for transfer in ("BE68 5390 0754 7034", ogm, "Scan to pay"):
        assert transfer in text
    assert "Collected automatically" not in text
    assert len(_barcodes(_first_page_png(normal_pdf, tmp_path))) == 1
    assert (from_xml(normal_ubl).payment.means_code, from_xml(normal_ubl).payment.iban) == (
        "30",
        "BE68539007547034",
    )
    # and the collected one says it is paid automatically, with nothing to transfer to
    text = _text(collected_pdf, tmp_path)
    assert "Collected automatically by card or direct debit — no transfer needed." in text
    assert "€1,520.10" in text
    for transfer in ("IBAN", "BE68 5390 0754 7034", ogm, "Scan to pay"):
        assert transfer not in text, transfer
    (tmp_path / "collected").mkdir()
    png = _first_page_png(collected_pdf, tmp_path / "collected")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "sales-invoice-collected-page1.png").write_bytes(png.read_bytes())
    assert _barcodes(png) == []
    payment = from_xml(collected_ubl).payment
    assert (payment.means_code, payment.iban, payment.reference) == ("1", "", OGM)
    for ubl in (normal_ubl, collected_ubl):
        report = validate(ubl)
        assert report.is_valid, report.fatal_rules
        assert report.layers_run == ["xsd", "en16931", "peppol"]


def test_discounts_on_lines_and_on_the_total_show_as_the_ubl_computes_them(seller, tmp_path):
    # 4 × 25.00 less 10 % = 90.00, less 5 % on the total (4.50) = 85.50 + 17.96 VAT = 103.46.
    lines = [("Taart", D("4"), "C62", D("25.00"), D("21"), D("10"))]
    invoice = _invoice(seller, _customer(seller), lines=lines, discount_percent=D("5"))

    pdf, _ubl = _render(invoice)

    text = _text(pdf, tmp_path)
    with company_scope(seller):
        totals = invoice_model(invoice).totals
    assert (totals.tax_exclusive, totals.tax_total, totals.payable) == (
        D("85.50"),
        D("17.96"),
        D("103.46"),
    )
    assert "10 %" in text
    assert "90,00 €" in text
    assert "-4,50 €" in text
    assert "85,50 €" in text
    assert "17,96 €" in text
    assert "103,46 €" in text


def test_unit_price_keeps_its_four_decimals(seller, tmp_path):
    lines = [("Bloem per gram", D("1000"), "C62", D("0.0125"), D("6"))]
    invoice = _invoice(seller, _customer(seller), lines=lines)

    text = _text(_render(invoice)[0], tmp_path)

    assert "0,0125 €" in text
    assert "12,50 €" in text


def test_company_logo_is_inlined(seller):
    from django.core.files.base import ContentFile

    logo = io.BytesIO()
    Image.new("RGB", (120, 40), (11, 79, 108)).save(logo, format="PNG")
    seller.logo.save("logo.png", ContentFile(logo.getvalue()))
    invoice = _invoice(seller, _customer(seller))

    pdf, _ubl = _render(invoice)

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert [image.image.size for image in page.images] == [(120, 40)]


def test_long_invoice_numbers_its_pages(seller, tmp_path):
    lines = [(f"Dagschotel {n}", D("1"), "C62", D("12.00"), D("12")) for n in range(60)]
    invoice = _invoice(seller, _customer(seller, language="en"), lines=lines)

    pdf, _ubl = _render(invoice)

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages >= 2
    text = _text(pdf, tmp_path)
    assert f"Page 1 / {pages}" in text
    assert f"Page {pages} / {pages}" in text


def test_quote_shows_its_validity_and_the_link_to_accept_it(seller, settings, tmp_path):
    settings.SITE_URL = "https://app.okioki.test"
    customer = _customer(seller, language="en")
    with company_scope(seller):
        quote = Quote.objects.create(
            company=seller,
            customer=customer,
            number="Q2026-0007",
            issue_date=ISSUED,
            valid_until=ISSUED + datetime.timedelta(days=30),
            vat_treatment=VatTreatment.DOMESTIC,
            token="tok-abc",
        )
        for position, (description, quantity, unit, price, rate) in enumerate(LINES):
            QuoteLine.objects.create(
                quote=quote,
                position=position,
                description=description,
                quantity=quantity,
                unit=unit,
                unit_price=price,
                vat_rate=rate,
            )
        pdf = quote_pdf(quote, quote_model(quote))

    text = _text(pdf, tmp_path)
    assert "Quote" in text
    assert "Quote number Q2026-0007" in text
    assert "Valid until 03/12/2026" in text
    assert "https://app.okioki.test/q/tok-abc/" in text
    assert "€1,520.10" in text
    assert "+++" not in text
    assert "Amount due" not in text
    assert _barcodes(_first_page_png(pdf, tmp_path)) == []


@pytest.mark.parametrize(
    ("language", "name", "register"),
    [
        ("nl", "Bakkerij Test BV", "RPR Gent, afdeling Gent"),
        ("fr", "Bakkerij Test SRL", "RPM Gent, afdeling Gent"),
        ("en", "Bakkerij Test BV/SRL", "RLE Gent, afdeling Gent"),
    ],
)
def test_the_company_names_its_legal_form_and_register_in_the_customers_language(
    seller, tmp_path, language, name, register
):
    # Companies and Associations Code, art. 2:20: legal form, RPR/RPM and the court's seat
    seller.name, seller.legal_form, seller.court = "Bakkerij Test", "bv", "Gent, afdeling Gent"
    seller.in_liquidation = language == "nl"
    seller.save()
    text = _text(_render(_invoice(seller, _customer(seller, language=language)))[0], tmp_path)
    assert name in text
    assert register in text
    assert ("in vereffening" in text) == (language == "nl")


def test_a_sole_trader_has_no_register(seller, tmp_path):
    seller.legal_form, seller.court = "person", "Gent"
    seller.save()
    text = _text(_render(_invoice(seller, _customer(seller, language="nl")))[0], tmp_path)
    assert "RPR" not in text
