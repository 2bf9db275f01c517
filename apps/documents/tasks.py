from celery import shared_task

from apps.companies.tasks import CompanyTask


@shared_task(
    base=CompanyTask,
    name="apps.documents.tasks.document_read",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=10,
    max_retries=5,
    soft_time_limit=300,
    time_limit=360,
)
def document_read(company_id: int, document_id: int) -> None:
    """Read a document (XML, PDF text or OCR) and prepare its UBL envelope. Idempotent."""
    from apps.documents.reading import document_read as read

    read(company_id=company_id, document_id=document_id)
