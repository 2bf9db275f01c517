from decimal import Decimal

from django import template
from django.utils.translation import get_language

from apps.core.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """Render an amount in the active language: ``{{ total|money }}`` or ``|money:"USD"``."""
    if amount is None or amount == "":
        return ""
    language = (get_language() or "en")[:2]
    return format_money(amount, currency, language)
