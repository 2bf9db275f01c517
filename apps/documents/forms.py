from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.documents.models import Category, Document, Kind
from apps.documents.selectors import SORTS, DocumentFilters


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class UploadForm(forms.Form):
    uploads = MultipleFileField(
        label=_("Files"),
        help_text=_("PDF, JPEG, PNG, XML e-invoices (UBL or CII) or ZIP files with these."),
        widget=MultipleFileInput(
            attrs={
                "accept": ".pdf,.jpg,.jpeg,.png,.xml,.zip,application/pdf,image/*",
                "multiple": True,
            }
        ),
    )

    def clean_uploads(self) -> list:
        files = self.cleaned_data.get("uploads") or []
        if not files:
            raise ValidationError(_("Choose at least one file."), code="required")
        return files


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All kinds")), *Kind.choices]
    )
    category = forms.ChoiceField(
        label=_("category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )
    status = forms.ChoiceField(
        label=_("status"),
        required=False,
        choices=[("", _("All statuses")), *Document.Status.choices],
    )
    date_from = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    counterparty = forms.CharField(label=_("supplier or customer"), required=False)
    amount_min = forms.DecimalField(label=_("amount from"), required=False, decimal_places=2)
    amount_max = forms.DecimalField(label=_("amount to"), required=False, decimal_places=2)
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("received", _("Newest first")),
            ("-received", _("Oldest first")),
            ("date", _("Document date, newest first")),
            ("-date", _("Document date, oldest first")),
            ("amount", _("Amount, highest first")),
            ("-amount", _("Amount, lowest first")),
            ("counterparty", _("Supplier or customer")),
        ],
    )

    def filters(self) -> DocumentFilters:
        if not self.is_valid():
            return DocumentFilters()
        data = self.cleaned_data
        sort = data.get("sort") or "received"
        return DocumentFilters(
            kind=data.get("kind") or "",
            category=data.get("category") or "",
            status=data.get("status") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            counterparty=data.get("counterparty") or "",
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            search=data.get("q") or "",
            sort=sort if sort in SORTS else "received",
        )
