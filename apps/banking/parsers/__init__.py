"""Bank statements (CODA 2.x, CAMT.053) read into one shape, whatever the format.

Pure functions: bytes in, ``ParsedStatement`` dataclasses out; no models, no network. A file
that cannot be read raises ``StatementRejected`` with a code (and the line, for CODA), so
that the user is told what is wrong in their language and the file is kept.
"""

import re

from apps.banking.parsers.base import ParsedStatement, ParsedTransaction, StatementRejected
from apps.banking.parsers.camt import parse_camt053
from apps.banking.parsers.coda import parse_coda

__all__ = [
    "ParsedStatement",
    "ParsedTransaction",
    "StatementRejected",
    "parse_camt053",
    "parse_coda",
    "parse_statement",
    "statement_kind",
]

# A CODA header record: record 0, creation date, bank id, application code (05, or 00 in an
# empty statement), duplicate flag.
_CODA_HEADER = re.compile(rb"^0{5}\d{6}\d{3}\d{2}[ D]")
# MT940: a transaction reference (:20:) then the account (:25:) and a statement number (:28C:).
_MT940_TAGS = (re.compile(rb"(?m)^:20:"), re.compile(rb"(?m)^:25:"), re.compile(rb"(?m)^:28C?:"))
_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Document\b[^>]*\bxmlns(?::\w+)?=[\"']([^\"']+)")
_SNIFF_BYTES = 4096


def statement_kind(data: bytes) -> str | None:
    """What kind of bank statement ``data`` looks like, from its first bytes only: ``"coda"``
    (CODA 2), ``"camt053"``, or one we recognise but do not read (``"coda1"``, another CODA
    version; ``"camt052"``, ``"camt054"``, ``"mt940"``), or ``None``: not a bank statement.

    Cheap sniffing to route a file; the parsers check everything else."""
    head = data[:_SNIFF_BYTES]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if _CODA_HEADER.match(head):
        first = head.split(b"\n", 1)[0].rstrip(b"\r")
        if len(first) != 128:
            return None
        return "coda" if first[127:128] == b"2" else "coda1"
    stripped = head.lstrip()
    if stripped.startswith((b"<", b"\xff\xfe", b"\xfe\xff")):
        found = _XML_ROOT.search(head)
        if found:
            namespace = found.group(1)
            for kind in (b"camt.053", b"camt.052", b"camt.054"):
                if kind in namespace:
                    return kind.decode().replace(".", "")
        return None
    if all(tag.search(head) for tag in _MT940_TAGS):
        return "mt940"
    return None


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
