"""Per VAT category and per common mistake, the validator names the expected rules."""

from dataclasses import replace
from decimal import Decimal

import pytest

from apps.einvoice import from_xml, to_ubl, validate
from apps.einvoice.model import Endpoint, VatBreakdown
from tests.einvoice import samples
from tests.einvoice.samples import BELGIAN_SET


@pytest.mark.parametrize("name", sorted(BELGIAN_SET))
def test_belgian_document_is_valid_on_all_three_layers(name):
    report = validate(to_ubl(BELGIAN_SET[name]()))
    assert report.is_valid, [(f.rule, f.text) for f in report.fatal] + report.errors
    assert report.layers_run == ["xsd", "en16931", "peppol"]


def test_belgian_details_survive_in_the_ubl():
    xml = to_ubl(samples.domestic_mixed())
    document = from_xml(xml)
    assert document.payment.reference == samples.OGM  # the OGM in PaymentID
    assert document.seller.endpoint == Endpoint(scheme="0208", id="0412345614")
    assert document.attachments[0].content == samples.PDF
    assert document.attachments[0].mime_code == "application/pdf"
    rates = {(b.category, b.rate): (b.taxable_amount, b.tax_amount) for b in document.vat_breakdown}
    assert rates == {
        ("S", Decimal("6")): (Decimal("24.50"), Decimal("1.47")),
        ("S", Decimal("12")): (Decimal("70.00"), Decimal("8.40")),
        ("S", Decimal("21")): (Decimal("122.50"), Decimal("25.73")),
    }
    assert document.totals.payable == Decimal("252.60")


def test_reverse_charge_carries_the_legal_mention():
    document = from_xml(to_ubl(samples.reverse_charge()))
    (entry,) = document.vat_breakdown
    assert entry.exemption_reason_code == "VATEX-EU-AE"
    assert "medecontractant" in entry.exemption_reason
    assert entry.tax_amount == Decimal("0.00")


def test_credit_note_refers_to_the_invoice():
    xml = to_ubl(samples.credit_note())
    assert b"<CreditNote" in xml
    document = from_xml(xml)
    assert document.preceding_invoices[0].number == "2026-0042"


def _tamper(xml: bytes, old: str, new: str) -> bytes:
    assert old.encode() in xml, old
    return xml.replace(old.encode(), new.encode(), 1)


MISTAKES = {
    "wrong tax inclusive total": (
        lambda: _tamper(
            to_ubl(samples.domestic_mixed()),
            '<cbc:TaxInclusiveAmount currencyID="EUR">252.60',
            '<cbc:TaxInclusiveAmount currencyID="EUR">252.61',
        ),
        {"BR-CO-15"},
    ),
    "wrong VAT amount for a rate": (
        lambda: _tamper(
            to_ubl(samples.domestic_mixed()),
            '<cbc:TaxAmount currencyID="EUR">25.73',
            '<cbc:TaxAmount currencyID="EUR">25.70',
        ),
        {"BR-CO-14"},
    ),
    "missing exemption reason": (
        lambda: to_ubl(replace(samples.exempt(), vat_breakdown=[])),
        {"BR-E-10"},
    ),
    "bad 0208 check digits": (
        lambda: to_ubl(
            replace(
                samples.domestic_mixed(),
                buyer=replace(samples.BUYER, endpoint=Endpoint(scheme="0208", id="0765432147")),
            )
        ),
        {"PEPPOL-COMMON-R043"},
    ),
    "missing buyer reference": (
        lambda: to_ubl(replace(samples.domestic_mixed(), buyer_reference="", order_reference="")),
        {"PEPPOL-EN16931-R003"},
    ),
    "missing buyer electronic address": (
        lambda: to_ubl(
            replace(samples.domestic_mixed(), buyer=replace(samples.BUYER, endpoint=None))
        ),
        {"PEPPOL-EN16931-R010"},
    ),
    "element order": (
        lambda: _tamper(
            _tamper(to_ubl(samples.domestic_mixed()), "<cbc:DueDate>2026-12-02</cbc:DueDate>", ""),
            "<cbc:DocumentCurrencyCode>",
            "<cbc:DueDate>2026-12-02</cbc:DueDate><cbc:DocumentCurrencyCode>",
        ),
        {"XSD"},
    ),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_common_mistake_names_its_rule(mistake):
    make, expected = MISTAKES[mistake]
    report = validate(make())
    assert not report.is_valid
    assert expected <= set(report.fatal_rules), report.fatal_rules


def test_explanations_are_in_the_users_language():
    report = validate(
        to_ubl(replace(samples.domestic_mixed(), buyer_reference="", order_reference=""))
    )
    failure = next(f for f in report.fatal if f.rule == "PEPPOL-EN16931-R003")
    assert "buyer reference" in failure.explanation("en")
    assert failure.explanation("nl") != failure.explanation("en")
    assert failure.explanation("fr") != failure.explanation("en")


def test_missing_rules_fail_closed(settings, tmp_path):
    from apps.einvoice import validation

    settings.PEPPOL_RULES_DIR = tmp_path  # an empty folder: no Peppol rules
    report = validation.validate(to_ubl(samples.domestic_mixed()))
    assert not report.is_valid
    assert any("peppol" in error for error in report.errors)
    assert "peppol" not in report.layers_run


def test_without_peppol_only_two_layers_are_expected():
    document = replace(samples.domestic_mixed(), buyer=replace(samples.BUYER, endpoint=None))
    report = validate(to_ubl(document), peppol=False)
    assert report.is_valid
    assert report.layers_run == ["xsd", "en16931"]


def test_typed_totals_are_never_trusted():
    document = samples.domestic_mixed()
    document.vat_breakdown = [
        VatBreakdown(
            category="S", rate=Decimal("21"), taxable_amount=Decimal("1"), tax_amount=Decimal("1")
        )
    ]
    assert validate(to_ubl(document)).is_valid
