"""Reads of Peppol, company-scoped."""

from collections.abc import Iterable
from functools import partial

from django.core.cache import cache
from django.db import transaction

from apps.companies.models import Company
from apps.peppol.lookup import Reachability, claim_key, customer_check
from apps.peppol.models import PeppolCompany, Transmission
from apps.peppol.tasks import peppol_company_check


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


def reachability_known(
    *, peppol_id: str = "", enterprise_number: str = "", vat_number: str = ""
) -> tuple[Reachability | None, bool]:
    """A party's Peppol status as far as known now, and whether a check is under way: a
    page never waits for the network; an unknown status is asked of a worker, one check at a
    time per party (the page says it is being checked and looks again)."""
    found = customer_check(
        peppol_id=peppol_id,
        enterprise_number=enterprise_number,
        vat_number=vat_number,
        wait=False,
    )
    if found is not None:
        return found, False
    if cache.add(claim_key(peppol_id, enterprise_number, vat_number), 1, timeout=60):
        transaction.on_commit(
            partial(peppol_company_check.delay, enterprise_number, vat_number, peppol_id)
        )
    return None, True
