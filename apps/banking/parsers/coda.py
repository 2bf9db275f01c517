"""CODA 2.x (Febelfin "coded statement of account") read with febelfin-coda.

febelfin-coda reads the records; before it runs, one pass of our own checks what it only
asserts (``assert`` vanishes under ``python -O``) and tells the line where a file breaks:
the version, every balance (old + movements = new, and the trailer's totals), and the
details of a globalised movement (they add up to it). A globalised movement that comes
without its details is kept as one movement (as ACSONE's pycoda does): its amount is in
the balance, which adds up.
"""

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import coda

from apps.banking.parsers.base import ParsedStatement, ParsedTransaction, StatementRejected

# febelfin-coda 0.5.0 files a detail of a detail (transaction type 9) with ``parent.append``,
# which its ``Move`` does not have: every file with one would be refused. Give it one.
if not hasattr(coda.Move, "append"):

    def _append(self: coda.Move, move: coda.Move) -> None:
        self.moves.append(move)

    coda.Move.append = _append

RECORD_LENGTH = 128
# Movements of these types are the statement's own (the others are their details).
_TOP_LEVEL_TYPES = frozenset("0123")
# Details of a movement of the statement's own (type 9, a detail's detail, is not counted).
_DETAIL_TYPES = frozenset("5678")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_OGM_TYPES = frozenset({"101", "102"})
_RF_TYPE = "100"


@dataclass
class _Statement:
    """What our own pass finds of one statement: lines, for the errors and the raw records."""

    header_line: int
    old_balance: Decimal | None = None
    account: str = ""
    movements: Decimal = Decimal(0)
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    # (sequence, detail) of a movement -> its records (the 2x and the 3x that follow it)
    raw: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # the last movement of the statement's own: its amount, line, its details' sum and count
    global_movement: tuple[Decimal, int, Decimal, int] | None = None


def _amount(text: str, line: int) -> Decimal:
    """A CODA amount: a sign (0 credit, 1 debit) and 15 digits with 3 decimals."""
    sign, digits = text[:1], text[1:]
    if sign not in ("0", "1") or not digits.isdigit():
        raise StatementRejected(
            "malformed", f"An amount on line {line} is not a number.", line=line
        )
    value = Decimal(digits) / 1000
    return -value if sign == "1" else value


def _lines(data: bytes) -> list[str]:
    """The records, padded to 128 characters (some banks trim trailing spaces)."""
    if not data.strip():
        raise StatementRejected("malformed", "The file is empty.")
    if b"\x00" in data:
        raise StatementRejected("malformed", "The file is not a CODA file (it has binary data).")
    # CODA is written in ISO 8859-1/windows-1252; undefined bytes are replaced, not refused.
    # A byte order mark (skipped by ``statement_kind`` too) tells a file saved again as UTF-8
    # by a text editor: read as windows-1252, its mark and accents would break the records.
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    else:
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    records = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if len(line) > RECORD_LENGTH and line[RECORD_LENGTH:].strip():
            raise StatementRejected(
                "malformed",
                f"Line {number} is longer than a CODA record ({RECORD_LENGTH} characters).",
                line=number,
            )
        if not line.strip():
            raise StatementRejected("malformed", f"Line {number} is empty.", line=number)
        records.append(line[:RECORD_LENGTH].ljust(RECORD_LENGTH))
    return records


def _check(records: list[str]) -> list[_Statement]:
    """Our own pass over the records: version, balances, globalisation; the raw records of
    each movement. Raises ``StatementRejected`` with the line where the file breaks."""
    statements: list[_Statement] = []
    current: _Statement | None = None
    last_raw: list[str] | None = None
    for number, record in enumerate(records, 1):
        kind = record[0]
        if kind == "0":
            if current is not None:
                raise StatementRejected(
                    "malformed",
                    f"A statement starts on line {number} before the last ended.",
                    line=number,
                )
            version = record[127]
            if version != "2":
                raise StatementRejected(
                    "coda_version",
                    f"This CODA file is version {version.strip() or '?'}; we read version 2.",
                    line=number,
                )
            current = _Statement(header_line=number)
            statements.append(current)
            last_raw = None
            continue
        if current is None:
            raise StatementRejected(
                "malformed",
                f"Line {number} is not in a statement (no header record 0 before it).",
                line=number,
            )
        if kind == "1":
            current.old_balance = _amount(record[42:58], number)
            current.account = record[5:42]
        elif kind == "2":
            if record[1] == "1":
                amount = _amount(record[31:47], number)
                transaction_type = record[53]
                if transaction_type in _TOP_LEVEL_TYPES:
                    _close_global(current)
                    current.global_movement = (amount, number, Decimal(0), 0)
                    current.movements += amount
                    if amount < 0:
                        current.debit -= amount
                    else:
                        current.credit += amount
                elif transaction_type in _DETAIL_TYPES:
                    parent = current.global_movement
                    if parent is None or (record[2:6], "0000") not in current.raw:
                        raise StatementRejected(
                            "coda_globalisation",
                            f"The detail movement on line {number} has no globalised movement "
                            "before it.",
                            line=number,
                        )
                    total, line, details, count = parent
                    current.global_movement = (total, line, details + amount, count + 1)
                last_raw = current.raw.setdefault((record[2:6], record[6:10]), [])
            if last_raw is None:
                raise StatementRejected(
                    "malformed",
                    f"Line {number} continues a movement that did not start.",
                    line=number,
                )
            last_raw.append(record.rstrip())
        elif kind == "3":
            if last_raw is not None and record[2:6] == _key_sequence(last_raw):
                last_raw.append(record.rstrip())
        elif kind == "4":
            pass
        elif kind == "8":
            _close_global(current)
            if record[4:41] != current.account:
                raise StatementRejected(
                    "malformed",
                    f"The account on line {number} is not the one of the old balance.",
                    line=number,
                )
            new_balance = _amount(record[41:57], number)
            if current.old_balance is None:
                raise StatementRejected(
                    "malformed",
                    f"The new balance on line {number} has no old balance before it.",
                    line=number,
                )
            if current.old_balance + current.movements != new_balance:
                raise StatementRejected(
                    "coda_balance",
                    f"The balance on line {number} ({new_balance}) is not the old balance "
                    f"({current.old_balance}) plus the movements ({current.movements}).",
                    line=number,
                )
        elif kind == "9":
            debit = _amount("0" + record[22:37], number)
            credit = _amount("0" + record[37:52], number)
            if (debit, credit) != (current.debit, current.credit):
                raise StatementRejected(
                    "coda_balance",
                    f"The totals on line {number} (debit {debit}, credit {credit}) are not those "
                    f"of the movements (debit {current.debit}, credit {current.credit}).",
                    line=number,
                )
            _close_global(current)
            current = None
            last_raw = None
        else:
            raise StatementRejected(
                "malformed", f"Line {number} is not a CODA record (type {kind!r}).", line=number
            )
    if current is not None:
        raise StatementRejected(
            "malformed",
            "The file ends before its last statement (no trailer record 9).",
            line=len(records),
        )
    return statements


