"""Peppol BIS Self-Billing: a self-billed invoice (389) or credit note is read and built with
the self-billing customization and profile; the EN 16931 rules are the same as for billing."""

from dataclasses import replace

import pytest

from apps.einvoice import complete, from_xml, to_ubl, validate
from apps.einvoice.ubl.build import SELF_BILLING_CUSTOMIZATION_ID, SELF_BILLING_PROFILE_ID
from tests.einvoice import samples

# The Peppol BIS Billing rules check the billing identifiers; Self-Billing has its own.
BILLING_IDENTIFIER_RULES = {"PEPPOL-EN16931-R004", "PEPPOL-EN16931-R007"}


def _check(xml: bytes) -> None:
    report = validate(xml)
    assert report.layers_run == ["xsd", "en16931", "peppol"]
    failures = {failure.rule for failure in report.failures}
    assert failures <= BILLING_IDENTIFIER_RULES, report.to_dict()


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
