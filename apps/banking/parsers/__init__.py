"""Bank statements (CODA 2.x, CAMT.053) read into one shape, whatever the format.

Pure functions: bytes in, ``ParsedStatement`` dataclasses out; no models, no network. A file
that cannot be read raises ``StatementRejected`` with a code (and the line, for CODA), so
that the user is told what is wrong in their language and the file is kept. Which parser
reads a file is told by ``apps.core.files.statement_kind``, the one sniffer of bank files
(documents uses it too, to send a statement that arrives with documents to the bank import).
"""

from apps.banking.parsers.base import ParsedStatement, ParsedTransaction, StatementRejected
from apps.banking.parsers.camt import parse_camt053
from apps.banking.parsers.coda import parse_coda
from apps.core.files import statement_kind

__all__ = [
    "ParsedStatement",
    "ParsedTransaction",
    "StatementRejected",
    "parse_camt053",
    "parse_coda",
    "parse_statement",
    "statement_kind",
]


def parse_statement(data: bytes) -> list[ParsedStatement]:
    """The statements of a CODA 2 or CAMT.053 file; ``StatementRejected("not_supported")``
    for any other kind of file (MT940, PDF, CODA 1 is ``coda_version``…)."""
    kind = statement_kind(data)
    if kind in ("coda", "coda1"):
        return parse_coda(data)
    if kind == "camt053":
        return parse_camt053(data)
    raise StatementRejected(
        "not_supported",
        f"This is not a bank statement we can read ({kind or 'unknown format'}): "
        "send a CODA (version 2) or CAMT.053 file.",
    )
