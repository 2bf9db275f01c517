"""Settings → Peppol, and the partner's webhook (a verified hint that a document arrived,
answered at once)."""

import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.companies.access import Action, CompanyRequest
from apps.companies.decorators import company_view
from apps.core.views import refusal_as_message
from apps.peppol.clients import gateway
from apps.peppol.gateway import WebhookRefused
from apps.peppol.models import PeppolCompany
from apps.peppol.selectors import peppol_company_get, reachability_known
from apps.peppol.services import (
    inbound_call_record,
    peppol_deregister,
    peppol_migrate,
    peppol_refresh,
    peppol_register,
)

logger = logging.getLogger(__name__)
WEBHOOK_MAX_BYTES = 64 * 1024  # a hint names a document; it never carries one


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Verified on its raw body (the partner's signature), kept by its key (the same call
    twice is handled once), answered 200 at once; a worker fetches the document it names
    with our credentials."""
    partner = gateway()
    if partner is None:
        raise Http404
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > WEBHOOK_MAX_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    body = request.body
    try:
        call = partner.read_webhook(request.headers, body)
    except WebhookRefused as refusal:
        logger.warning("Peppol webhook refused: %s", refusal)
        return JsonResponse({"error": "signature"}, status=401)
    record = inbound_call_record(provider=partner.name, call=call)
    return JsonResponse({"received": True, "duplicate": record is None})


class MigrationForm(forms.Form):
    migration_key = forms.CharField(
        label=gettext_lazy("Migration key from your current provider"),
        max_length=100,
        help_text=gettext_lazy(
            "Your current Peppol provider gives it on request: 8 to 24 characters, with at "
            "least two capitals, two small letters, two digits and two special characters."
        ),
    )

    def clean_migration_key(self) -> str:
        key = self.cleaned_data["migration_key"].strip()
        counts = (
            sum(c.isupper() for c in key),
            sum(c.islower() for c in key),
            sum(c.isdigit() for c in key),
            sum(not c.isalnum() for c in key),
        )
        if not 8 <= len(key) <= 24 or min(counts) < 2:
            raise forms.ValidationError(
                _(
                    "This is not a migration key: it has 8 to 24 characters, with at least "
                    "two capitals, two small letters, two digits and two special characters."
                )
            )
        return key


def _settings_url(request: CompanyRequest) -> str:
    return reverse("peppol:settings", kwargs={"company_id": request.company.public_id})


@company_view()
def settings_page(request: CompanyRequest) -> HttpResponse:
    """Settings → Peppol: the company's registration, its identity verification, a
    migration from another access point, deregistration."""
    registration = peppol_company_get(company=request.company)
    if request.method == "POST":
        if not request.access.can(Action.MANAGE_COMPANY):
            raise PermissionDenied
        return _act(request, registration)
    return _page(request, registration, MigrationForm())


def _page(
    request: CompanyRequest,
    registration: PeppolCompany | None,
    migration_form: MigrationForm,
    status: int = 200,
) -> HttpResponse:
    company = request.company
    partner = gateway()
    registered = (
        registration is not None and registration.status != PeppolCompany.Status.DEREGISTERED
    )
    elsewhere, checking = None, False
    if partner is not None and not registered and company.enterprise_number:
        # never waits for the network: a worker asks, the page looks again
        elsewhere, checking = reachability_known(
            enterprise_number=company.enterprise_number, vat_number=company.vat_number
        )
    return render(
        request,
        "peppol/settings.html",
        {
            "partner": partner,
            "registration": registration if registered else None,
            "lookup": elsewhere,
            "checking": checking,
            "migration_form": migration_form,
            "can_manage": request.access.can(Action.MANAGE_COMPANY),
        },
        status=status,
    )


def _act(request: CompanyRequest, registration: PeppolCompany | None) -> HttpResponse:
    company = request.company
    action = request.POST.get("action", "")
    if action == "migrate":
        form = MigrationForm(request.POST)
        if not form.is_valid():  # shown again where it was filled in, with its error
            return _page(request, registration, form, status=400)
    with refusal_as_message(request):
        if action == "register":
            peppol_register(company=company)
            messages.success(request, _("Your company is registered on Peppol."))
        elif action == "send_only":
            peppol_register(company=company, receive=False)
            messages.success(
                request,
                _("Your company sends over Peppol through OkiOki and keeps receiving elsewhere."),
            )
        elif action == "migrate":
            peppol_migrate(company=company, migration_key=form.cleaned_data["migration_key"])
            messages.success(request, _("The move to OkiOki's access point is requested."))
        elif action == "refresh":
            peppol_refresh(company=company)
            messages.success(request, _("The registration's status is up to date."))
        elif action == "deregister":
            peppol_deregister(company=company)
            messages.success(request, _("Your company is no longer on Peppol through OkiOki."))
        else:
            raise Http404
    return redirect(_settings_url(request))
