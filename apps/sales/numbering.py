"""Gap-free numbers per company, kind and year (``2026-0001``), safe under concurrency.

The sequence row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers)
in the transaction that issues the invoice: a number is only taken by a transaction that
commits, so a failed issue leaves no gap.
"""

from django.db import IntegrityError, transaction

from apps.companies.models import Company
from apps.sales.models import NumberSequence

PREFIXES = {"invoice": "", "credit_note": "CN", "quote": "Q"}


def number_next(*, company: Company, kind: str, year: int) -> tuple[int, str]:
    """The next number; must run inside the transaction that uses it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the issuing transaction")
    sequence = _locked(company, kind, year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number", "updated_at"])
    prefix = PREFIXES.get(kind, "")
    number = f"{prefix}{year}-{sequence.last_number:04d}"
    return sequence.last_number, number


def _locked(company: Company, kind: str, year: int) -> NumberSequence:
    queryset = NumberSequence.objects.select_for_update().filter(
        company=company, kind=kind, year=year
    )
    sequence = queryset.first()
    if sequence is not None:
        return sequence
    try:
        with transaction.atomic():
            return NumberSequence.objects.create(company=company, kind=kind, year=year)
    except IntegrityError:
        # another transaction created it first: wait for its lock like everyone else
        return queryset.get()
