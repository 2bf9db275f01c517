"""The one shape every bank statement is read into, and the error of a file we cannot take
(here, not in the package's ``__init__``, so that the parsers import them without a cycle)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal


class StatementRejected(ValueError):
    """A statement file we cannot take: ``code`` names why (``not_supported``,
    ``coda_version``, ``coda_balance``, ``coda_globalisation``, ``malformed``, …), ``line``
    the 1-based line of a CODA file where it breaks (0: not about one line)."""

    def __init__(self, code: str, message: str, *, line: int = 0):
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


@dataclass(frozen=True)
class ParsedTransaction:
    booking_date: datetime.date
    value_date: datetime.date | None
    amount: Decimal  # signed: credit > 0, debit < 0
    currency: str
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    # a Belgian structured communication as its 12 digits, or an RF creditor reference
    structured_reference: str = ""
    free_text: str = ""
    bank_reference: str = ""  # the bank's own reference of the movement, when it gives one
    sequence: str = ""  # its place in the statement (CODA sequence number, CAMT entry index)
    raw: str = ""  # the record(s) as they are in the file


@dataclass(frozen=True)
class ParsedStatement:
    account_iban: str  # normalised, no spaces, upper case
    currency: str
    number: str  # the statement's number or id as the bank gives it
    date: datetime.date  # the statement's date (CODA new balance date, CAMT creation)
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    transactions: list[ParsedTransaction] = field(default_factory=list)
    # a CAMT statement whose movements don't add up to its balances: imported, with this
    # difference (closing - opening - movements) shown, never silently
    balance_difference: Decimal | None = None
