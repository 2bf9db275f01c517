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
    return sequence.last_number, _format(kind, year, sequence.last_number)


def number_preview(*, company: Company, kind: str, year: int) -> str:
    """The number the next one of ``kind`` will be given, unless another is given it first:
    for a preview (nothing is taken or locked)."""
    sequence = NumberSequence.objects.filter(company=company, kind=kind, year=year).first()
    last = sequence.last_number if sequence is not None else 0
    return _format(kind, year, last + 1)


def _format(kind: str, year: int, number: int) -> str:
    return f"{PREFIXES.get(kind, '')}{year}-{number:04d}"


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
