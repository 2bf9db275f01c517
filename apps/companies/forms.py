from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError

from apps.companies.models import Company, Role
from apps.companies.services import COMPANY_EDITABLE_FIELDS
from apps.companies.validators import normalize_enterprise_number, normalize_vat_number
from apps.core.files import FileKind, sniff
from apps.core.iban import iban_check

MAX_LOGO_BYTES = 1024 * 1024

COUNTRIES = [
    ("BE", _("Belgium")),
    ("NL", _("Netherlands")),
    ("FR", _("France")),
    ("LU", _("Luxembourg")),
    ("DE", _("Germany")),
]


@dataclass(frozen=True)
class _LinkedFile:
    """What the widget shows for the current file: its own name and the checked view's URL."""

    name: str
    url: str

    def __str__(self) -> str:
        return PurePosixPath(self.name).name


class LogoInput(forms.ClearableFileInput):
    """The "currently" link goes to the permission-checked logo view, not to a storage URL
    (uploads are private and have none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_url = ""

    def is_initial(self, value: object) -> bool:
        return bool(value) and bool(self.current_url)

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = _LinkedFile(name=str(value), url=self.current_url)
        return context


UNKNOWN_BANK = _(
    "This IBAN is right, but its bank code is not in OkiOki's list yet (a new bank?). It is "
    "saved; check it against your bank statement."
)


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
            "logo": LogoInput(attrs={"accept": "image/png,image/jpeg"}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # saved all the same, but said: {field: [messages]}
        self.warnings: dict[str, list[Any]] = {}
        # The enterprise number identifies the company; it can't change after creation.
        if self.instance.pk:
            del self.fields["enterprise_number"]
            self.fields["logo"].widget.current_url = reverse(
                "companies:company-logo", kwargs={"company_id": self.instance.public_id}
            )

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
            checked = iban_check(value)
        except StdnumError:
            raise ValidationError(
                _("This IBAN is not valid. Check it against your bank statement."), code="iban"
            ) from None
        if checked.unknown_bank:
            self.warnings["iban"] = [UNKNOWN_BANK]
        return checked.number

    def clean_logo(self) -> object:
        logo = self.cleaned_data.get("logo")
        if not isinstance(logo, UploadedFile):  # unchanged, or False: "clear" was ticked
            return logo
        if (logo.size or 0) > MAX_LOGO_BYTES:
            raise ValidationError(_("The logo may be at most 1 MB."), code="too_large")
        # Only kinds a browser shows safely from our own origin (no SVG and its scripts).
        logo.seek(0)
        kind = sniff(logo.read(1024))
        logo.seek(0)
        if kind not in (FileKind.PNG, FileKind.JPEG):
            raise ValidationError(_("The logo must be a PNG or JPEG picture."), code="kind")
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


class TwoFactorRequirementForm(forms.Form):
    required = forms.BooleanField(
        label=_("Require two-factor authentication of everyone in this company"),
        help_text=_(
            "Owners, members and accountants without an authenticator app are asked to set one "
            "up before they can open the company."
        ),
        required=False,
    )
