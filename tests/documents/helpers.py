"""What several document tests do: ingest a file and let the worker read it."""

from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.documents.models import Document, Source
from apps.documents.services import document_ingest


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
