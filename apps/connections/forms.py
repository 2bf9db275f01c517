from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.connections.addresses import (
    PACKAGES,
    AddressProblem,
    address_problems,
    normalise_address,
)
from apps.connections.destination import ADDRESS_FIELDS, DESTINATION_FIELDS
from apps.connections.models import Transfer


class TransferForm(forms.ModelForm):
    package = forms.ChoiceField(
        label=_("accounting software"),
        choices=[(package.code, package.name) for package in PACKAGES],
        initial="octopus",
    )
    # Plain text fields: ``address_problems`` says more precisely what is wrong than the
    # e-mail validator would ("remove the space", "lowercase suffix", …).
    general_address = forms.CharField(
        label=_("address for everything"),
        required=False,
        max_length=254,
        help_text=_("Used for every type that has no address of its own."),
    )
    purchases_address = forms.CharField(label=_("purchases"), required=False, max_length=254)
    sales_address = forms.CharField(label=_("sales"), required=False, max_length=254)
    miscellaneous_address = forms.CharField(
        label=_("miscellaneous"), required=False, max_length=254
    )
    is_automatic = forms.TypedChoiceField(
        label=_("when"),
        choices=[
            (True, _("Send each document as soon as it is ready")),
            (False, _("Send only after I approve each document")),
        ],
        coerce=lambda value: value in (True, "True", "true", "1"),
        widget=forms.RadioSelect,
        initial=True,
    )
    send_from = forms.DateField(
        label=_("send documents dated from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Only documents dated from this day are sent, also the ones waiting now. Leave "
            "empty to send every document."
        ),
    )

    class Meta:
        model = Transfer
        fields = (
            "package",
            *ADDRESS_FIELDS,
            "is_automatic",
            "send_from",
            "attach_pdf",
            "is_active",
        )
        labels = {"is_active": _("Send my documents to my accountant")}

    def __init__(self, *args: Any, may_route: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.warnings: dict[str, list[AddressProblem]] = {}
        if not may_route:
            # Where documents go is the owner's (or the linked office's) to decide.
            for name in DESTINATION_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "package" not in self.fields:
            return data
        package = data.get("package") or "other"
        for name in ADDRESS_FIELDS:
            address = normalise_address(data.get(name) or "")
            data[name] = address
            found = address_problems(address, package=package)
            for problem in found:
                if problem.is_blocking:
                    self.add_error(name, str(problem.message))
            warnings = [problem for problem in found if not problem.is_blocking]
            if warnings:
                self.warnings[name] = warnings
        nothing = not any(data.get(name) for name in ADDRESS_FIELDS)
        if data.get("is_active") and nothing and not self.errors:
            self.add_error(
                "general_address",
                _("Give at least one address: one for everything, or one per type."),
            )
        return data

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))
    # The count the person saw on the confirmation page (a large resend).
    confirmed = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return data
