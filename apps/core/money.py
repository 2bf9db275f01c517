"""Money helpers: Decimal rounding as EN 16931 requires, and locale-aware display."""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

CENT = Decimal("0.01")

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def round_amount(value: Decimal) -> Decimal:
    """Round half up to two decimals, the rule of EN 16931 for monetary amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(
    amount: Decimal | int | float | str, currency: str = "EUR", language: str = "en"
) -> str:
    """``1.234,56 €`` in Dutch and French (Belgian practice), ``€1,234.56`` in English."""
    value = round_amount(Decimal(str(amount)))
    symbol = _SYMBOLS.get(currency, currency)
    if language in ("nl", "fr"):
        # de_BE has the separators Belgians use in both languages: '.' groups, ',' decimals.
        number = format_decimal(value, format="#,##0.00", locale="de_BE")
        return f"{number}\u00a0{symbol}"
    number = format_decimal(abs(value), format="#,##0.00", locale="en_GB")
    sign = "-" if value < 0 else ""
    if symbol == currency:
        return f"{sign}{currency}\u00a0{number}"
    return f"{sign}{symbol}{number}"
