"""`manage.py documents extract`: the JSON of `einvoice parse`, plus kind, category, sources."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.conftest import IN_CI

FACTURX = (
    Path(settings.SHARED_DATA_DIR) / "invoices" / "facturx" / "zugferd_2p0_EN16931_Einfach.pdf"
)


@pytest.fixture
def einfach() -> Path:
    if not FACTURX.exists():
        if IN_CI:
            pytest.fail(f"test data missing: {FACTURX}")
        pytest.skip(f"test data missing: {FACTURX}")
    return FACTURX


def _run(capsys, *args: str) -> dict:
    call_command("documents", "extract", *args)
    return json.loads(capsys.readouterr().out)


def test_embedded_xml_is_read_first(capsys, einfach):
    data = _run(capsys, str(einfach))
    assert data["number"] == "471102"
    assert data["sources"]["number"] == "xml"
    assert data["kind"] == "purchase_invoice"
    assert data["category"] == "purchases"


def test_no_embedded_reads_the_visible_text_and_finds_the_same(capsys, einfach):
    embedded = _run(capsys, str(einfach))
    visible = _run(capsys, str(einfach), "--no-embedded")
    assert visible["sources"]["number"] == "pdf_text"
    assert visible["sources"]["totals.tax_inclusive"] == "pdf_text"
    for key in ("number", "issue_date"):
        assert visible[key] == embedded[key]
    for key in ("tax_exclusive", "tax_total", "tax_inclusive"):
        assert visible["totals"][key] == embedded["totals"][key]
    assert visible["seller"]["vat_id"] == embedded["seller"]["vat_id"]


def test_unreadable_file_is_a_clear_command_error(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(CommandError, match="damaged"):
        call_command("documents", "extract", str(path))
