"""Reading invoices' visible text: golden files, Factur-X (text vs embedded XML), parsing."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from apps.documents.extraction import patterns
from apps.documents.extraction.files import ExtractionError, embedded_xml, pdf_text
from apps.documents.extraction.text import Hints, extract_from_text
from tests.conftest import shared_data
from tests.documents.corpus.data import MONTH_NAMES
from tests.documents.truth import embedded_truth
from tests.samples import encrypted_pdf

DATA = Path(settings.SHARED_DATA_DIR) / "invoices"


def _same_name(expected: str, found: str) -> bool:
    return expected.lower() in found.lower() or found.lower() in expected.lower()


GOLDEN = ["NetpresseInvoice", "QualityHosting", "coolblue1", "free_fiber"]


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_pdf_fields_match_the_expected_json(name):
    expected = json.loads(shared_data(DATA / "pdf" / f"{name}.json"))[0]
    found = extract_from_text(pdf_text(shared_data(DATA / "pdf" / f"{name}.pdf")).text)
    assert _same_name(expected["issuer"], found.value("counterparty_name"))
    assert found.value("number") == expected["invoice_number"]
    assert found.value("issue_date") == datetime.date.fromisoformat(expected["date"])
    assert found.value("total_incl_vat") == Decimal(str(expected["amount"]))
    assert found.value("total_excl_vat") == Decimal(str(expected["amount_untaxed"]))
    if expected.get("vat"):
        assert found.value("counterparty_vat_id") == expected["vat"].replace(" ", "")
    if expected.get("iban"):
        assert found.value("counterparty_iban") == expected["iban"]
    if expected.get("bic"):
        assert found.value("counterparty_bic") == expected["bic"]
    if expected.get("date_due"):
        assert found.value("due_date") == datetime.date.fromisoformat(expected["date_due"])
    if expected.get("currency"):
        assert found.value("currency") == expected["currency"]


FACTURX = [
    "Avoir_FR_type381_BASIC.pdf",
    "Facture_UE_BASICWL.pdf",
    "MustangGnuaccountingBeispielRE-20151008_504new.pdf",
    "zugferd_2p0_BASIC_Taxifahrt.pdf",
    "zugferd_2p0_EN16931_Einfach.pdf",
    "zugferd_2p0_EN16931_Rabatte.pdf",
]


@pytest.mark.parametrize("name", FACTURX)
def test_visible_text_of_factur_x_matches_its_embedded_xml(name):
    data = shared_data(DATA / "facturx" / name)
    truth = embedded_truth(embedded_xml(data).data)
    found = extract_from_text(pdf_text(data).text)
    assert found.value("number") == truth["number"]
    assert found.value("total_incl_vat") == truth["gross"]
    assert found.value("total_excl_vat") == truth["net"]
    assert found.value("total_vat") == truth["vat"]
    assert found.value("counterparty_vat_id") == truth["vat_id"]
    assert _same_name(truth["supplier"], found.value("counterparty_name"))
    # Facture_UE prints 11/03/2017 for 3 November: its other dates (11/17/2017) show the
    # month comes first, and the date is read that way
    assert found.value("issue_date") == truth["issue_date"]
    if truth["due_date"]:
        assert found.value("due_date") == truth["due_date"]
    if truth["iban"]:
        assert found.value("counterparty_iban") == truth["iban"]
    if truth["bic"]:
        assert found.value("counterparty_bic") == truth["bic"]
    assert (found.kind_hint == "credit_note") == truth["credit_note"]
    assert [
        (Decimal(e["rate"]), Decimal(e["taxable_amount"]), Decimal(e["tax_amount"]))
        for e in found.value("vat_breakdown") or []
    ] == truth["vat_breakdown"]


def test_our_own_vat_number_is_the_buyer_not_the_supplier():
    text = (
        "Factuur nr 2026-001\nLeverancier NV BTW BE0765432146\nKlant: BE0412345614\nTotaal € 121,00"
    )
    found = extract_from_text(text, hints=Hints(own_vat_ids=frozenset({"BE0412345614"})))
    assert found.value("counterparty_vat_id") == "BE0765432146"
    assert found.buyer_vat_id == "BE0412345614"


def test_known_supplier_gives_its_name():
    text = "Factuur 2026-17\nBTW BE0765432146\nTotaal 50,00 €"
    found = extract_from_text(text, hints=Hints(known_suppliers={"BE0765432146": "Studio Lumière"}))
    assert found.value("counterparty_name") == "Studio Lumière"


def test_belgian_invoice_text_in_dutch():
    text = """Bakkerij De Gouden Korst BV
