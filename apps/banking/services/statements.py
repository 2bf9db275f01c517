"""Importing statement files.

``statement_import`` keeps the file whatever happens to it, reads it (CODA 2.x, CAMT.053),
attaches each statement to the company's own account named by its IBAN (never another
company's; an unknown IBAN is refused with the IBAN said), and adds each transaction once:
the same statement again, or an overlapping one, adds nothing.

``statement_receive`` takes the statement files that arrive with documents (by mailbox,
forwarding address, cloud folder, the Documents page or the API), ``statement_import_upload``
the files given on the Bank page, ZIPs of them included.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from apps.accounts.models import User
from apps.banking.models import BankAccount, BankTransaction, Statement, StatementFile
from apps.banking.parsers import (
    ParsedStatement,
    ParsedTransaction,
    StatementRejected,
    parse_statement,
    statement_kind,
)
from apps.banking.services.matches import transactions_match
from apps.companies.models import Company
from apps.core.archives import UnpackBudget, ZipRefused, is_zip, unpack_zip
from apps.core.files import sha256_hex

FORMATS = {"coda": Statement.Format.CODA, "camt053": Statement.Format.CAMT053}


@dataclass
class ImportResult:
    statements: int = 0
    transactions: int = 0
    new: int = 0
    duplicates: int = 0
    matched: int = 0
    suggested: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    # statements imported that don't add up (CAMT.053 partial exports): said, never silent
    warnings: list[dict[str, str]] = field(default_factory=list)
    # the transactions this import added, for the matching
    added: list[BankTransaction] = field(default_factory=list, repr=False)

    @property
    def unmatched(self) -> int:
        return self.new - self.matched - self.suggested

    def as_json(self) -> dict[str, Any]:
        return {
            "statements": self.statements,
            "transactions": self.transactions,
            "new": self.new,
            "duplicates": self.duplicates,
            "matched": self.matched,
            "suggested": self.suggested,
            "unmatched": self.unmatched,
            "errors": self.errors,
        }


def _identity(statement: ParsedStatement, parsed: ParsedTransaction, seen: Counter[str]) -> str:
    """The bank's reference when it gives one; else the statement and the movement's place
    in it (CODA); else a hash of what the movement says, with a counter for identical
    movements in one statement (two equal payments on one day are two)."""
    if parsed.bank_reference:
        return f"ref:{parsed.bank_reference}"[:100]
    if parsed.sequence and statement.number:
        return f"seq:{statement.date.year}:{statement.number}:{parsed.sequence}"[:100]
    said = "|".join(
        [
            parsed.booking_date.isoformat(),
            str(parsed.amount),
            parsed.counterparty_iban,
            parsed.counterparty_name,
            parsed.structured_reference,
            parsed.free_text,
        ]
    )
    digest = hashlib.sha256(said.encode()).hexdigest()[:40]
    seen[digest] += 1
    return f"hash:{digest}:{seen[digest]}"


CENT = Decimal("0.01")


def _movement(
    booking_date: Any, amount: Any, counterparty_iban: str, structured_reference: str
) -> tuple[str, str, str, str]:
    """What the same movement says whoever reports it (a statement file, or the bank
    connection): the bank's references differ between the two, these do not."""
    return (
        str(booking_date),
        str(Decimal(amount).quantize(CENT)),  # CODA gives three decimals, Ponto two
        counterparty_iban.replace(" ", "").upper(),
        structured_reference,
    )


def _movements_from_other_source(
    company: Company,
    account: BankAccount,
    fmt: str,
    unknown: list[tuple[str, ParsedTransaction]],
) -> Counter[tuple[str, str, str, str]]:
    """The movements already on the account that came the other way (a statement file when
    ``fmt`` is the live connection, the live connection when it is a file), counted: a
    movement both report is kept once, two equal ones on one day twice."""
    if not unknown:
        return Counter()
    rows = BankTransaction.objects.filter(
        company=company,
        account=account,
        booking_date__in={t.booking_date for _i, t in unknown},
    )
    live = Statement.Format.PONTO
    rows = (
        rows.exclude(statement__format=live) if fmt == live else rows.filter(statement__format=live)
    )
    return Counter(
        _movement(*row)
        for row in rows.values_list(
            "booking_date", "amount", "counterparty_iban", "structured_reference"
        )
    )


