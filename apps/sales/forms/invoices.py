from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company
from apps.sales.forms.fields import CustomerSelect, PublicIdChoiceField
from apps.sales.models import Customer, Invoice, SalesSettings


class InvoiceForm(forms.ModelForm):
    # The queryset is the company's, set per form (the scoped manager refuses a bare query).
    customer = PublicIdChoiceField(
        label=_("customer"),
        queryset=None,
        to_field_name="public_id",  # the page shows opaque ids, never primary keys
        empty_label=_("Choose a customer"),
        widget=CustomerSelect,
    )

    class Meta:
        model = Invoice
        fields = (
            "customer",
            "issue_date",
            "due_date",
            "vat_treatment",
            "discount_percent",
            "buyer_reference",
            "notes",
        )
        widgets = {
            "issue_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "issue_date": _("Empty: the day it is issued."),
            "due_date": _("Empty: from the customer's payment terms."),
        }

    def __init__(self, *args: Any, company: Company, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(company=company)  # type: ignore[attr-defined]
        self.fields["customer"].label_from_instance = lambda customer: customer.name  # type: ignore[attr-defined]
        if self.instance.pk:
            # the field chooses by public id; the instance's initial is the primary key
            self.initial["customer"] = self.instance.customer
        self.fields["vat_treatment"].required = False

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class SalesSettingsForm(forms.ModelForm):
    class Meta:
        model = SalesSettings
        fields = (
            "reminders_enabled",
            "first_reminder_days",
            "second_reminder_days",
            "final_reminder_days",
            "quote_validity_days",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        days = [
            data.get(name)
            for name in ("first_reminder_days", "second_reminder_days", "final_reminder_days")
        ]
        first, second, final = days
        if (
            first is not None
            and second is not None
            and final is not None
            and not (first < second < final)
        ):
            self.add_error(
                "second_reminder_days",
                _("Each reminder comes later than the one before it."),
            )
        return data
