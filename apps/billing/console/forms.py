from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from apps.billing.console.services import PLAN_FIELDS
from apps.billing.models import Plan, Subscription


class PlanForm(forms.Form):
    """A plan's values (not a ModelForm: the one-default rule is the service's, which moves
    the default from the plan that had it; a model form would refuse the second default)."""

    def __init__(self, *args: Any, plan: Plan | None = None, **kwargs: Any) -> None:
        if plan is not None:
            kwargs.setdefault("initial", {field: getattr(plan, field) for field in PLAN_FIELDS})
        super().__init__(*args, **kwargs)
        if plan is None:
            self.fields["code"] = forms.SlugField(
                label=_("code"),
                max_length=40,
                help_text=_("Letters, digits and dashes, e.g. collect-500; it cannot change."),
            )
            self.order_fields(["code", *PLAN_FIELDS])
        for name in ("monthly_price", "extra_document_price"):
            self.fields[name].validators.append(MinValueValidator(Decimal("0")))
        self.fields["description"].widget = forms.Textarea(attrs={"rows": 3})
        self.fields["is_default"].help_text = _(
            "New companies start on it. Only one plan is the default: choosing this one "
            "takes it from the other."
        )
        self.fields["extra_document_price"].help_text = _(
            "Required when the plan collects documents; empty when it collects none."
        )


# The model's fields, labels and limits (set after the class: the form metaclass would
# replace them by the declared fields, of which there are none).
PlanForm.base_fields = forms.fields_for_model(Plan, fields=PLAN_FIELDS)


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Plan) -> str:
        if obj.is_active:
            return obj.name
        return _("%(plan)s (not offered)") % {"plan": obj.name}


class OverrideForm(forms.Form):
    plan = PlanChoiceField(
        label=_("plan"), queryset=Plan.objects.order_by("sort_order", "monthly_price")
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=300,
        help_text=_("e.g. partner, trial, the accountant's own file"),
    )
    ends_on = forms.DateField(
        label=_("ends on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The last day of the override, in the future."),
    )


class CompanyFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, enterprise or VAT number")}
        ),
    )
    plan = forms.ChoiceField(label=_("plan"), required=False)
    status = forms.ChoiceField(
        label=_("subscription"),
        required=False,
        choices=[("", _("All statuses")), *Subscription.Status.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["plan"]).choices = [
            ("", _("All plans")),
            *Plan.objects.order_by("sort_order").values_list("code", "name"),
        ]

    def filters(self) -> dict[str, str]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {
            "query": self.cleaned_data["q"].replace("\x00", "").strip(),
            "plan": self.cleaned_data["plan"],
            "status": self.cleaned_data["status"],
        }
