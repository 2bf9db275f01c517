"""Belgian invoices rendered from known values come out right (PDF text and OCR)."""

import pytest

from apps.documents.extraction.files import ocr_image, pdf_text
from apps.documents.extraction.text import Hints, extract_from_text
from tests.conftest import require_tesseract
from tests.documents import samples

OURS = Hints(own_vat_ids=frozenset({"BE0412345614"}), own_names=("Bakkerij Test BV",))


@pytest.mark.parametrize("sample", samples.SAMPLES, ids=[s.name for s in samples.SAMPLES])
def test_rendered_invoice_is_read_right(sample):
    found = extract_from_text(pdf_text(samples.pdf(sample)).text, hints=OURS)
    assert found.value("counterparty_name") == sample.supplier
    assert found.value("counterparty_vat_id") == sample.supplier_vat
    assert found.value("number") == sample.number
    assert found.value("issue_date") == sample.issue_date
    assert found.value("due_date") == sample.due_date
    assert found.value("total_excl_vat") == sample.net
    assert found.value("total_vat") == sample.vat
    assert found.value("total_incl_vat") == sample.gross
    assert found.value("counterparty_iban") == sample.iban
    assert (found.value("structured_communication") or "") == sample.ogm
    assert found.kind_hint == ("credit_note" if sample.credit_note else "invoice")
    assert found.warnings == []


@pytest.mark.slow
def test_receipt_photo_is_read_with_ocr():
    require_tesseract()
    sample = samples.RECEIPT
    found = extract_from_text(ocr_image(samples.png(sample)), source="ocr")
    assert found.kind_hint == "receipt"
    assert found.value("total_incl_vat") == sample.gross
    assert found.value("issue_date") == sample.issue_date
    assert found.fields["total_incl_vat"].source == "ocr"
