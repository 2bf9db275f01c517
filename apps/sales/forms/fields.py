import uuid
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
