from celery import shared_task
from django.conf import settings

from apps.companies.tasks import CompanyTask
from apps.documents.reading import read_soft_limit


@shared_task(
    base=CompanyTask,
    name="apps.documents.tasks.document_read",
    acks_late=True,
    # a worker killed while reading (out of memory) gives the message back; the attempts
    # counted on the document stop it after DOCUMENT_READ_MAX_ATTEMPTS
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=10,
    max_retries=5,
    soft_time_limit=read_soft_limit(),
    time_limit=settings.DOCUMENT_READ_TIME_LIMIT,
)
def document_read(company_id: int, document_id: int) -> None:
    """Read a document (XML, PDF text or OCR) and prepare its UBL envelope. Idempotent."""
    from apps.documents.reading import document_read as read

    read(company_id=company_id, document_id=document_id)


@shared_task(name="apps.documents.tasks.document_read_sweep")
def document_read_sweep() -> dict[str, int]:
    """Every minute: documents left "reading" by a dead worker are read again or, after their
    attempts, need review with the reason."""
    from apps.documents.reading import document_read_sweep as sweep

    return sweep()


@shared_task(
    base=CompanyTask,
    name="apps.documents.tasks.supplier_learn_layout",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=10,
    max_retries=3,
    # the words of a scan are read again (OCR): as long as a reading may take, no longer
    soft_time_limit=read_soft_limit(),
    time_limit=settings.DOCUMENT_READ_TIME_LIMIT,
)
def supplier_learn_layout(company_id: int, document_id: int) -> None:
    """After a person corrected a document: learn where its supplier puts those fields.
    Idempotent (the same places are learned again)."""
    from apps.documents.services import supplier_learn_layout as learn

    learn(company_id=company_id, document_id=document_id)