def _key_sequence(raw: list[str]) -> str:
    return raw[0][2:6]


def _close_global(statement: _Statement) -> None:
    """The movement before has details: they must add up to it."""
    opened = statement.global_movement
    statement.global_movement = None
    if opened is None or opened[3] == 0:
        return
    amount, line, details, _count = opened
    if details != amount:
        raise StatementRejected(
            "coda_globalisation",
            f"The details of the globalised movement on line {line} add up to {details}, "
            f"not to its amount ({amount}).",
            line=line,
        )


class _Numbered:
    """The records given to febelfin-coda, counting the line it is reading."""

    def __init__(self, records: list[str]):
        self.records = records
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        for number, record in enumerate(self.records, 1):
            self.line = number
            yield record


def parse_coda(data: bytes) -> list[ParsedStatement]:
    """The statements of a CODA 2 file, or ``StatementRejected`` (``coda_version``,
    ``coda_balance``, ``coda_globalisation``, ``malformed``) with the line where it breaks."""
    records = _lines(data)
    checked = _check(records)
    numbered = _Numbered(records)
    try:
        parsed = coda.CODA(numbered)
    except StatementRejected:
        raise
    except Exception as error:  # febelfin-coda asserts and indexes: anything is "malformed"
        line = numbered.line
        raise StatementRejected(
            "malformed", f"The CODA file cannot be read at line {line}: {error!r}"[:300], line=line
        ) from None
    try:
        return [_statement(s, c) for s, c in zip(parsed.statements, checked, strict=True)]
    except StatementRejected:
        raise
    except Exception as error:
        raise StatementRejected(
            "malformed", f"The CODA file cannot be read: {error!r}"[:300]
        ) from None


def _statement(statement: coda.Statement, checked: _Statement) -> ParsedStatement:
    currency = (statement.account_currency or "").strip()
    transactions = []
    for move in statement.moves:
        for leaf in _movements(move):
            transactions.append(_transaction(leaf, currency, checked))
    return ParsedStatement(
        account_iban=(statement.account or "").replace(" ", "").upper(),
        currency=currency,
        number=statement.new_sequence or statement.old_sequence or "",
        date=statement.new_balance_date,
        opening_balance=statement.old_balance,
        closing_balance=statement.new_balance,
        transactions=transactions,
    )


def _movements(move: coda.Move) -> list[coda.Move]:
    """A movement, or its details when it is globalised and they add up to it (else the
    movement itself: never an amount the statement does not have)."""
    if not move.moves:
        return [move]
    details = [leaf for child in move.moves for leaf in _movements(child)]
    if sum((d.amount for d in details), Decimal(0)) == move.amount:
        return details
    return [move]


def _transaction(move: coda.Move, currency: str, checked: _Statement) -> ParsedTransaction:
    structured, free = "", ""
    kind = move.communication_type
    if kind in _OGM_TYPES:
        structured = (move.communication or "").strip()
        if not (len(structured) == 12 and structured.isdigit()):
            structured, free = "", (move.communication or "").strip()
    elif kind == _RF_TYPE:
        structured = "".join((move.communication or "").split()[:1]).upper()
    elif kind is None:
        free = " ".join((move.communication or "").split())
    account = (move.counterparty_account or "").split()
    iban = account[0].upper() if account and _IBAN.match(account[0].upper()) else ""
    raw = checked.raw.get((move.sequence, move.detail_sequence), [])
    return ParsedTransaction(
        booking_date=move.entry_date,
        value_date=move.value_date,
        amount=move.amount,
        currency=currency,
        counterparty_name=(move.counterparty_name or "").strip(),
        counterparty_iban=iban,
        counterparty_bic=(move.counterparty_bic or "").strip(),
        structured_reference=structured,
        free_text=free,
        bank_reference=(move.bank_reference or "").strip(),
        sequence=f"{move.sequence}/{move.detail_sequence}",
        raw="\n".join(raw),
    )
