import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.companies.validators import normalize_enterprise_number, normalize_vat_number
from apps.core.money import round_amount
from apps.core.text import neutralise_bidi
from apps.documents.models import Category, Document, Kind
from apps.documents.selectors import SORTS, DocumentFilters
from apps.documents.services import EDITABLE_FIELDS, totals_mismatch


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field. Empty files pass: the service gives each file its own
    result ("the file is empty"), so one empty file doesn't block the others."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

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
                "accept": (
                    ".pdf,.jpg,.jpeg,.png,.heic,.heif,.webp,.xml,.zip,application/pdf,image/*"
                ),
                "multiple": True,
            }
        ),
    )

    # on a phone: the camera opens at once, for a receipt at hand
    photo = forms.FileField(
        label=_("Or take a photo of a receipt"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uploads"].required = False  # a photo alone will do

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        files = [*(data.get("uploads") or []), *([data["photo"]] if data.get("photo") else [])]
        if not files and not self.errors:
            raise ValidationError(_("Choose at least one file."), code="required")
        data["uploads"] = files
        return data


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
    # as many digits as the stored totals: a larger number can't be compared with them
    amount_min = forms.DecimalField(
        label=_("amount from"), required=False, max_digits=14, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label=_("amount to"), required=False, max_digits=14, decimal_places=2
    )
    payment = forms.ChoiceField(
        label=_("payment"),
        required=False,
        choices=[
            ("", _("Paid or not")),
            ("to_pay", _("To pay")),
            ("partly_paid", _("Partly paid")),
            ("overdue", _("Past due date")),
            ("paid", _("Paid")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("sort"),
        required=False,
        choices=[
            ("date", _("Document date, newest first")),
            ("-date", _("Document date, oldest first")),
            ("received", _("Arrival, newest first")),
            ("-received", _("Arrival, oldest first")),
            ("amount", _("Amount, highest first")),
            ("-amount", _("Amount, lowest first")),
            ("counterparty", _("Supplier or customer")),
        ],
    )

    def filters(self, *, default_sort: str = "date") -> DocumentFilters:
        """The filters that are valid; an invalid one is left out and shown as a field error
        (the others still apply). Without a sort: by document date (the list page), or what
        the caller says (the API keeps its arrival order)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # an unbound form: no filters
        sort = data.get("sort") or default_sort
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
            sort=sort if sort in SORTS else default_sort,
            payment=data.get("payment") or "",
        )


class DocumentForm(forms.ModelForm):
    """Corrections by the user. Identifiers are checked with python-stdnum."""

    counterparty_vat_id = forms.CharField(label=_("VAT number"), max_length=30, required=False)
    counterparty_enterprise_number = forms.CharField(
        label=_("enterprise number"), max_length=20, required=False
    )
    counterparty_iban = forms.CharField(label=_("IBAN"), max_length=50, required=False)
    structured_communication = forms.CharField(
        label=_("structured communication"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "+++123/4567/89002+++"}),
    )
    vat_breakdown = forms.CharField(
        label=_("VAT rates"),
        required=False,
        help_text=_("One line per VAT rate: the rate and the amount excl. VAT, e.g. 21% 100,00"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "21% 100,00\n6% 10,01"}),
    )

    class Meta:
        model = Document
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "issue_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    # Text read from the document: shown with its bidi controls neutralised (apps.core.text)
    OUTSIDE_TEXT = ("counterparty_name", "number")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["vat_breakdown"] = breakdown_text(self.instance.vat_breakdown)
            for name in self.OUTSIDE_TEXT:
                self.initial[name] = neutralise_bidi(getattr(self.instance, name))

    def _clean_outside_text(self, name: str) -> str:
        """Sent back as it was shown: the stored original stays."""
        value = self.cleaned_data.get(name, "")
        stored = getattr(self.instance, name)
        return stored if value == neutralise_bidi(stored) else value

    def clean_counterparty_name(self) -> str:
        return self._clean_outside_text("counterparty_name")

    def clean_number(self) -> str:
        return self._clean_outside_text("number")

    def clean_vat_breakdown(self) -> list[dict[str, str | None]]:
        text = self.cleaned_data.get("vat_breakdown") or ""
        entries = parse_breakdown(text)
        if entries is None:
            raise ValidationError(
                _("Write one VAT rate per line with its amount excl. VAT, e.g. 21% 100,00."),
                code="vat_breakdown",
            )
        stored = self.instance.vat_breakdown or []
        if _pairs(entries) == _pairs(stored):
            return stored  # as read: keep the VAT amounts as printed
        return entries

    def clean_counterparty_vat_id(self) -> str:
        return normalize_vat_number(self.cleaned_data.get("counterparty_vat_id", ""))

    def clean_counterparty_enterprise_number(self) -> str:
        value = self.cleaned_data.get("counterparty_enterprise_number", "").strip()
        return normalize_enterprise_number(value) if value else ""

    def clean_counterparty_iban(self) -> str:
        from stdnum import iban
        from stdnum.exceptions import ValidationError as StdnumError

        value = self.cleaned_data.get("counterparty_iban", "").strip()
        if not value:
            return ""
        try:
            return str(iban.validate(value))
        except StdnumError:
            raise ValidationError(
                _("This IBAN is not valid. Check it against the invoice."), code="iban"
            ) from None

    def clean_structured_communication(self) -> str:
        from stdnum.be import ogm_vcs
        from stdnum.exceptions import ValidationError as StdnumError

        value = self.cleaned_data.get("structured_communication", "").strip()
        if not value:
            return ""
        try:
            return str(ogm_vcs.validate(value))
        except StdnumError:
            raise ValidationError(
                _(
                    "This structured communication is not valid: it has 12 digits, e.g. "
                    "+++123/4567/89002+++, and the last two are check digits."
                ),
                code="ogm",
            ) from None

    def clean_currency(self) -> str:
        value = (self.cleaned_data.get("currency") or "").strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise ValidationError(
                _("Use a three-letter currency code such as EUR."), code="currency"
            )
        return value

    def clean(self) -> dict:
        data = super().clean() or {}
        net, vat, gross = (
            data.get("total_excl_vat"),
            data.get("total_vat"),
            data.get("total_incl_vat"),
        )
        if totals_mismatch(net, vat, gross):
            self.add_error(
                "total_incl_vat",
                _("The totals don't add up: %(net)s + %(vat)s VAT is not %(gross)s.")
                % {"net": net, "vat": vat, "gross": gross},
            )
        issue, due = data.get("issue_date"), data.get("due_date")
        if issue and due and due < issue:
            self.add_error("due_date", _("The due date is before the document date."))
        return data


_BREAKDOWN_LINE = re.compile(
    r"^\s*(\d{1,2}(?:[.,]\d{1,2})?)\s*%?\s*[:=;]?\s*(-?[\d.,' ]+)\s*€?\s*$"
)


def breakdown_text(entries: list[dict[str, Any]] | None) -> str:
    """'21% 100.00' per line: the VAT breakdown as a person edits it."""
    lines = []
    for entry in entries or []:
        base = entry.get("taxable_amount")
        lines.append(f"{entry.get('rate')}% {base if base is not None else '?'}")
    return "\n".join(lines)


def parse_breakdown(text: str) -> list[dict[str, str | None]] | None:
    """Rates with their amounts excl. VAT, one per line; the VAT is computed. None if unreadable."""
    from apps.documents.extraction.patterns import parse_amount

    entries: list[dict[str, str | None]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _BREAKDOWN_LINE.match(line)
        base = parse_amount(match.group(2).strip()) if match else None
        if match is None or base is None:
            return None
        rate = Decimal(match.group(1).replace(",", "."))
        entries.append(
            {
                "rate": format(rate.normalize(), "f"),
                "taxable_amount": str(round_amount(base)),
                "tax_amount": str(round_amount(base * rate / 100)),
            }
        )
    return entries


def _pairs(entries: list[dict[str, Any]]) -> list[tuple[Decimal, Decimal | None]]:
    pairs = []
    for entry in entries:
        try:
            rate = Decimal(str(entry.get("rate")))
            base = entry.get("taxable_amount")
            pairs.append((rate, Decimal(str(base)) if base is not None else None))
        except (ArithmeticError, ValueError):
            continue
    return pairs
