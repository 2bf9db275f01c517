"""What several document tests do: ingest a file and let the worker read it; received
e-invoices as suppliers send them."""

import re
from pathlib import Path

from django.conf import settings

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.documents.models import Document, Source, Supplier
from apps.documents.services import document_ingest
from tests.conftest import shared_data

PEPPOL = Path(settings.SHARED_DATA_DIR) / "peppol"


def ingest_and_read(
    company: Company, data: bytes, filename: str, capture_on_commit_callbacks
) -> Document:
    """Upload ``data`` and run the reading that is queued on commit; the stored document."""
    with company_scope(company), capture_on_commit_callbacks(execute=True):
        result = document_ingest(
            company=company, data=data, filename=filename, source=Source.UPLOAD
        )
    with company_scope(company):
        return Document.objects.get(pk=result.document.pk)


def known_supplier(company: Company, name: str, vat_id: str) -> Supplier:
    """A supplier a person confirmed before (as a correction does): its next documents,
    found by a sure VAT id, can go to the accountant without review."""
    with company_scope(company):
        return Supplier.objects.create(company=company, name=name, vat_id=vat_id)


def without_buyer_endpoint_and_reference() -> bytes:
    """The Peppol BIS base example as a supplier might send it: no buyer reference, no order
    reference, no electronic address for the buyer."""
    source = shared_data(PEPPOL / "examples_base-example.xml")
    source = re.sub(rb"\s*<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"", source)
    source = re.sub(rb"\s*<cbc:EndpointID schemeID=\"0002\">FR23342</cbc:EndpointID>", b"", source)
    source = re.sub(rb"\s*<cac:OrderReference>.*?</cac:OrderReference>", b"", source, flags=re.S)
    return source


def from_an_unreachable_seller() -> bytes:
    """The base example from a Swiss seller without an electronic address: OkiOki can't make
    one (no Belgian enterprise number, no VAT scheme on Peppol for its country)."""
    source = without_buyer_endpoint_and_reference().replace(b"GB1232434", b"CH1232434")
    return re.sub(rb"\s*<cbc:EndpointID[^>]*>[^<]*</cbc:EndpointID>", b"", source)
