"""Forms of customers and products: the shape of what is typed. The business rules (check
digits, VAT treatment, duplicates, VAT rates in force) are the services'."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.sales.csv_import import MAX_BYTES, parse_decimal
from apps.sales.models import Customer, Product
from apps.sales.selectors import vat_rate_choices
from apps.sales.services.customers import CUSTOMER_FIELDS, PRODUCT_FIELDS, country_choices

_SEPARATORS = re.compile(r"[\s.\-/]")


class CustomerForm(forms.ModelForm):
    # Wider than the stored form: people type 0123.456.749 and BE 0123 456 749.
    enterprise_number = forms.CharField(
        label=_("enterprise number"),
        max_length=20,
        required=False,
        help_text=_(
            "KBO/BCE number, e.g. 0123.456.749. For a Belgian customer the enterprise number "
            "or the VAT number is enough: the other one is filled in."
        ),
    )
    vat_id = forms.CharField(
        label=_("VAT number"),
        max_length=30,
        required=False,
        help_text=_("With the country code, e.g. BE0123456749 or NL123456789B01."),
    )
    country = forms.ChoiceField(label=_("country"), initial="BE")
    payment_terms_days = forms.IntegerField(
        label=_("payment terms (days)"), min_value=0, max_value=365, initial=30
    )

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        help_texts = {"email": _("Invoices, quotes and reminders are sent to this address.")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices(get_language() or "en")  # type: ignore[attr-defined]

    def clean_enterprise_number(self) -> str:
        value = _SEPARATORS.sub("", self.cleaned_data["enterprise_number"]).upper()
        value = value.removeprefix("BE")
        if len(value) > 10:  # the model would only say "at most 10 characters"
            raise ValidationError(
                _("An enterprise number has 10 digits and starts with 0 or 1, e.g. 0123.456.749.")
            )
        return value

    def clean_vat_id(self) -> str:
        return _SEPARATORS.sub("", self.cleaned_data["vat_id"]).upper()

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CUSTOMER_FIELDS}


class PriceField(forms.DecimalField):
    """A decimal comma or point, and thousands grouped the way of the user's language:
    ``12,50``, ``12.50`` and ``1.250,00`` are all fine."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            separator = str(formats.get_format("DECIMAL_SEPARATOR"))
            parsed = parse_decimal(value, decimal_separator=separator)
            if parsed is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            value = parsed
        return super().to_python(value)


def _plain(value: Decimal) -> Decimal:
    """12.5000 → 12.50, 12.3450 → 12.345: a price as people write it."""
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value.normalize()


class ProductForm(forms.ModelForm):
    unit_price = PriceField(
        label=_("unit price excl. VAT"), max_digits=14, decimal_places=4, min_value=0, localize=True
    )
    vat_code = forms.ChoiceField(label=_("VAT rate"))

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"description": _("Copied onto the line of a quote or invoice.")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["vat_code"].choices = vat_rate_choices(on=timezone.localdate())  # type: ignore[attr-defined]
        if self.instance.pk is None:
            self.initial.setdefault("vat_code", "standard")
        elif self.instance.unit_price is not None and not self.is_bound:
            self.initial["unit_price"] = _plain(self.instance.unit_price)

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PRODUCT_FIELDS}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Saved from Excel, Google Sheets, LibreOffice or your old invoicing program."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def read(self) -> bytes:
        """The file's bytes, at most one byte past the limit (the parser says it is too big)."""
        upload = self.cleaned_data["file"]
        return bytes(upload.read(MAX_BYTES + 1))
