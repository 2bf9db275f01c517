from decimal import Decimal

from django import template
from django.forms import BoundField
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


@register.filter
def accessible(field: BoundField) -> str:
    """Render a form field with ``aria-invalid`` and ``aria-describedby`` pointing at its error."""
    attrs: dict[str, str | bool] = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_helptext"
    return field.as_widget(attrs=attrs)
