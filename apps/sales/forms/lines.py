"""The lines of a quote or an invoice as a formset: shape only (the services check the rest)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.sales.models import Unit
from apps.sales.services.invoices import LineInput

VAT_RATES = [
    (Decimal("21"), "21 %"),
    (Decimal("12"), "12 %"),
    (Decimal("6"), "6 %"),
    (Decimal("0"), "0 %"),
]


class LineForm(forms.Form):
    description = forms.CharField(label=_("description"), max_length=500)
    quantity = forms.DecimalField(
        label=_("quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0.001")
    )
    unit = forms.ChoiceField(label=_("unit"), choices=Unit.choices, initial=Unit.PIECE)
    unit_price = forms.DecimalField(
        label=_("unit price excl. VAT"), max_digits=14, decimal_places=4, min_value=Decimal("0")
    )
    discount_percent = forms.DecimalField(
        label=_("discount (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        initial=Decimal("0"),
        required=False,
    )
    vat_rate = forms.TypedChoiceField(
        label=_("VAT"), choices=VAT_RATES, coerce=Decimal, initial=Decimal("21")
    )

    def line(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            vat_rate=data["vat_rate"],
            unit=data["unit"],
            discount_percent=data.get("discount_percent") or Decimal("0"),
        )


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        filled = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not filled:
            raise forms.ValidationError(_("Add at least one line."))

    def lines(self) -> list[LineInput]:
        return [
            form.line()
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=1, can_delete=True, max_num=200, validate_max=True
)


def plain(value: Decimal) -> Decimal:
    """10.000 → 10, 2.450 → 2.45 (``normalize`` alone would write 1E+1)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def line_initial(lines: Any) -> list[dict[str, Any]]:
    """Existing lines (of a quote or an invoice) as initial formset data."""
    return [
        {
            "description": line.description,
            "quantity": plain(line.quantity),
            "unit": line.unit,
            "unit_price": plain(line.unit_price),
            "discount_percent": plain(line.discount_percent),
            "vat_rate": plain(line.vat_rate),
        }
        for line in lines
    ]
