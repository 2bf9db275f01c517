"""The lines of a quote or an invoice as a formset: shape only (the services check the rest).

A line may start from a product: what the line leaves empty comes from the product, its VAT
rate from the rates in force on the document's date (rates are data, not constants).
"""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company
from apps.sales.forms.fields import discount_field
from apps.sales.models import Product, Unit, VatRate
from apps.sales.selectors import vat_rate_for
from apps.sales.services.invoices import LineInput


def rates_in_force(on: datetime.date) -> list[tuple[Decimal, str]]:
    """The distinct Belgian rates in force on ``on``, highest first."""
    from django.db.models import Q

    rates = (
        VatRate.objects.filter(valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .values_list("rate", flat=True)
        .distinct()
    )
    return [(plain(rate), f"{plain(rate)} %") for rate in sorted(set(rates), reverse=True)]


def rates_by_code(on: datetime.date) -> dict[str, Decimal]:
    """The rate of each VAT code in force on ``on`` (one query for all the products)."""
    from django.db.models import Q

    rates = (
        VatRate.objects.filter(valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("valid_from")
        .values_list("code", "rate")
    )
    return dict(rates)  # the latest in force wins, as in vat_rate_for


class LineForm(forms.Form):
    # Choices by public id from the products read once per formset (a model choice field
    # would query them again for every line).
    product = forms.ChoiceField(label=_("product"), required=False)
    description = forms.CharField(label=_("description"), max_length=500, required=False)
    quantity = forms.DecimalField(
        label=_("quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0.001")
    )
    unit = forms.ChoiceField(
        label=_("unit"), choices=Unit.choices, initial=Unit.PIECE, required=False
    )
    unit_price = forms.DecimalField(
        label=_("unit price excl. VAT"),
        max_digits=14,
        decimal_places=4,
        min_value=Decimal("0"),
        required=False,
    )
    discount_percent = discount_field(_("discount (%)"))
    vat_rate = forms.TypedChoiceField(
        label=_("VAT"), choices=[], coerce=Decimal, empty_value=None, required=False
    )
    vat_code = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        on: datetime.date,
        rates: list[tuple[Any, str]],
        products: dict[str, Product],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.on = on
        self.products = products
        self.fields["vat_rate"].choices = [("", _("product's rate")), *rates]  # type: ignore[attr-defined]
        if products:
            self.fields["product"].choices = [  # type: ignore[attr-defined]
                ("", _("(none)")),
                *((key, product.name) for key, product in products.items()),
            ]
        else:
            del self.fields["product"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product = self.products.get(data.get("product") or "")
        data["product"] = product
        if product is not None:
            data["description"] = data.get("description") or product.name
            if data.get("unit_price") is None:
                data["unit_price"] = product.unit_price
            if not self.data.get(self.add_prefix("unit")):
                data["unit"] = product.unit
            if not self.data.get(self.add_prefix("vat_rate")):
                data["vat_rate"] = vat_rate_for(code=product.vat_code, on=self.on)
                data["vat_code"] = product.vat_code
        if self.has_changed() and "vat_rate" in self.changed_data and product is None:
            data["vat_code"] = ""  # a rate chosen by hand is that rate
        data["unit"] = data.get("unit") or Unit.PIECE
        if self.has_changed() or product is not None:
            for name in ("description", "unit_price", "vat_rate"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("This field is required."))
        return data

    def line(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            vat_rate=data["vat_rate"],
            unit=data["unit"],
            discount_percent=data.get("discount_percent") or Decimal("0"),
            product_id=data["product"].pk if data.get("product") else None,
            vat_code=data.get("vat_code") or "",
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

    @property
    def product_data(self) -> dict[str, dict[str, str]]:
        """Each product's price and VAT rate by public id, for the page's running total of a
        line that leaves them to the product (static/js/lines.js)."""
        products: dict[str, Product] = self.form_kwargs.get("products", {})
        if not products:
            return {}
        rates = rates_by_code(self.form_kwargs["on"])
        return {
            key: {
                "price": str(product.unit_price),
                "rate": str(plain(rates[product.vat_code])) if product.vat_code in rates else "",
            }
            for key, product in products.items()
        }


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=1, can_delete=True, max_num=200, validate_max=True
)


def line_formset(
    data: Any = None,
    *,
    company: Company,
    on: datetime.date | None = None,
    initial: list[dict[str, Any]] | None = None,
    prefix: str = "lines",
) -> Any:
    """The lines of a document of ``company`` dated ``on`` (today when not known yet): the
    rates in force and the company's products are read once, for every line."""
    on = on or timezone.localdate()
    products = {
        str(product.public_id): product
        for product in Product.objects.filter(company=company, is_active=True).order_by("name")
    }
    return LineFormSet(
        data,
        initial=initial,
        prefix=prefix,
        form_kwargs={"on": on, "rates": rates_in_force(on), "products": products},
    )


def with_one_more_line(data: Any, prefix: str = "lines") -> Any:
    """The posted lines again, plus an empty one ("Add a line" without JavaScript)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = max(int(data.get(key, "0")), 0)
    except ValueError:
        total = 0
    data[key] = str(total + 1)
    return data


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
            "vat_code": line.vat_code,
        }
        for line in lines
    ]
