"""IBANs refused only when they are wrong.

A bad checksum, length or structure is wrong. A right IBAN whose Belgian bank code
python-stdnum does not list yet is not: new banks open before libraries know them
(``BE68 5390 0754 7034``, the example banks print, is one). It is accepted, with a warning
the form shows."""

from dataclasses import dataclass

from stdnum import iban
from stdnum.exceptions import InvalidComponent, ValidationError


@dataclass(frozen=True)
class CheckedIban:
    number: str  # compact, upper case
    unknown_bank: bool  # right, but its bank code is not in python-stdnum's list


def iban_check(value: str) -> CheckedIban:
    """The IBAN compacted; ``stdnum.exceptions.ValidationError`` when it is wrong."""
    number = iban.validate(value, check_country=False)
    try:
        iban.validate(number)
    except InvalidComponent:
        return CheckedIban(number, unknown_bank=True)
    except ValidationError:
        return CheckedIban(number, unknown_bank=True)
    return CheckedIban(number, unknown_bank=False)
