"""CII is judged by EN 16931: the CEN CII rules (or their Factur-X stand-in, without the Factur-X
profile rules), whatever CIUS or extension the document names; MINIMUM and BASIC WL are read but
are not EN 16931 invoices; every fired rule has an id."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from facturx import get_xml_from_pdf

from apps.einvoice import from_xml, validate
from apps.einvoice import validation as validation_module
from apps.einvoice.cii import profiles
from tests.conftest import IN_CI, shared_data

CEN_CII = Path(settings.SHARED_DATA_DIR) / "en16931-examples" / "cii"
EXAMPLES = sorted(CEN_CII.glob("*.xml"))
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
FACTUR_X_EXTENDED = "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended"


def _example(name: str) -> bytes:
    return shared_data(CEN_CII / name)


def _with_guideline(xml: bytes, guideline: str) -> bytes:
    old = b"<ram:ID>urn:cen.eu:en16931:2017</ram:ID>"
    assert old in xml
    return xml.replace(old, f"<ram:ID>{guideline}</ram:ID>".encode(), 1)


def test_the_fifteen_cen_cii_examples_are_there():
    if not EXAMPLES and not IN_CI:
        pytest.skip(f"CEN CII examples missing at {CEN_CII}")
    assert len(EXAMPLES) == 15


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_every_cen_cii_example_is_valid_under_en16931(path):
    report = validate(path.read_bytes(), peppol=False)
    assert report.is_valid, report.to_dict()
    assert report.layers_run == ["xsd", "en16931"]
    assert report.profile in (profiles.EN16931, profiles.XRECHNUNG)
    ran = {rule_set.layer: rule_set.file for rule_set in report.rule_sets}
    assert ran["en16931"] == validation_module.cen_cii_rules().name
    assert ran["xsd"] == "CrossIndustryInvoice_100pD22B.xsd"


@pytest.mark.parametrize(
    "guideline",
    [
        XRECHNUNG,
        "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_2.3",
        "urn:cen.eu:en16931:2017",
        FACTUR_X_EXTENDED,
        "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    ],
)
def test_cius_and_extensions_are_judged_by_en16931(guideline):
    report = validate(_with_guideline(_example("CII_example1.xml"), guideline), peppol=False)
    assert report.is_valid, report.to_dict()
    assert report.errors == []
    assert "FX-SCH-A-000556" not in report.fatal_rules


def test_xrechnung_is_recognised():
    report = validate(_with_guideline(_example("CII_example1.xml"), XRECHNUNG), peppol=False)
    assert report.profile == profiles.XRECHNUNG
    assert report.to_dict()["profile"] == "xrechnung"


def _change(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert old in xml
    return xml.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        (b"<ram:ID>12115118</ram:ID>", b"", "BR-02"),
        (b"<ram:Name>De Koksmaat</ram:Name>", b"", "BR-06"),
        (
            b"<ram:DuePayableAmount>250.33</ram:DuePayableAmount>",
            b"<ram:DuePayableAmount>250.34</ram:DuePayableAmount>",
            "BR-CO-16",
        ),
        (
            b"<ram:GuidelineSpecifiedDocumentContextParameter>\n"
            b"            <ram:ID>urn:cen.eu:en16931:2017</ram:ID>\n"
            b"        </ram:GuidelineSpecifiedDocumentContextParameter>",
            b"",
            "BR-01",
        ),
    ],
)
def test_a_broken_example_fires_the_en16931_rule(old, new, rule):
    report = validate(_change(_example("CII_example1.xml"), old, new), peppol=False)
    assert not report.is_valid
    assert rule in report.fatal_rules, report.to_dict()
    assert all(failure.rule for failure in report.failures)


MINIMUM = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
    xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:factur-x.eu:1p0:minimum</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>MIN-2026-7</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime>
      <udt:DateTimeString format="102">20261201</udt:DateTimeString>
    </ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Bakkerij Peeters</ram:Name>
        <ram:PostalTradeAddress><ram:CountryID>BE</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration>
          <ram:ID schemeID="VA">BE0123456749</ram:ID>
        </ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Klant BV</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">21.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>121.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>121.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""


def _not_an_en16931_invoice(report) -> None:
    assert not report.is_valid
    assert report.errors == []
    assert report.fatal_rules == [profiles.NOT_EN16931]
    assert report.layers_run == ["xsd"]  # its own Factur-X schema; no EN 16931 rules apply


def test_minimum_is_read_and_said_not_to_be_an_en16931_invoice():
    report = validate(MINIMUM, peppol=False)
    _not_an_en16931_invoice(report)
    assert report.profile == profiles.MINIMUM
    document = from_xml(MINIMUM)  # what it holds is still read
    assert document.number == "MIN-2026-7"
    assert str(document.totals.payable) == "121.00"


def test_the_verdict_speaks_the_users_language():
    (failure,) = validate(MINIMUM, peppol=False).fatal
    with translation.override("en"):
        english = failure.explanation()
    assert "not an invoice under EN 16931" in english
    assert failure.explanation("nl") != english
    assert failure.explanation("fr") != english
    assert failure.to_dict()["explanation"]


def test_basic_wl_is_read_and_said_not_to_be_an_en16931_invoice():
    path = Path(settings.SHARED_DATA_DIR) / "invoices" / "facturx" / "Facture_UE_BASICWL.pdf"
    _name, xml = get_xml_from_pdf(shared_data(path), check_xsd=False)
    report = validate(xml, peppol=False)
    _not_an_en16931_invoice(report)
    assert report.profile == profiles.BASIC_WL
    assert from_xml(xml).number == "FA-2017-0008"


@pytest.mark.parametrize(
    ("guideline", "profile"),
    [
        ("urn:factur-x.eu:1p0:minimum", profiles.MINIMUM),
        ("urn:zugferd.de:2p0:minimum", profiles.MINIMUM),
        ("urn:factur-x.eu:1p0:basicwl", profiles.BASIC_WL),
        ("urn:cen.eu:en16931:2017", profiles.EN16931),
        ("urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", profiles.EN16931),
        (FACTUR_X_EXTENDED, profiles.EXTENDED),
        (XRECHNUNG, profiles.XRECHNUNG),
        (
            "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
            "#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0",
            profiles.XRECHNUNG,
        ),
        ("", profiles.EN16931),  # BR-01 says what is missing
    ],
)
def test_profile_of_a_specification_identifier(guideline, profile):
    assert profiles.profile(guideline) == profile


SVRL = "http://purl.oclc.org/dsdl/svrl"


@pytest.mark.parametrize(
    ("attributes", "text", "rule"),
    [
        ('id="BR-CO-16" location="/a"', "[BR-CO-16]-Amount due", "BR-CO-16"),
        ('location="/a"', "[BR-DEC-12]-The allowed maximum number of decimals", "BR-DEC-12"),
        ('location="/rsm:X[1]"', "Element 'ram:Name' is marked as not used", "/rsm:X[1]"),
    ],
)
def test_every_fired_rule_has_an_id(attributes, text, rule):
    svrl = (
        f'<svrl:schematron-output xmlns:svrl="{SVRL}"><svrl:failed-assert test="x" {attributes}>'
        f"<svrl:text>{text}</svrl:text></svrl:failed-assert></svrl:schematron-output>"
    )
    report = validation_module.ValidationReport()
    validation_module._record(report, "en16931", Path("rules.xslt"), svrl)
    assert [failure.rule for failure in report.failures] == [rule]


def test_the_factur_x_stand_in_says_so_and_the_cen_rules_are_taken_when_installed(
    tmp_path, settings
):
    settings.PEPPOL_RULES_DIR = str(tmp_path)
    report = validate(_example("CII_example1.xml"), peppol=False)
    assert validation_module.cen_cii_rules() == validation_module.CII_SCHEMATRON
    assert any("CEN-EN16931-CII.xslt" in notice for notice in report.notices)
    assert report.is_valid
    # beside the other rule files of the release in use
    installed = validation_module.peppol_rules_dir() / validation_module.CEN_CII_FILE
    installed.parent.mkdir(parents=True, exist_ok=True)
    installed.write_bytes(validation_module.CII_SCHEMATRON.read_bytes())
    assert validation_module.cen_cii_rules() == installed


def test_a_cen_cii_file_the_lock_does_not_pin_is_refused_not_run(tmp_path, settings):
    """Installed CEN CII rules are hash-checked against rules.lock like the UBL ones: a file that
    is not the pinned CEN CII 1.3.16 is refused and the report is not valid (fails closed)."""
    settings.PEPPOL_RULES_DIR = str(tmp_path)
    installed = validation_module.peppol_rules_dir() / validation_module.CEN_CII_FILE
    installed.parent.mkdir(parents=True, exist_ok=True)
    installed.write_bytes(validation_module.CII_SCHEMATRON.read_bytes())
    report = validate(_example("CII_example1.xml"), peppol=False)
    assert not report.is_valid
    assert any("refused" in error and installed.name in error for error in report.errors)
    assert "en16931" not in report.layers_run


def test_an_element_the_cii_schema_does_not_know_is_an_xsd_failure():
    old = b"<ram:TypeCode>380</ram:TypeCode>"
    xml = _change(_example("CII_example1.xml"), old, old + b"<ram:Colour>red</ram:Colour>")
    report = validate(xml, peppol=False)
    assert report.fatal_rules == ["XSD"]
    assert report.layers_run == ["xsd"]


def test_only_the_cen_rules_check_the_code_lists():
    """The CEN CII rules have the code-list rules; the Factur-X stand-in has none, and its
    report says so (a known gap until the CEN CII file is installed with the rules)."""
    xml = _change(_example("CII_example1.xml"), b'unitCode="', b'unitCode="ZZZ')
    report = validate(xml, peppol=False)
    if validation_module.cen_cii_rules() == validation_module.CII_SCHEMATRON:
        assert "BR-CL-23" not in report.fatal_rules
        assert any("BR-CL" in notice for notice in report.notices), report.notices
    else:
        assert "BR-CL-23" in report.fatal_rules


def test_a_seller_contact_with_person_and_department_is_a_warning_as_in_the_cen_rules(
    settings, tmp_path
):
    # XRechnung invoices often give both; CEN 1.3.16 flags CII-SR-465 as a warning, the
    # stand-in states it without a flag: it is reported as the CEN rules do, a warning.
    settings.PEPPOL_RULES_DIR = str(tmp_path)  # no CEN CII rules: the stand-in runs
    contact = (
        b"<ram:DefinedTradeContact><ram:PersonName>Jan Smit</ram:PersonName>"
        b"<ram:DepartmentName>Verkoop</ram:DepartmentName></ram:DefinedTradeContact>"
    )
    old = b"</ram:SpecifiedLegalOrganization>\n                <ram:PostalTradeAddress>"
    xml = _change(_example("CII_example1.xml"), old, old.replace(b"\n", contact + b"\n", 1))
    report = validate(xml, peppol=False)
    assert report.rule_sets[-1].file == validation_module.CII_SCHEMATRON.name
    assert report.is_valid, report.fatal_rules
    assert [f.severity for f in report.failures if f.rule == "CII-SR-465"] == ["warning"]
