"""One sniffer of bank statement files (``statement_kind``) for the bank import and for the
documents that route them there; ``sniff`` tells the same files by the same structure."""

from pathlib import Path

import pytest
from django.conf import settings

from apps.core.archives import UnpackBudget, ZipRefused, unpack_zip
from apps.core.files import FileKind, sniff, statement_kind
from tests.conftest import shared_data
from tests.samples import PDF, UBL, zipped

BANK = Path(settings.SHARED_DATA_DIR) / "bank"
MT940 = (
    b":20:STMT2026-11\r\n:25:BE68539007547034\r\n:28C:11/1\r\n:60F:C261031EUR12500,00\r\n"
    b":62F:C261130EUR12008,66\r\n"
)
CAMT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Document xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>'
)


def test_a_camt_statement_is_known_by_its_namespace_wherever_it_is_declared():
    assert statement_kind(CAMT.encode()) == "camt053"
    reversed_attributes = CAMT.replace(
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ', ""
    ).replace(
        "><BkToCstmrStmt", ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><BkToCstmrStmt'
    )
    assert statement_kind(reversed_attributes.encode()) == "camt053"
    assert statement_kind(CAMT.encode("utf-16")) == "camt053"
    assert statement_kind(CAMT.replace("camt.053", "camt.052").encode()) == "camt052"
    assert sniff(CAMT.encode()) == FileKind.XML  # for documents, still an XML file


def test_an_invoice_or_a_text_is_no_bank_statement():
    for data in (UBL, PDF, b"", b"Factuur 2026-0311\n", b"0" * 128 + b"\n"):
        assert statement_kind(data) is None


def test_mt940_needs_its_opening_balance():
    assert statement_kind(MT940) == "mt940"
    assert sniff(MT940) == FileKind.MT940
    interim = MT940.replace(b":60F:", b":34F:")  # an MT942 interim report
    assert statement_kind(interim) is None
    assert sniff(interim) == FileKind.UNKNOWN


@pytest.mark.parametrize(
    ("name", "kind"),
    [("CODA.txt", "coda"), ("CODA-empty.txt", "coda"), ("Coda_faulty_version.txt", "coda1")],
)
def test_sniff_and_statement_kind_agree_on_coda(name, kind):
    data = shared_data(BANK / "coda" / name)
    assert statement_kind(data) == kind
    assert sniff(data) == FileKind.CODA


def test_unpacking_keeps_names_and_leaves_hidden_files_out():
    archive = zipped({"a\\b\\bill.pdf": PDF, "__MACOSX/._bill.pdf": b"x", ".DS_Store": b"x"})
    members, refused = unpack_zip(archive, UnpackBudget())
    assert [(m.name, m.path) for m in members] == [("bill.pdf", "a\\b\\bill.pdf")]
    assert refused == []


def test_unpacking_refuses_a_damaged_zip_and_one_past_the_budget(settings):
    with pytest.raises(ZipRefused) as damaged:
        unpack_zip(b"PK\x03\x04 broken", UnpackBudget())
    assert damaged.value.code == "bad_zip"
    settings.ZIP_MAX_TOTAL_SIZE = 1024 * 1024
    budget = UnpackBudget()
    unpack_zip(zipped({"a.pdf": PDF + b"0" * 600_000}), budget)
    with pytest.raises(ZipRefused) as past:
        unpack_zip(zipped({"b.pdf": PDF + b"1" * 600_000}), budget)
    assert past.value.code == "zip_total_too_large"
    assert "more than the 0.4 MB left of the 1.0 MB" in past.value.message
