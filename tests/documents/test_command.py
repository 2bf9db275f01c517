"""`manage.py documents extract`: the JSON of `einvoice parse`, plus kind, category, sources."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.conftest import shared_data

FACTURX = (
    Path(settings.SHARED_DATA_DIR) / "invoices" / "facturx" / "zugferd_2p0_EN16931_Einfach.pdf"
)


@pytest.fixture
def einfach() -> Path:
    shared_data(FACTURX)
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


MUSTANG = (
    Path(settings.SHARED_DATA_DIR)
    / "invoices"
    / "facturx"
    / "MustangGnuaccountingBeispielRE-20151008_504new.pdf"
)


@pytest.fixture
def mustang() -> Path:
    shared_data(MUSTANG)
    return MUSTANG


def test_unreadable_embedded_zugferd_1_falls_back_to_the_visible_text(capsys, mustang):
    data = _run(capsys, str(mustang))
    assert "embedded_xml_unreadable: zugferd1" in data["warnings"]
    assert data["number"] == "RE-20151008/504"
    assert data["sources"]["number"] == "pdf_text"
    assert data["totals"]["tax_inclusive"] == "571.04"


def test_no_embedded_finds_the_rechnung_number(capsys, mustang):
    data = _run(capsys, str(mustang), "--no-embedded")
    assert data["number"] == "RE-20151008/504"
    assert data["due_date"] == "2015-10-29"
    assert data["warnings"] == []


def test_sources_map_each_field_to_where_it_was_found(capsys, einfach):
    embedded = _run(capsys, str(einfach))
    assert embedded["sources"]["seller.name"] == "xml"
    assert embedded["sources"]["seller.vat_id"] == "xml"
    assert embedded["sources"]["totals.payable"] == "xml"
    assert embedded["sources"]["lines"] == "xml"
    assert "seller" not in embedded["sources"]  # fields, not blocks
    visible = _run(capsys, str(einfach), "--no-embedded")
    assert visible["sources"]["seller.name"] == "pdf_text"
    assert visible["sources"]["issue_date"] == "pdf_text"
    assert visible["sources"]["totals.tax_total"] == "pdf_text"
    assert visible["sources"]["vat_breakdown"] == "pdf_text"
    assert "payment.iban" not in visible["sources"]  # not on this invoice


def _issued_by(tmp_path: Path, name: str, vat_id: str) -> Path:
    """A PDF invoice issued by ``name`` (letterhead with the bank account) to a customer."""
    from weasyprint import HTML

    body = f"""<table style="width:100%"><tr>
    <td style="vertical-align:top"><b>{name}</b><br>Kerkstraat 1, 9000 Gent<br>
    BTW {vat_id}<br>IBAN BE56 3631 2345 6788</td>
    <td style="vertical-align:top">Factuur aan:<br><b>Drukkerij Van Damme NV</b><br>
    Stationsstraat 10<br>BTW BE0812345603</td></tr></table>
    <h1>FACTUUR</h1><p>Factuurnummer: V2026-014<br>Factuurdatum: 05/01/2026</p>
    <p>Totaal excl. btw € 100,00<br>Btw 21 % € 21,00<br>Totaal incl. btw € 121,00</p>"""
    path = tmp_path / "invoice.pdf"
    path.write_bytes(HTML(string=f'<meta charset="utf-8">{body}').write_pdf())
    return path


@pytest.mark.django_db
def test_company_identity_makes_a_document_we_issued_a_sale(capsys, tmp_path, company):
    # given an invoice our company issued outside OkiOki
    path = _issued_by(tmp_path, company.name, company.vat_number)
    # when read without and with the company
    alone = _run(capsys, str(path))
    ours = _run(capsys, str(path), "--company", company.slug)
    # then the layout alone takes the letterhead for the seller; the company knows it is us
    assert alone["seller"]["vat_id"] == company.vat_number
    assert alone["kind"] == "purchase_invoice"
    assert ours["kind"] == "sales_invoice"
    assert ours["our_role"] == "seller"
    assert ours["buyer"]["vat_id"] == "BE0812345603"
    assert ours["boxes"]["number"]["page"] == 0


def test_unknown_company_is_a_clear_command_error(db, tmp_path):
    path = _issued_by(tmp_path, "Bakkerij Test BV", "BE0412345614")
    with pytest.raises(CommandError, match="no company"):
        call_command("documents", "extract", str(path), "--company", "nobody")
