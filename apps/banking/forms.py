from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.banking.models import CashflowSettings
from apps.documents.forms import MultipleFileField, MultipleFileInput


class BankAccountForm(forms.Form):
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=[(code, code) for code in ("EUR", "USD", "GBP", "CHF")],
        initial="EUR",
        required=False,  # EUR when not said
    )


class StatementUploadForm(forms.Form):
    statements = MultipleFileField(
        label=_("Statement files"),
        help_text=_(
            "CODA (version 2) or CAMT.053 files, as your bank exports them, or ZIP files of them."
        ),
        widget=MultipleFileInput(
            attrs={"accept": ".cod,.coda,.txt,.xml,.053,.zip", "multiple": True}
        ),
    )

    def clean_statements(self) -> list:
        files = self.cleaned_data.get("statements") or []
        if not files:
            raise ValidationError(_("Choose at least one file."), code="required")
        return files


class AmountField(forms.DecimalField):
    """An amount as people type it: 1234.56, 1.234,56 (as Belgians write it) or 1 234,56;
    a text field (a number field refuses the comma in some browsers)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace("\u00a0", "")
            if "," in value:
                value = value.replace(".", "").replace(",", ".")
        return super().to_python(value)


def _advance(label: Any) -> "AmountField":
    return AmountField(label=label, min_value=0, max_digits=14, decimal_places=2, required=False)


class CashflowSettingsForm(forms.Form):
    vat_filer = forms.ChoiceField(label=_("VAT returns"), choices=CashflowSettings.VatFiler.choices)
    makes_advance_payments = forms.BooleanField(
        label=_("I make advance payments of corporate tax"), required=False
    )
    advance_payment_1 = _advance(_("Advance payment 1 (10 April)"))
    advance_payment_2 = _advance(_("Advance payment 2 (10 July)"))
    advance_payment_3 = _advance(_("Advance payment 3 (10 October)"))
    advance_payment_4 = _advance(_("Advance payment 4 (20 December)"))
    threshold = AmountField(
        label=_("Warn me when the balance goes below"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty to be warned below zero only."),
    )


class ForecastItemForm(forms.Form):
    item = forms.CharField(max_length=120, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[("move", "move"), ("exclude", "exclude"), ("exclude_all", "exclude_all")]
    )
    day = forms.DateField(
        label=_("Expected on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("action") == "move" and not data.get("day"):
            self.add_error("day", _("Choose the date to expect it."))
        return data


class ForecastOneOffForm(forms.Form):
    label = forms.CharField(label=_("Description"), max_length=200)
    direction = forms.ChoiceField(
        label=_("Money"), choices=[("out", _("Out")), ("in", _("In"))], initial="out"
    )
    amount = AmountField(
        label=_("Amount"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
