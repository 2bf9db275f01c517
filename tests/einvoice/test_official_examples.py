"""The 10 official Peppol examples parse, validate, and survive parse → build → validate."""

import base64
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.einvoice import from_xml, to_ubl, validate
from apps.einvoice.jsonio import from_json
from tests.conftest import missing
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


def _parse_to_json_file(path, tmp_path, capsys):
    call_command("einvoice", "parse", str(path))
    source = tmp_path / f"{path.stem}.json"
    source.write_text(capsys.readouterr().out)
    return source


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_example_survives_parse_json_build_validate(path, tmp_path, capsys):
    # The operators' path: `einvoice parse FILE > model.json; einvoice build --validate`.
    source = _parse_to_json_file(path, tmp_path, capsys)
    call_command("einvoice", "build", str(source), "--validate")  # exits 1 when invalid
    xml = capsys.readouterr().out.encode()
    assert validate(xml).is_valid
    original, rebuilt = from_xml(path.read_bytes()), from_xml(xml)
    assert rebuilt.totals == original.totals
    assert rebuilt.vat_breakdown == original.vat_breakdown
    assert [a.content for a in rebuilt.attachments] == [a.content for a in original.attachments]


def test_category_o_breakdown_keeps_its_null_rate_through_json(tmp_path, capsys, peppol_dir):
    source = _parse_to_json_file(peppol_dir / "examples_vat-category-O.xml", tmp_path, capsys)
    data = json.loads(source.read_text())
    assert [entry["rate"] for entry in data["vat_breakdown"]] == [None]
    document = from_json(data)
    assert document.vat_breakdown[0].rate is None


def test_embedded_attachment_survives_parse_json_build(tmp_path, capsys, peppol_dir):
    path = peppol_dir / "snippets_Snippet-full.xml"
    original = next(a for a in from_xml(path.read_bytes()).attachments if a.content)
    assert original.filename == "milage.csv"
    source = _parse_to_json_file(path, tmp_path, capsys)
    printed = next(
        a for a in json.loads(source.read_text())["attachments"] if a["filename"] == "milage.csv"
    )
    assert printed["size"] == len(original.content)
    assert base64.b64decode(printed["content_base64"]) == original.content
    call_command("einvoice", "build", str(source))
    rebuilt = from_xml(capsys.readouterr().out.encode())
    (kept,) = [a for a in rebuilt.attachments if a.filename == "milage.csv"]
    assert (kept.content, kept.mime_code) == (original.content, "text/csv")


