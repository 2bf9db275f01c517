"""Every rule id that fires in practice has plain words in nl, fr and en, from the user's side."""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from apps.einvoice import to_ubl, validate
from apps.einvoice.explanations import PARTY, RECEIVED, SALES, explain, fired_rules
from apps.einvoice.templatetags.einvoice_rules import rule_explanation
from tests.einvoice import samples

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "fired_rules.py"


def _script():
    spec = importlib.util.spec_from_file_location("fired_rules_script", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _in(language: str, rule: str, side: str) -> str:
    with translation.override(language):
        return str(explain(rule, side) or "")


def test_the_list_of_fired_rules_is_in_the_repository():
    rules = fired_rules()
    assert len(rules) >= 410  # 161 from our examples and their broken copies, the rest from
    # the official Peppol and CEN test files and the CEN CII rules (see scripts/fired_rules.py)
    assert len(rules) == len(set(rules))
    for rule in ("PEPPOL-EN16931-CL008", "PEPPOL-EN16931-R046", "PEPPOL-COMMON-R040"):
        assert rule in rules
    for rule in ("PEPPOL-COMMON-R049", "BR-CL-22", "BR-CL-25", "PEPPOL-EN16931-P0100"):
        assert rule in rules
    for rule in (
        "BR-03",
        "BR-16",
        "DE-R-015",
        "SE-R-013",
        "PEPPOL-EN16931-F001",
        "BR-AE-02",
        "CII-DT-097",
    ):
        assert rule in rules


@pytest.mark.parametrize("side", [SALES, RECEIVED])
def test_every_fired_rule_has_plain_words(side):
    missing = [rule for rule in fired_rules() if not _in("en", rule, side)]
    assert missing == []


@pytest.mark.parametrize("language", ["nl", "fr"])
@pytest.mark.parametrize("side", [SALES, RECEIVED])
def test_every_fired_rule_is_translated(language, side):
    untranslated = [
        rule
        for rule in fired_rules()
        if not _in(language, rule, side) or _in(language, rule, side) == _in("en", rule, side)
    ]
    assert untranslated == []


def test_party_rules_speak_to_the_seller_on_sales_and_the_buyer_on_received():
    assert "Your company name" in _in("en", "BR-06", SALES)
    assert "supplier" in _in("en", "BR-06", RECEIVED)
    assert "customer" in _in("en", "PEPPOL-EN16931-R010", SALES)
    assert "Your electronic address" in _in("en", "PEPPOL-EN16931-R010", RECEIVED)
    assert "Je elektronisch adres" in _in("nl", "PEPPOL-EN16931-R010", RECEIVED)
    assert "fournisseur" in _in("fr", "PEPPOL-EN16931-R020", RECEIVED)
    for rule, sides in PARTY.items():
        if SALES in sides:
            assert _in("en", rule, SALES) != _in("en", rule, RECEIVED), rule


def test_a_rule_about_the_invoice_says_who_corrects_it_on_a_received_document():
    assert _in("en", "BR-CL-23", SALES).startswith("A unit of measure is unknown")
    assert _in("en", "BR-CL-23", RECEIVED).endswith("ask for a corrected invoice.")
    assert "fournisseur" in _in("fr", "BR-CL-23", RECEIVED)


def test_the_default_side_is_sales_as_before():
    assert explain("PEPPOL-EN16931-R020") == explain("PEPPOL-EN16931-R020", SALES)
    assert "Your electronic address" in _in("en", "PEPPOL-EN16931-R020", SALES)
    assert explain("NOT-A-RULE") is None
    assert rule_explanation("BR-06") == _in("en", "BR-06", SALES)
    assert rule_explanation("BR-06", RECEIVED) == _in("en", "BR-06", RECEIVED)


def test_a_failure_explains_itself_for_either_side():
    xml = to_ubl(samples.domestic_mixed())
    report = validate(xml.replace(b'unitCode="C62"', b'unitCode="ZZZ"'))
    failure = next(f for f in report.fatal if f.rule == "BR-CL-23")
    assert failure.explanation("nl").startswith("Een maateenheid is onbekend")
    assert "leverancier" in failure.explanation("nl", side=RECEIVED)
    assert failure.to_dict()["explanation"] == failure.explanation()


def test_rules_firing_on_broken_copies_of_another_example_are_in_the_list(peppol_dir):
    """The generator run on an example it doesn't break itself finds no rule outside the list."""
    fired = _script().fired_rules(mutated=("peppol/examples_base-example.xml",))
    assert set(fired) - set(fired_rules()) == set()


def test_the_side_can_be_named_after_the_party_the_user_is():
    assert explain("BR-06", side="buyer") == explain("BR-06", RECEIVED)
    assert explain("BR-06", side="seller") == explain("BR-06", SALES)
    assert str(explain("BR-CL-23", side="buyer")) == str(explain("BR-CL-23", RECEIVED))
    with pytest.raises(ValueError, match="unknown side"):
        explain("BR-06", side="accountant")


def test_every_rule_of_a_family_that_says_the_same_has_its_words():
    assert explain("UBL-CR-001") == explain("UBL-CR-679")  # "should not include ..."
    assert "EN 16931" in _in("en", "UBL-CR-358", SALES)
    assert explain("UBL-SR-99") is None  # no family: never seen firing, no text


def test_the_generator_refuses_a_rule_file_it_cannot_load_instead_of_counting_nothing(tmp_path):
    """A rule file named on the command line that can't be loaded (missing, or unpinned, as any
    CEN CII file is today) stops the run: a shorter list written silently would drop rule ids."""
    from apps.einvoice import rulesets
    from apps.einvoice import validation as validation_module

    unpinned = tmp_path / "EN16931-CII-validation.xslt"
    unpinned.write_bytes(validation_module.CII_SCHEMATRON.read_bytes())
    with pytest.raises(rulesets.RulesRefused):
        _script()._rule_layers_only(b"<x/>", [unpinned])
    with pytest.raises(FileNotFoundError):
        _script()._rule_layers_only(b"<x/>", [tmp_path / "missing.xslt"])


def test_our_own_verdict_has_its_words_wherever_rules_are_explained():
    """CII-NOT-EN16931 (Factur-X MINIMUM, BASIC WL) reads the same in a report and on the
    document page, on either side."""
    from apps.einvoice.cii import profiles

    with translation.override("nl"):
        expected = str(profiles.NOT_EN16931_MESSAGE)
        assert rule_explanation(profiles.NOT_EN16931) == expected
        assert rule_explanation(profiles.NOT_EN16931, "received") == expected
