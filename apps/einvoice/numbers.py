"""Numbers from outside (XML, JSON, hand-made models): plain, finite and of a sane size.

``Decimal()`` accepts ``NaN``, ``Infinity`` and ``1e999999``; arithmetic on those gives NaN or
raises ``decimal.Overflow`` far from where the number came in. Every number that enters the
engine passes ``bounded_decimal`` (text) or ``is_bounded`` (a Decimal) instead, so a bad number
is refused where it is read, with the one clear ``bad_number`` error.
"""

import re
from decimal import Decimal

# Amounts below a thousand billion billion (even in currencies without cents) with at most
# 20 decimals: every real invoice fits, and products of two such numbers stay exact in the
# precision that ``totals`` computes with.
MAX_INTEGER_DIGITS = 15
MAX_FRACTION_DIGITS = 20
_MAX_LENGTH = 64
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?")
# The usual form (xsd:decimal), bounded by its digits alone: no need to look at the value.
_PLAIN = re.compile(r"[+-]?0*(?:\d{1,15}(?:\.\d{0,20})?|\.\d{1,20})")


def is_bounded(value: Decimal) -> bool:
    """A finite number with at most 15 integer digits and 20 decimals."""
    if not value.is_finite():
        return False
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers have an integer exponent
    return exponent >= -MAX_FRACTION_DIGITS and value.adjusted() < MAX_INTEGER_DIGITS


def bounded_decimal(text: str) -> Decimal | None:
    """The number written in ``text`` (already stripped), or None when it is not a plain,
    bounded decimal number: no NaN, no Infinity, no underscores, no huge exponents."""
    if len(text) > _MAX_LENGTH:
        return None
    if _PLAIN.fullmatch(text):
        return Decimal(text)
    if not _NUMBER.fullmatch(text):
        return None
    value = Decimal(text)
    return value if is_bounded(value) else None
