from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from apps.companies.models import Company, Role
from apps.companies.services import COMPANY_EDITABLE_FIELDS
from apps.companies.validators import normalize_enterprise_number, normalize_vat_number

MAX_LOGO_BYTES = 1024 * 1024

COUNTRIES = [
    ("BE", _("Belgium")),
    ("NL", _("Netherlands")),
    ("FR", _("France")),
    ("LU", _("Luxembourg")),
    ("DE", _("Germany")),
]


class CompanyForm(forms.ModelForm):
    # Longer than the stored form: people type "BE 0412.345.614"; clean_* normalises it.
    enterprise_number = forms.CharField(
        label=_("enterprise number"),
        max_length=20,
        help_text=_("KBO/BCE number, e.g. 0123.456.749"),
        widget=forms.TextInput(attrs={"placeholder": "0123.456.749", "inputmode": "numeric"}),
    )
    vat_number = forms.CharField(
        label=_("VAT number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "BE0123456749"}),
    )
    country = forms.ChoiceField(label=_("country"), choices=COUNTRIES, initial="BE")

    class Meta:
        model = Company
        fields = ["enterprise_number", *COMPANY_EDITABLE_FIELDS]
        widgets = {
            "iban": forms.TextInput(attrs={"placeholder": "BE68 5390 0754 7034"}),
            "logo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The enterprise number identifies the company; it can't change after creation.
        if self.instance.pk:
            del self.fields["enterprise_number"]

    def validate_unique(self) -> None:
        """Leave uniqueness to the service: its message says what to do."""

    def clean_enterprise_number(self) -> str:
        return normalize_enterprise_number(self.cleaned_data["enterprise_number"])

    def clean_vat_number(self) -> str:
        return normalize_vat_number(self.cleaned_data.get("vat_number", ""))

    def clean_iban(self) -> str:
        value = self.cleaned_data.get("iban", "").strip()
        if not value:
            return ""
        try:
            return str(stdnum_iban.validate(value))
        except StdnumError:
            raise ValidationError(
                _("This IBAN is not valid. Check it against your bank statement."), code="iban"
            ) from None

    def clean_logo(self) -> object:
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > MAX_LOGO_BYTES:
            raise ValidationError(_("The logo may be at most 1 MB."), code="too_large")
        return logo


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("e-mail address"))
    role = forms.ChoiceField(label=_("role"), choices=Role.choices, initial=Role.MEMBER)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)


class OfficeForm(forms.Form):
    name = forms.CharField(label=_("office name"), max_length=200)
    enterprise_number = forms.CharField(label=_("enterprise number"), required=False)
    email = forms.EmailField(label=_("e-mail address"), required=False)

    def clean_enterprise_number(self) -> str:
        value = self.cleaned_data.get("enterprise_number", "")
        return normalize_enterprise_number(value) if value.strip() else ""


class OfficeClientForm(forms.Form):
    enterprise_number = forms.CharField(
        label=_("enterprise number of the client"),
        widget=forms.TextInput(attrs={"placeholder": "0123.456.749"}),
    )

    def clean_enterprise_number(self) -> str:
        return normalize_enterprise_number(self.cleaned_data["enterprise_number"])


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