def _seen_elsewhere(elsewhere: Counter[tuple[str, str, str, str]], t: ParsedTransaction) -> bool:
    key = _movement(t.booking_date, t.amount, t.counterparty_iban, t.structured_reference)
    if elsewhere[key] > 0:
        elsewhere[key] -= 1
        return True
    return False


def _keep_file(
    company: Company,
    data: bytes,
    filename: str,
    source: str,
    actor: User | None,
    details: dict[str, Any] | None = None,
) -> StatementFile:
    kept = StatementFile(
        company=company,
        filename=filename[:255],
        sha256=sha256_hex(data),
        source=source,
        source_details=details or {},
        status=StatementFile.Status.IMPORTED,
        imported_by=actor,
    )
    kept.file.save(filename[:100] or "statement", ContentFile(data), save=False)
    kept.save()
    return kept


def _refuse(kept: StatementFile, result: ImportResult, code: str, **params: Any) -> None:
    kept.status = StatementFile.Status.REFUSED
    kept.error_code = code
    kept.error_params = {k: str(v) for k, v in params.items()}
    kept.save(update_fields=["status", "error_code", "error_params", "updated_at"])
    result.errors.append({"file": kept.filename, "code": code, **kept.error_params})


def _import_statement(
    company: Company, kept: StatementFile, parsed: ParsedStatement, fmt: str, result: ImportResult
) -> bool:
    """False when the statement's account is not one of the company's."""
    account = BankAccount.objects.filter(company=company, iban=parsed.account_iban).first()
    if account is None:
        return False
    statement, _created = Statement.objects.get_or_create(
        company=company,
        account=account,
        number=parsed.number,
        date=parsed.date,
        defaults={
            "file": kept,
            "format": fmt,
            "opening_balance": parsed.opening_balance,
            "closing_balance": parsed.closing_balance,
            "balance_difference": parsed.balance_difference,
        },
    )
    result.statements += 1
    if parsed.balance_difference:
        result.warnings.append(
            {
                "number": parsed.number,
                "iban": account.iban,
                "difference": str(parsed.balance_difference),
                "currency": account.currency,
            }
        )
    seen: Counter[str] = Counter()
    candidates = [(_identity(parsed, t, seen), t) for t in parsed.transactions]
    known = set(
        BankTransaction.objects.filter(
            company=company, account=account, identity__in=[i for i, _t in candidates]
        ).values_list("identity", flat=True)
    )
    unknown = [(identity, t) for identity, t in candidates if identity not in known]
    elsewhere = _movements_from_other_source(company, account, fmt, unknown)
    fresh = [
        BankTransaction(
            company=company,
            account=account,
            statement=statement,
            identity=identity,
            booking_date=t.booking_date,
            value_date=t.value_date,
            amount=t.amount,
            currency=t.currency or account.currency,
            counterparty_name=t.counterparty_name[:200],
            counterparty_iban=t.counterparty_iban[:34],
            counterparty_bic=t.counterparty_bic[:11],
            structured_reference=t.structured_reference[:35],
            free_text=t.free_text,
            bank_reference=t.bank_reference[:100],
            sequence=t.sequence[:20],
            raw=t.raw,
        )
        for identity, t in unknown
        if not _seen_elsewhere(elsewhere, t)
    ]
    BankTransaction.objects.bulk_create(fresh)
    result.added += fresh
    result.transactions += len(candidates)
    result.new += len(fresh)
    result.duplicates += len(candidates) - len(fresh)
    if parsed.closing_balance is not None and (
        account.balance_date is None or parsed.date >= account.balance_date
    ):
        account.balance = parsed.closing_balance
        account.balance_date = parsed.date
        account.save(update_fields=["balance", "balance_date", "updated_at"])
    return True


