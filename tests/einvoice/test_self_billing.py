"""Peppol BIS Self-Billing: a self-billed invoice (389) or credit note is read and built with
the self-billing customization and profile, and judged by the Peppol self-billing rules when they
are installed (else by the billing rules less the two that check the billing identifiers, said
in a notice); the EN 16931 rules are the same as for billing."""

from dataclasses import replace

import pytest

from apps.einvoice import complete, from_xml, to_ubl, validate
from apps.einvoice.ubl.build import SELF_BILLING_CUSTOMIZATION_ID, SELF_BILLING_PROFILE_ID
from apps.einvoice.validation import (
    BILLING_IDENTIFIER_RULES,
    PEPPOL_SELF_BILLING_FILE,
    RULES,
    peppol_rules_dir,
)
from tests.einvoice import samples


def _check(xml: bytes) -> None:
    report = validate(xml)
    assert report.layers_run == ["xsd", "en16931", "peppol"]
    assert report.is_valid, report.to_dict()
    installed = (peppol_rules_dir() / PEPPOL_SELF_BILLING_FILE).is_file()
    ran = report.rule_sets[-1].file
    assert ran == (PEPPOL_SELF_BILLING_FILE if installed else "PEPPOL-EN16931-UBL.xslt")
    assert installed or any(PEPPOL_SELF_BILLING_FILE in notice for notice in report.notices)


@pytest.mark.parametrize(
    "document",
    [
        lambda: replace(samples.domestic_mixed(), type_code="389"),
        lambda: replace(
            samples.credit_note(), type_code="261", customization_id=SELF_BILLING_CUSTOMIZATION_ID
        ),
    ],
    ids=["self-billed invoice 389", "self-billed credit note 261"],
)
def test_self_billed_document_is_built_and_read_back(document):
    document = complete(document())
    xml = to_ubl(document)
    assert SELF_BILLING_CUSTOMIZATION_ID.encode() in xml
    assert SELF_BILLING_PROFILE_ID.encode() in xml
    _check(xml)
    parsed = from_xml(xml)
    assert (parsed.type_code, parsed.customization_id, parsed.profile_id) == (
        document.type_code,
        SELF_BILLING_CUSTOMIZATION_ID,
        SELF_BILLING_PROFILE_ID,
    )
    assert parsed.totals == document.totals
    assert from_xml(to_ubl(parsed)) == parsed  # and it stays self-billing


def test_ordinary_invoice_keeps_the_billing_customization():
    xml = to_ubl(samples.domestic_mixed())
    assert b"poacc:billing:3.0" in xml
    assert b"selfbilling" not in xml


def test_without_the_self_billing_rules_the_billing_ones_stand_in_and_say_so(settings, tmp_path):
    for name in ("CEN-EN16931-UBL.xslt", "PEPPOL-EN16931-UBL.xslt"):
        (tmp_path / name).write_bytes((peppol_rules_dir() / name).read_bytes())
    settings.PEPPOL_RULES_DIR = str(tmp_path)
    xml = to_ubl(complete(replace(samples.domestic_mixed(), type_code="389")))
    report = validate(xml)
    assert report.is_valid, report.to_dict()
    assert any(PEPPOL_SELF_BILLING_FILE in notice for notice in report.notices)
    assert report.rule_sets[-1].file == "PEPPOL-EN16931-UBL.xslt"
    # the two identifier rules are the only ones left out: they do fire on this document
    svrl = RULES.run([tmp_path / "PEPPOL-EN16931-UBL.xslt"], xml.decode())[0]
    assert all(rule in str(svrl) for rule in BILLING_IDENTIFIER_RULES)
    # and an ordinary invoice is judged by every billing rule, without a notice
    assert validate(to_ubl(samples.domestic_mixed())).notices == []
