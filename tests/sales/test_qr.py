"""The EPC069-12 payload of the payment QR code, and its SVG."""

import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from PIL import Image

from apps.sales.qr import epc_payload, epc_svg
from tests.servers import require_program

D = Decimal
IBAN = "BE68539007547034"


def _lines(**changes) -> list[str]:
    values = {
        "name": "Bakkerij Test BV",
        "iban": IBAN,
        "amount": D("1520.10"),
        "reference": "010806817183",
    }
    return epc_payload(**(values | changes)).split("\n")


def test_payload_is_version_002_utf8_sepa_credit_transfer_with_nothing_after_the_reference():
    assert _lines() == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        "Bakkerij Test BV",
        IBAN,
        "EUR1520.10",
        "",
        "010806817183",
    ]


def test_structured_communication_goes_in_the_structured_line_as_its_12_digits():
    lines = _lines(reference="+++010/8068/17183+++")

    assert lines[9] == "010806817183"
    assert len(lines) == 10  # no free text next to it


def test_rf_creditor_reference_goes_in_the_structured_line():
    assert _lines(reference="RF18 5390 0754 7034")[9:] == ["RF18539007547034"]


def test_other_reference_becomes_the_free_remittance_text():
    lines = _lines(reference="Factuur 2026-0042\n(broodjes)")

    assert lines[9:] == ["", "Factuur 2026-0042 (broodjes)"]


def test_invalid_structured_communication_is_not_passed_off_as_structured():
    assert _lines(reference="010806817184")[9:] == ["", "010806817184"]


def test_iban_is_written_without_spaces_and_bic_in_capitals():
    lines = _lines(iban="be68 5390 0754 7034", bic="gkcc bebb")

    assert lines[4] == "GKCCBEBB"
    assert lines[6] == IBAN


def test_name_is_one_line_of_at_most_70_characters():
    lines = _lines(name="Bakkerij\nvan de Kerkstraat " + "x" * 80)

    assert lines[5].startswith("Bakkerij van de Kerkstraat x")
    assert len(lines[5]) == 70


@pytest.mark.parametrize(
    ("amount", "text"),
    [(D("1"), "EUR1.00"), (D("0.01"), "EUR0.01"), (D("999999999.99"), "EUR999999999.99")],
)
def test_amount_has_two_decimals(amount, text):
    assert _lines(amount=amount)[7] == text


@pytest.mark.parametrize("amount", [D("0"), D("0.004"), D("-5"), D("1000000000")])
def test_amount_outside_the_epc_range_is_refused(amount):
    with pytest.raises(ValueError):
        epc_payload(name="Bakkerij Test BV", iban=IBAN, amount=amount, reference="")


def test_iban_with_a_wrong_check_is_refused():
    with pytest.raises(ValueError):
        epc_payload(name="Bakkerij Test BV", iban="BE68539007547035", amount=D("1"), reference="")


def test_payload_too_long_for_an_epc_qr_code_is_refused():
    # 70 + 140 three-byte characters: past the 331 bytes a version 13 code at level M holds.
    with pytest.raises(ValueError):
        epc_payload(name="€" * 70, iban=IBAN, amount=D("1"), reference="€" * 140)


def test_svg_is_inline_and_sized_by_the_page(tmp_path):
    svg = epc_svg(epc_payload(name="Bakkerij Test BV", iban=IBAN, amount=D("1"), reference=""))

    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox")
    assert root.get("width") is None
    assert root.get("height") is None
    assert "<?xml" not in svg
    assert "href" not in svg


def test_svg_decodes_to_the_payload(tmp_path):
    import zxingcpp
    from weasyprint import HTML

    pdftoppm = require_program("pdftoppm", "apt-get install poppler-utils")
    payload = epc_payload(
        name="Boulangerie Hélène SRL",
        iban=IBAN,
        amount=D("12.30"),
        reference="+++010/8068/17183+++",
    )
    html = f'<div style="width: 40mm">{epc_svg(payload)}</div>'
    (tmp_path / "qr.pdf").write_bytes(HTML(string=html).write_pdf())
    subprocess.run(
        [pdftoppm, "-png", "-r", "150", str(tmp_path / "qr.pdf"), str(tmp_path / "qr")], check=True
    )

    png = next(tmp_path.glob("qr*.png"))
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(png))] == [payload]
