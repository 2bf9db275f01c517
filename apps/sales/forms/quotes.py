"""The quote's own fields (its lines are a ``LineFormSet``): shape only, the services check
the rest."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company
from apps.sales.forms.fields import CustomerSelect, PublicIdChoiceField, discount_field
from apps.sales.forms.lines import plain
from apps.sales.models import Customer, Quote, VatTreatment


class QuoteForm(forms.Form):
    customer = PublicIdChoiceField(
        label=_("customer"),
        queryset=None,  # the company's customers, set per form (no query at import time)
        to_field_name="public_id",  # the page shows opaque ids, never primary keys
        empty_label=_("Choose a customer"),
        widget=CustomerSelect,
    )
    issue_date = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_until = forms.DateField(
        label=_("valid until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    vat_treatment = forms.ChoiceField(
        label=_("VAT treatment"),
        choices=[("", _("As set for the customer")), *VatTreatment.choices],
        required=False,
    )
    discount_percent = discount_field(_("discount on the total (%)"))
    notes = forms.CharField(
        label=_("notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the quote, under the lines."),
    )

    def __init__(self, *args: Any, company: Company, quote: Quote | None = None, **kwargs: Any):
        if quote is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "customer": quote.customer.public_id,
                "issue_date": quote.issue_date,
                "valid_until": quote.valid_until,
                "vat_treatment": quote.vat_treatment,
                "discount_percent": plain(quote.discount_percent),
                "notes": quote.notes,
            }
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(company=company)  # type: ignore[attr-defined]
        if quote is not None:
            # A saved quote has its own VAT treatment: no "as for the customer" any more.
            self.fields["vat_treatment"] = forms.ChoiceField(
                label=_("VAT treatment"), choices=VatTreatment.choices
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        issue_date, valid_until = data.get("issue_date"), data.get("valid_until")
        if issue_date and valid_until and valid_until < issue_date:
            self.add_error("valid_until", _("The quote must be valid until its date or later."))
        return data

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as ``quote_create`` / ``quote_update`` take them."""
        data = self.cleaned_data
        fields = {
            "customer": data["customer"],
            "issue_date": data["issue_date"],
            "valid_until": data["valid_until"],
            "discount_percent": data.get("discount_percent") or Decimal("0"),
            "notes": data.get("notes", ""),
        }
        if data.get("vat_treatment"):
            fields["vat_treatment"] = data["vat_treatment"]
        return fields
