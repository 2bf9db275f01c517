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