def statement_import(
    *,
    company: Company,
    data: bytes,
    filename: str,
    source: str = "upload",
    actor: User | None = None,
    result: ImportResult | None = None,
    details: dict[str, Any] | None = None,
) -> ImportResult:
    """Import one statement file (all of it or none of it); the file is kept either way, with
    where it came from (``details``)."""
    result = result or ImportResult()
    kept = _keep_file(company, data, filename, source, actor, details)
    try:
        statements = parse_statement(data)
    except StatementRejected as refusal:
        _refuse(kept, result, refusal.code, line=refusal.line)
        return result
    fmt = FORMATS[statement_kind(data) or "coda"]
    counts = (result.statements, result.transactions, result.new, result.duplicates)
    before, warned = len(result.added), len(result.warnings)
    unknown = ""
    with transaction.atomic():
        for parsed in statements:
            if not _import_statement(company, kept, parsed, fmt, result):
                unknown = parsed.account_iban
                transaction.set_rollback(True)  # a file is imported whole or not at all
                break
    if unknown:
        (result.statements, result.transactions, result.new, result.duplicates) = counts
        del result.added[before:]  # rolled back
        del result.warnings[warned:]
        _refuse(kept, result, "iban_unknown", iban=unknown)
        return result
    matched = transactions_match(company=company, transactions=result.added[before:])
    result.matched += matched.matched
    result.suggested += matched.suggested
    return result


# What is kept of where a statement file came with documents: the e-mail, the cloud folder's
# file, the ZIP it was in, who uploaded it.
RECEIVED_DETAILS = (
    "sender",
    "subject",
    "message_id",
    "to",
    "mailbox",
    "folder",
    "path",
    "archive",
    "path_in_archive",
    "uploaded_by",
)


def statement_receive(
    *,
    company: Company,
    data: bytes,
    filename: str,
    source: str,
    details: dict[str, Any],
    actor: User | None = None,
) -> ImportResult:
    """A bank statement file that arrived with documents (``source``: mailbox, forwarding,
    cloud, upload, api): imported as one given on the Bank page, kept with where it came
    from whatever becomes of it. Not a document: not counted against the plan, not sent to
    the accountant."""
    return statement_import(
        company=company,
        data=data,
        filename=filename,
        source=source,
        actor=actor,
        details={key: details[key] for key in RECEIVED_DETAILS if details.get(key)},
    )


def _refuse_unkept(result: ImportResult, filename: str, code: str, **params: Any) -> None:
    """A file given on the Bank page that is not kept (not a statement): said, not stored."""
    result.errors.append({"file": filename, "code": code, **{k: str(v) for k, v in params.items()}})


def statement_import_upload(
    *,
    company: Company,
    data: bytes,
    filename: str,
    actor: User | None = None,
    result: ImportResult,
    budget: UnpackBudget,
) -> ImportResult:
    """One file given on the Bank page: a statement file, or a ZIP of them (unpacked with
    ``budget``, which the ZIPs of one upload share). Each statement file in a ZIP is imported
    on its own; a file in it that is no bank statement is left out and said, and so is a ZIP
    refused whole (damaged, too many files, too large once unpacked)."""
    if not is_zip(data):
        return statement_import(
            company=company, data=data, filename=filename, actor=actor, result=result
        )
    try:
        members, refused = unpack_zip(data, budget)
    except ZipRefused as refusal:
        _refuse_unkept(result, filename, refusal.code, **refusal.params)
        return result
    for name, why in refused:
        _refuse_unkept(result, name, why.code, **why.params)
    limit = settings.MAX_UPLOAD_SIZE
    for member in members:
        if is_zip(member.data):
            _refuse_unkept(result, member.name, "nested_zip")
        elif len(member.data) > limit:
            _refuse_unkept(result, member.name, "too_large", limit=limit // (1024 * 1024))
        elif statement_kind(member.data) is None:
            _refuse_unkept(result, member.name, "not_a_statement")
        else:
            statement_import(
                company=company,
                data=member.data,
                filename=member.name,
                actor=actor,
                result=result,
                details={"archive": filename, "path_in_archive": member.path},
            )
    return result
