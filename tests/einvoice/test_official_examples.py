"""The 10 official Peppol examples parse, validate, and survive parse → build → validate."""

import json

import pytest
from django.core.management import call_command

from apps.einvoice import from_xml, to_ubl, validate
from tests.einvoice.conftest import official_examples

EXAMPLES = official_examples()
IDS = [path.name for path in EXAMPLES]


def test_all_ten_examples_are_there(peppol_dir):
    assert len(list(peppol_dir.glob("*.xml"))) == 10


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_example_is_valid_on_all_three_layers(path):
    report = validate(path.read_bytes())
    assert report.is_valid, report.to_dict()
    assert report.layers_run == ["xsd", "en16931", "peppol"]


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_example_survives_parse_build_validate_with_identical_totals(path):
    original = from_xml(path.read_bytes())
    rebuilt_xml = to_ubl(original)
    report = validate(rebuilt_xml)
    assert report.is_valid, report.to_dict()
    rebuilt = from_xml(rebuilt_xml)
    assert rebuilt.totals == original.totals
    assert rebuilt.vat_breakdown == original.vat_breakdown
    assert [line.net_amount for line in rebuilt.lines] == [
        line.net_amount for line in original.lines
    ]
    assert (rebuilt.number, rebuilt.type_code, rebuilt.seller.name) == (
        original.number,
        original.type_code,
        original.seller.name,
    )


def test_cli_validate_prints_one_line_per_file_and_exits_0(capsys, peppol_dir):
    call_command("einvoice", "validate", *[str(p) for p in EXAMPLES])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 10
    assert all(line.endswith(": valid") for line in lines)


def test_cli_validate_exits_1_and_names_the_rules(tmp_path, capsys, peppol_dir):
    broken = (
        (peppol_dir / "examples_base-example.xml")
        .read_text()
        .replace('<cbc:PayableAmount currencyID="EUR">', '<cbc:PayableAmount currencyID="EUR">1')
    )
    path = tmp_path / "broken.xml"
    path.write_text(broken)
    with pytest.raises(SystemExit) as exit_info:
        call_command("einvoice", "validate", str(path))
    assert exit_info.value.code == 1
    assert "BR-CO-16" in capsys.readouterr().out


def test_cli_parse_prints_the_business_terms(capsys, peppol_dir):
    call_command("einvoice", "parse", str(peppol_dir / "examples_base-example.xml"))
    data = json.loads(capsys.readouterr().out)
    assert data["number"] == "Snippet1"
    assert data["issue_date"] == "2017-11-13"
    assert data["currency"] == "EUR"
    assert data["seller"]["endpoint"] == {"scheme": "0088", "id": "9482348239847239874"}
    assert set(data["totals"]) >= {
        "line_extension",
        "allowance_total",
        "charge_total",
        "tax_exclusive",
        "tax_total",
        "tax_inclusive",
        "prepaid",
        "payable",
    }
    assert data["totals"]["payable"] == "1656.25"
    assert set(data["lines"][0]) >= {
        "id",
        "name",
        "quantity",
        "unit_code",
        "unit_price",
        "net_amount",
        "vat_category",
        "vat_rate",
    }
    assert set(data["vat_breakdown"][0]) >= {
        "category",
        "rate",
        "taxable_amount",
        "tax_amount",
        "exemption_reason_code",
        "exemption_reason",
    }
    assert set(data["payment"]) >= {"means_code", "reference", "iban"}


def test_cli_build_reads_the_parse_json_and_validates(tmp_path, capsys, peppol_dir):
    call_command("einvoice", "parse", str(peppol_dir / "examples_Vat-category-S.xml"))
    data = json.loads(capsys.readouterr().out)
    del data["totals"], data["vat_breakdown"]  # computed when omitted
    source = tmp_path / "model.json"
    source.write_text(json.dumps(data))
    call_command("einvoice", "build", str(source), "--validate")
    xml = capsys.readouterr().out.encode()
    assert validate(xml).is_valid
    assert (
        from_xml(xml).totals
        == from_xml((peppol_dir / "examples_Vat-category-S.xml").read_bytes()).totals
    )