Meir 12, 2000 Antwerpen
BTW BE 0412.345.614
Factuurnummer: 2026-0042
Factuurdatum: 02/11/2026
Vervaldatum: 02/12/2026
Totaal excl. btw  € 1.234,56
Btw 21%           € 259,26
Te betalen        € 1.493,82
IBAN BE56 3631 2345 6788
Mededeling +++010/8068/17183+++"""
    found = extract_from_text(text)
    assert found.value("counterparty_name") == "Bakkerij De Gouden Korst BV"
    assert found.value("counterparty_vat_id") == "BE0412345614"
    assert found.value("counterparty_enterprise_number") == "0412345614"
    assert found.value("number") == "2026-0042"
    assert found.value("issue_date") == datetime.date(2026, 11, 2)
    assert found.value("due_date") == datetime.date(2026, 12, 2)
    assert (
        found.value("total_excl_vat"),
        found.value("total_vat"),
        found.value("total_incl_vat"),
    ) == (Decimal("1234.56"), Decimal("259.26"), Decimal("1493.82"))
    assert found.value("counterparty_iban") == "BE56363123456788"
    assert found.value("structured_communication") == "010806817183"
    assert found.warnings == []


def test_an_account_on_its_own_line_is_read_whatever_follows_it():
    # given OCR text where the account ends its line and "BIC" starts the next one (the
    # pattern of an account in groups runs into it)
    text = "Garage Peeters BV\nRekening: BE80 9732 0593 5377\nBIC ARSPBE22\nFactuur 2026-0131\n"
    found = extract_from_text(text, source="ocr")
    assert found.value("counterparty_iban") == "BE80973205935377"


def test_a_belgian_account_ocr_read_with_a_letter_for_a_digit_is_mended_by_its_check():
    # given a Belgian account OCR read with an O for a 0 ...
    mended = extract_from_text("IBAN: BEO7 9734 5796 9366\n", source="ocr")
    assert mended.value("counterparty_iban") == "BE07973457969366"
    # ... but never one whose check digits still fail
    wrong = extract_from_text("IBAN: BEO7 9734 5796 9367\n", source="ocr")
    assert not wrong.value("counterparty_iban")


def test_a_structured_communication_ocr_spaced_out_and_a_hyphenated_due_date_label():
    text = (
        "Garage Peeters BV\nFactuur 2026-0131\nDue-date: 24 June 2026\n"
        "Gestructureerde mededeling: +++055/4270/05224+ ++\n"
    )
    found = extract_from_text(text, source="ocr")
    assert found.value("structured_communication") == "055427005224"
    assert found.value("due_date") == datetime.date(2026, 6, 24)


def test_inconsistent_totals_are_flagged():
    found = extract_from_text(
        "Facture n° 12\nTotal HT 100,00 €\nTVA 21% 21,00 €\nTotal TTC 130,00 €"
    )
    assert "totals_inconsistent" in found.warnings


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"%PDF-1.4\n garbage without structure", "malformed"), (encrypted_pdf(), "encrypted")],
)
def test_broken_and_encrypted_pdfs_raise_a_clear_error(data, code):
    with pytest.raises(ExtractionError) as error:
        pdf_text(data)
    assert error.value.code == code
    assert error.value.message


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999"), places=2))
def test_amounts_parse_in_belgian_and_english_notation(value):
    whole, cents = f"{value:.2f}".split(".")
    grouped = f"{int(whole):,}"
    assert patterns.parse_amount(f"€ {grouped.replace(',', '.')},{cents}") == value
    assert patterns.parse_amount(f"{grouped}.{cents}") == value
    assert patterns.parse_amount(f"{grouped.replace(',', ' ')},{cents} €") == value


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31)))
def test_dates_parse_in_every_european_format(day):
    assert patterns.parse_date(day.strftime("%d/%m/%Y")) == day
    assert patterns.parse_date(day.strftime("%d.%m.%Y")) == day
    assert patterns.parse_date(day.strftime("%d-%m-%Y")) == day
    assert patterns.parse_date(day.isoformat()) == day
    dutch = MONTH_NAMES["nl"][day.month - 1]
    french = MONTH_NAMES["fr"][day.month - 1]
    assert patterns.parse_date(f"{day.day} {dutch} {day.year}") == day
    assert patterns.parse_date(f"le {day.day} {french} {day.year}") == day
