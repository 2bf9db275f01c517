"""Celery glue for tenant-owned work: the base class that scopes a task to its company."""

from typing import Any

from celery import Task, shared_task
from django.core.mail import EmailMultiAlternatives

from apps.companies.models import Company
from apps.companies.scoping import company_scope, no_company


class CompanyTask(Task):
    """Runs the task body inside ``company_scope`` of its ``company_id`` (first argument).

    A task for a company that no longer exists (or is deactivated) does nothing: retries of
    old messages must not fail forever.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        company_id = kwargs.get("company_id", args[0] if args else None)
        if company_id is None:
            raise TypeError(f"{self.name} needs company_id as its first argument.")
        with no_company():
            company = Company.objects.filter(pk=company_id, is_active=True).first()
        if company is None:
            return None
        with company_scope(company):
            return super().__call__(*args, **kwargs)


@shared_task(
    base=CompanyTask,
    name="apps.companies.tasks.send_email",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_email(
    company_id: int, *, to: list[str], subject: str, body: str, html: str | None = None
) -> None:
    """Send a transactional e-mail of a company (invitation, notice). Retries on network errors."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(name="apps.companies.tasks.office_link_request_process")
def office_link_request_process(
    office_id: int, requested_by_id: int, *, enterprise_number: str
) -> bool:
    """Look an office's link request up after the response (see ``office_link_request``).
    Not a company task: which company, if any, is what it finds out. Idempotent: an open link
    is left as it is."""
    from apps.companies.services import office_link_request_process as process

    with no_company():
        return (
            process(
                office_id=office_id,
                requested_by_id=requested_by_id,
                enterprise_number=enterprise_number,
            )
            is not None
        )
