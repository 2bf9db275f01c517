"""The platform console: staff run plan tiers, see every company's billing, give overrides.

Staff only: someone signed in who is not staff gets the same 404 as a page that does not
exist (the console is not announced). ``CompanyScopeMiddleware`` asks staff for two-factor
authentication (``STAFF_REQUIRE_2FA``) and lifts the company scope for them, as for the
admin: the console reads every company.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.billing.console import selectors, services
from apps.billing.console.forms import CompanyFilterForm, OverrideForm, PlanForm
from apps.billing.models import ConsoleChange, Plan, PlanOverride
from apps.companies.models import Company
from apps.core.errors import DomainError
from apps.core.paging import page_of
from apps.core.views import refusal_as_message

ACTIONS = {
    services.Action.PLAN_CREATE: gettext_lazy("Plan created"),
    services.Action.PLAN_UPDATE: gettext_lazy("Plan changed"),
    services.Action.PLAN_SYNC: gettext_lazy("Plan synced with Stripe"),
    services.Action.OVERRIDE_CREATE: gettext_lazy("Override given"),
    services.Action.OVERRIDE_END: gettext_lazy("Override ended"),
}


class StaffRequest(HttpRequest):
    user: User


def staff_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A console page: sign in first; then staff only, everyone else a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_active and request.user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _or_404(read: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return read(**kwargs)
    except (Company.DoesNotExist, Plan.DoesNotExist, PlanOverride.DoesNotExist) as missing:
        raise Http404 from missing


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


@staff_view
def home(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "billing/console_home.html",
        {
            "overview": selectors.overview(),
            "changes": _described(selectors.change_list()[:10]),
            "section": "home",
        },
    )


# Plans


@staff_view
def plan_list(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "billing/console_plan_list.html",
        {"plans": selectors.plan_list(), "section": "plans"},
    )


@staff_view
def plan_create(request: StaffRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        code = values.pop("code")
        try:
            plan = services.console_plan_create(actor=request.user, code=code, values=values)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The plan %(plan)s is created.") % {"plan": plan.name})
            return redirect("console:plan-edit", plan_id=plan.public_id)
    return render(
        request, "billing/console_plan_form.html", {"form": form, "plan": None, "section": "plans"}
    )


@staff_view
def plan_edit(request: StaffRequest, plan_id: str) -> HttpResponse:
    plan = _or_404(selectors.plan_get, public_id=plan_id)
    form = PlanForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.console_plan_update(
                actor=request.user, plan=plan, values=form.cleaned_data
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            if not changed:
                messages.info(request, _("Nothing changed."))
            else:
                name = form.cleaned_data["name"]
                messages.success(request, _("The plan %(plan)s is saved.") % {"plan": name})
            if plan.stripe_product_id and set(changed) & set(services.PRICE_FIELDS):
                messages.warning(
                    request,
                    _(
                        "Its prices changed: sync the plan with Stripe, so that subscriptions "
                        "are billed the new prices."
                    ),
                )
            return redirect("console:plan-edit", plan_id=plan.public_id)
    return render(
        request,
        "billing/console_plan_form.html",
        {
            "form": form,
            "plan": plan,
            "changes": _described(selectors.change_list(plan=plan)[:10]),
            "section": "plans",
        },
    )


@staff_view
@require_POST
def plan_sync(request: StaffRequest, plan_id: str) -> HttpResponse:
    plan = _or_404(selectors.plan_get, public_id=plan_id)
    with refusal_as_message(request):
        services.console_plan_sync(plan=plan, actor=request.user)
        messages.success(
            request, _("The plan %(plan)s is synced with Stripe.") % {"plan": plan.name}
        )
    return redirect("console:plan-edit", plan_id=plan.public_id)


# Companies


@staff_view
def company_list(request: StaffRequest) -> HttpResponse:
    form = CompanyFilterForm(request.GET or None)
    filters = form.filters()
    pager = page_of(request, selectors.company_list(**filters))
    return render(
        request,
        "billing/console_company_list.html",
        {
            "form": form,
            "pager": pager,
            "companies": pager.rows,
            "is_filtered": any(filters.values()),
            "section": "companies",
        },
    )


@staff_view
def company_detail(request: StaffRequest, company_public_id: str) -> HttpResponse:
    company = _or_404(selectors.company_get, public_id=company_public_id)
    return _company_page(request, company, OverrideForm())


def _company_page(request: StaffRequest, company: Company, form: OverrideForm) -> HttpResponse:
    billing = selectors.company_billing(company=company)
    return render(
        request,
        "billing/console_company_detail.html",
        {
            "company": company,
            "billing": billing,
            "changes": _described(billing.changes),
            "form": form,
            "section": "companies",
        },
    )


@staff_view
@require_POST
def override_create(request: StaffRequest, company_public_id: str) -> HttpResponse:
    company = _or_404(selectors.company_get, public_id=company_public_id)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            override = services.console_override_create(
                actor=request.user, company=company, **form.cleaned_data
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("%(company)s has %(plan)s until %(date)s.")
                % {
                    "company": company.name,
                    "plan": override.plan.name,
                    "date": override.ends_on.strftime("%d/%m/%Y"),
                },
            )
            return redirect("console:company-detail", company_public_id=company.public_id)
    return _company_page(request, company, form)


@staff_view
@require_POST
def override_end(request: StaffRequest, override_id: str) -> HttpResponse:
    override = _or_404(selectors.override_get, public_id=override_id)
    with refusal_as_message(request):
        services.console_override_end(actor=request.user, override=override)
        messages.success(
            request,
            _("The override is ended: %(company)s has its own plan again.")
            % {"company": override.company.name},
        )
    return redirect("console:company-detail", company_public_id=override.company.public_id)


# Failed payments and changes


@staff_view
def failed_payment_list(request: StaffRequest) -> HttpResponse:
    pager = page_of(request, selectors.failed_payment_list())
    return render(
        request,
        "billing/console_failed_payments.html",
        {"pager": pager, "subscriptions": pager.rows, "section": "failed"},
    )


@staff_view
def change_list(request: StaffRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    if action not in ACTIONS:
        action = ""
    pager = page_of(request, selectors.change_list(action=action))
    return render(
        request,
        "billing/console_change_list.html",
        {
            "pager": pager,
            "changes": _described(pager.rows),
            "actions": ACTIONS.items(),
            "action": action,
            "section": "changes",
        },
    )


def _field_label(name: str) -> str:
    """A recorded field's name as the forms call it."""
    for model in (Plan, PlanOverride):
        try:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
        except FieldDoesNotExist:
            continue
    return name


def _described(changes: Iterable[ConsoleChange]) -> list[dict[str, Any]]:
    """Each change with its action in words and its values as rows: field, before, after."""
    described = []
    for change in changes:
        before = change.data.get("before", {})
        after = change.data.get("after", {})
        fields = list(dict.fromkeys([*before, *after]))
        described.append(
            {
                "change": change,
                "label": ACTIONS.get(change.action, change.action),
                "values": [
                    (_field_label(name), before.get(name), after.get(name)) for name in fields
                ],
            }
        )
    return described
