"""IBANs refused only when they are wrong.

A bad checksum, length or structure is wrong. A right IBAN whose Belgian bank code
python-stdnum does not list yet is not: new banks open before libraries know them
(``BE68 5390 0754 7034``, the example banks print, is one). It is accepted, with a warning
the form shows."""

from dataclasses import dataclass

from stdnum import iban


@dataclass(frozen=True)
class CheckedIban:
    number: str  # compact, upper case
    unknown_bank: bool  # right, but its bank code is not in python-stdnum's list


def iban_check(value: str) -> CheckedIban:
    """The IBAN compacted; ``stdnum.exceptions.ValidationError`` when it is wrong."""
    number = iban.validate(value, check_country=False)
    # checksum, length and structure are right: what the country's own check refuses can
    # only be its bank code
    return CheckedIban(number, unknown_bank=not iban.is_valid(number))
