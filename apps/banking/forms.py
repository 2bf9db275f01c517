from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
