"""Every number in the demo (`make run`) is fictitious but valid: enterprise and VAT numbers,
IBANs and structured communications pass python-stdnum's checks, and none is one of the real
numbers the demo once used."""

import re
from pathlib import Path

import pytest
from stdnum import iban
from stdnum.be import iban as be_iban
from stdnum.be import ogm_vcs
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat

from apps.demo.profiles import PROFILES

DEMO = Path(__file__).resolve().parents[2] / "apps" / "demo"

# Real numbers found in the demo before: never again.
KNOWN_REAL = {
    "BE0202239951",  # Proximus NV
    "BE0403170701",  # ENGIE Electrabel NV
    # python-stdnum's documentation example of a German VAT number: published examples like it
    # belong to registered companies
    "DE136695976",
}

# A country code, two check digits and the rest in groups, with or without spaces: an IBAN or
# a VAT number (told apart by their length below).
COUNTRY_NUMBER = re.compile(r"\b(BE|DE|FR|NL|LU)(\d{2}(?: ?[0-9A-Z]{1,4})+|\d{9,12})\b")
ENTERPRISE_NUMBER = re.compile(r"(?<![\d/])[01]\d{3}[.]?\d{3}[.]?\d{3}(?![\d/])")
STRUCTURED = re.compile(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+|(?<![\d/-])\d{12}(?![\d/-])")
VAT_LENGTHS = {"BE": 10, "DE": 9, "FR": 11, "NL": 12, "LU": 8}


def _sources() -> list[Path]:
    return [
        path
        for path in sorted(DEMO.rglob("*"))
        if path.suffix in (".py", ".html") and "__pycache__" not in path.parts
    ]


def _numbers() -> dict[str, set[str]]:
    """Every number in the demo's sources, by kind, in compact form."""
    found: dict[str, set[str]] = {"vat": set(), "iban": set(), "enterprise": set(), "ogm": set()}
    for path in _sources():
        text = path.read_text()
        for country, rest in COUNTRY_NUMBER.findall(text):
            compact = country + rest.replace(" ", "")
            is_vat = len(compact) - 2 == VAT_LENGTHS[country]
            found["vat" if is_vat else "iban"].add(compact)
        found["enterprise"].update(n.replace(".", "") for n in ENTERPRISE_NUMBER.findall(text))
        found["ogm"].update(re.sub(r"\D", "", n) for n in STRUCTURED.findall(text))
    # a Belgian VAT number holds the enterprise number: counted once, as a VAT number
    found["enterprise"] -= {n[2:] for n in found["vat"] if n.startswith("BE")}
    return found


def test_the_scan_finds_the_demos_numbers():
    # given the demo's sources, when they are scanned, then the profiles' numbers are found
    found = _numbers()
    for profile in PROFILES.values():
        for customer in profile.sales.customers:
            assert customer["vat_id"] in found["vat"]
        assert profile.einvoice_supplier["iban"] in found["iban"]
        assert profile.einvoice_supplier["enterprise_number"] in found["enterprise"]
        assert re.sub(r"\D", "", profile.learned_invoices[0][-1]) in found["ogm"]
    assert {"DE89370400440532013000", "FR7630006000011234567890189"} <= found["iban"]
    assert sum(len(numbers) for numbers in found.values()) > 50


@pytest.mark.parametrize("kind", ["vat", "iban", "enterprise", "ogm"])
def test_every_demo_number_is_valid_and_fictitious(kind):
    numbers = _numbers()[kind]
    assert numbers
    checks = {
        "vat": eu_vat.is_valid,
        # Belgian IBANs with their bank code and national check digits as well
        "iban": lambda n: be_iban.is_valid(n) if n.startswith("BE") else iban.is_valid(n),
        "enterprise": be_vat.is_valid,
        "ogm": ogm_vcs.is_valid,
    }
    invalid = sorted(n for n in numbers if not checks[kind](n))
    assert invalid == []
    real = {n for n in numbers if n in KNOWN_REAL or f"BE{n}" in KNOWN_REAL}
    assert real == set()


def test_the_demo_customers_and_suppliers_use_unissued_enterprise_numbers():
    # the demo companies keep the numbers the tests know them by; every other Belgian party
    # of the demo has a number KBO/BCE has not issued (1999.xxx.xxx)
    companies = {"0412345614", "0765432146"}
    others = _numbers()["enterprise"] - companies
    assert others
    assert {n for n in others if not n.startswith("1999")} == set()
