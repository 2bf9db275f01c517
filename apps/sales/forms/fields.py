import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class PublicIdChoiceField(forms.ModelChoiceField):
    """A choice by ``public_id``: a value that is no UUID is an invalid choice like an unknown
    one (the UUID field would raise a ValidationError that ModelChoiceField lets through)."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            try:
                uuid.UUID(str(value))
            except ValueError:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": value},
                ) from None
        return super().to_python(value)


class CustomerSelect(forms.Select):
    """The customers to choose from, each option with the customer's VAT treatment: the
    running total of the lines (static/js/lines.js) counts VAT for a domestic one only."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        customer = getattr(option["value"], "instance", None)
        if customer is not None:
            option["attrs"]["data-vat-treatment"] = customer.vat_treatment
        return option


def discount_field(label: Any) -> forms.DecimalField:
    """A discount in per cent, from 0 to 100 with two decimals; empty is no discount."""
    return forms.DecimalField(
        label=label,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        initial=Decimal("0"),
        required=False,
    )
