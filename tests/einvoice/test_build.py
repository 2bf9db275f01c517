"""The builder refuses what UBL can't carry with one clear error, never a raw exception."""

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from apps.einvoice import EInvoiceError, from_pdf, from_xml, to_ubl, validate
from apps.einvoice.model import AllowanceCharge
from tests.conftest import shared_data
from tests.einvoice import samples


def _with_first_line(**changes):
    document = samples.domestic_mixed()
    return replace(document, lines=[replace(document.lines[0], **changes), *document.lines[1:]])


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (lambda: _with_first_line(quantity=Decimal("NaN")), "lines[0].quantity"),
        (lambda: _with_first_line(unit_price=Decimal("-Infinity")), "lines[0].unit_price"),
        (lambda: _with_first_line(quantity=Decimal("1e999999")), "lines[0].quantity"),
        (lambda: _with_first_line(base_quantity=Decimal("1e-999")), "lines[0].base_quantity"),
        (
            lambda: replace(
                samples.domestic_mixed(),
                allowances=[AllowanceCharge(is_charge=False, amount=Decimal("sNaN"))],
            ),
            "allowances[0].amount",
        ),
    ],
    ids=["NaN", "-Infinity", "1e999999", "1e-999", "sNaN"],
)
def test_builder_refuses_numbers_that_are_not_finite_and_sane(document, field):
    with pytest.raises(EInvoiceError) as error:
        to_ubl(document())
    assert error.value.code == "bad_number"
    assert field in error.value.message


def test_largest_accepted_numbers_still_build():
    xml = to_ubl(
        _with_first_line(
            quantity=Decimal("999999999999999.9999"),
            unit_price=Decimal("999999999999999.9999"),
            base_quantity=Decimal("0.00000000000000000001"),
        )
    )
    assert b"<cbc:LineExtensionAmount" in xml


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "lone \ud800 surrogate", "\uffff"])
def test_builder_refuses_characters_xml_cannot_carry(text):
    with pytest.raises(EInvoiceError) as error:
        to_ubl(_with_first_line(name=text))
    assert error.value.code == "bad_characters"
    assert "lines[0].name" in error.value.message


@pytest.mark.parametrize(
    ("change", "term"),
    [({"currency": ""}, "BT-5"), ({"lines": []}, "BG-25")],
    ids=["no currency", "no lines"],
)
def test_builder_refuses_what_the_ubl_schema_requires_naming_the_business_term(change, term):
    with pytest.raises(EInvoiceError) as error:
        to_ubl(replace(samples.domestic_mixed(), **change))
    assert error.value.code == "missing_field"
    assert term in error.value.message


def test_missing_field_is_named_in_the_users_language():
    with translation.override("fr"), pytest.raises(EInvoiceError) as error:
        to_ubl(replace(samples.domestic_mixed(), lines=[]))
    assert "BG-25" in error.value.message
    assert "UBL" in error.value.message
    assert "missing" not in error.value.message


def test_cii_basic_wl_without_lines_is_refused_not_built_invalid():
    path = Path(settings.SHARED_DATA_DIR) / "invoices" / "facturx" / "Facture_UE_BASICWL.pdf"
    document = from_pdf(shared_data(path))
    assert document.lines == []
    with pytest.raises(EInvoiceError) as error:
        to_ubl(document)
    assert error.value.code == "missing_field"


def test_ubl_2_0_without_document_currency_takes_it_from_its_amounts():
    xml = to_ubl(samples.domestic_mixed())
    without = xml.replace(b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>", b"")
    assert without != xml
    document = from_xml(without)
    assert document.currency == "EUR"
    assert validate(to_ubl(document)).is_valid
