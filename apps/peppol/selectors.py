"""Reads of Peppol, company-scoped."""

from collections.abc import Iterable

from apps.companies.models import Company
from apps.peppol.models import PeppolCompany, Transmission


def peppol_company_get(*, company: Company) -> PeppolCompany | None:
    return PeppolCompany.objects.filter(company=company).first()


def transmission_get(*, company: Company, subject: str) -> Transmission | None:
    return Transmission.objects.filter(company=company, subject=subject).first()


def transmissions_by_subject(
    *, company: Company, subjects: Iterable[str]
) -> dict[str, Transmission]:
    """The transmissions of these subjects (one query), by subject."""
    found = Transmission.objects.filter(company=company, subject__in=list(subjects)).only(
        "subject", "status", "receiver", "peppol_message_id", "sent_at"
    )
    return {transmission.subject: transmission for transmission in found}