def test_cli_validate_json_prints_full_reports(capsys, peppol_dir, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text(
        (peppol_dir / "examples_base-example.xml")
        .read_text()
        .replace('<cbc:PayableAmount currencyID="EUR">', '<cbc:PayableAmount currencyID="EUR">1')
    )
    good = peppol_dir / "examples_base-example.xml"
    with pytest.raises(SystemExit) as exit_info:
        call_command("einvoice", "validate", "--json", str(good), str(broken))
    assert exit_info.value.code == 1
    reports = json.loads(capsys.readouterr().out)
    assert reports[str(good)]["valid"] is True
    assert [r["layer"] for r in reports[str(good)]["rule_sets"]] == ["xsd", "en16931", "peppol"]
    report = reports[str(broken)]
    assert report["valid"] is False
    failure = next(f for f in report["failures"] if f["rule"] == "BR-CO-16")
    assert failure["severity"] == "fatal"
    assert failure["layer"] == "en16931"
    assert "LegalMonetaryTotal" in failure["location"]
    assert "Amount due for payment" in failure["text"]
    assert failure["explanation"]  # one of the rules users hit most


def test_cli_build_validate_exits_1_on_an_invalid_document(tmp_path, capsys, peppol_dir):
    source = _parse_to_json_file(peppol_dir / "examples_base-example.xml", tmp_path, capsys)
    data = json.loads(source.read_text())
    data["buyer_reference"] = data["order_reference"] = ""  # PEPPOL-EN16931-R003
    source.write_text(json.dumps(data))
    with pytest.raises(SystemExit) as exit_info:
        call_command("einvoice", "build", str(source), "--validate")
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "<Invoice" in captured.out
    assert captured.err.startswith("invalid:")
    assert "PEPPOL-EN16931-R003" in captured.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<Invoice><unclosed></Invoice>", "broken or cut off"),
        (b"just text", "not XML"),
        (b"%PDF-1.4\nnot really a pdf", "damaged or is not a PDF"),
    ],
    ids=["malformed XML", "not XML", "broken PDF"],
)
def test_cli_parse_error_is_one_line_and_exit_code_1(tmp_path, content, message):
    path = tmp_path / "in.xml"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        call_command("einvoice", "parse", str(path))
    assert error.value.returncode == 1
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_cli_parse_reads_a_factur_x_pdf(capsys):
    path = (
        Path(settings.SHARED_DATA_DIR) / "invoices" / "facturx" / "zugferd_2p0_EN16931_Einfach.pdf"
    )
    if not path.exists():
        missing(f"Factur-X samples missing at {path}")
    call_command("einvoice", "parse", str(path))
    data = json.loads(capsys.readouterr().out)
    assert (data["number"], data["totals"]["payable"]) == ("471102", "529.87")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data["lines"][0].update(quantity="1e999999"), "lines[0].quantity"),
        (lambda data: data["lines"][0].update(quantity="NaN"), "lines[0].quantity"),
        (lambda data: data["lines"][0].update(unit_price="Infinity"), "lines[0].unit_price"),
        (
            lambda data: data["attachments"].append({"id": "x", "content_base64": "**not b64**"}),
            "content is not valid base64",
        ),
        (lambda data: data.update(issue_date="2026-13-45"), "issue_date is not an ISO date"),
    ],
    ids=["huge quantity", "NaN quantity", "infinite price", "bad base64", "bad date"],
)
def test_cli_build_refuses_bad_values_with_one_line(tmp_path, capsys, peppol_dir, change, message):
    source = _parse_to_json_file(peppol_dir / "examples_base-example.xml", tmp_path, capsys)
    data = json.loads(source.read_text())
    change(data)
    source.write_text(json.dumps(data))
    with pytest.raises(CommandError) as error:
        call_command("einvoice", "build", str(source))
    assert error.value.returncode == 1
    assert message in str(error.value)


def test_cli_build_refuses_a_json_number_beyond_range(tmp_path, capsys, peppol_dir):
    source = _parse_to_json_file(peppol_dir / "examples_base-example.xml", tmp_path, capsys)
    text = source.read_text().replace('"quantity": "7"', '"quantity": 1e999999', 1)
    assert "1e999999" in text
    source.write_text(text)
    with pytest.raises(CommandError) as error:
        call_command("einvoice", "build", str(source))
    assert "lines[0].quantity" in str(error.value)


def test_cli_checks_the_size_before_reading(tmp_path, monkeypatch):
    from apps.einvoice.management.commands import einvoice

    path = tmp_path / "big.xml"
    path.write_bytes(b"<Invoice/>" + b" " * 2048)
    monkeypatch.setattr(einvoice, "MAX_FILE_BYTES", 1024)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read the whole file"))
    with pytest.raises(CommandError) as error:
        call_command("einvoice", "parse", str(path))
    assert "too large" in str(error.value)


def test_cli_validate_names_an_unreadable_file_and_goes_on(tmp_path, capsys, peppol_dir):
    absent = tmp_path / "missing.xml"
    good = peppol_dir / "examples_base-example.xml"
    with pytest.raises(SystemExit) as exit_info:
        call_command("einvoice", "validate", str(absent), str(good))
    assert exit_info.value.code == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{absent}: error: No such file or directory",
        f"{good}: valid",
    ]
