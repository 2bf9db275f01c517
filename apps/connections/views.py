from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from apps.companies.access import Action, CompanyRequest, UserRequest
from apps.companies.decorators import company_view
from apps.companies.selectors import office_get_for_user
from apps.connections import resending, selectors, services
from apps.connections.addresses import PACKAGES, octopus_proposal
from apps.connections.destination import asks_to_reroute
from apps.connections.forms import ADDRESS_FIELDS, PeriodForm, TransferForm
from apps.connections.models import Transfer
from apps.connections.transports import Outcome, transport_for
from apps.core.errors import DomainError
from apps.core.views import refusal_as_message
from apps.documents.selectors import document_get


def _can_configure(request: CompanyRequest) -> bool:
    return bool(request.access.can(Action.CONFIGURE_TRANSFER))


def _can_route(request: CompanyRequest) -> bool:
    """May change where documents go and resend a period (the owner, the linked office)."""
    return bool(request.access.can(Action.ROUTE_TRANSFER))


def _url(name: str, request: CompanyRequest) -> str:
    return reverse(name, kwargs={"company_id": request.company.public_id})


def _proposal(form: TransferForm) -> list[dict[str, str]]:
    """Octopus' Propose: per address field, what the form holds now and what is proposed, so
    that the person sees every change before anything is applied. Empty: no Octopus import
    address in the form to propose from."""
    current = {name: form.data.get(name, "").strip() for name in ADDRESS_FIELDS}
    proposed = octopus_proposal(current)
    if not proposed:
        return []
    return [
        {
            "name": name,
            "label": str(form.fields[name].label),
            "current": current[name],
            "proposed": proposed[name],
        }
        for name in ADDRESS_FIELDS
    ]


def _with_proposal(form: TransferForm, posted: Any, *, may_route: bool) -> TransferForm:
    """The form as posted, its addresses replaced by the proposal the person confirmed (the
    ``proposed_<field>`` values of the comparison they saw). Not saved: they save it."""
    data = posted.copy()
    for name in ADDRESS_FIELDS:
        data[name] = posted.get(f"proposed_{name}", posted.get(name, ""))
    data["package"] = "octopus"
    return TransferForm(data, instance=form.instance, may_route=may_route)


def _test_addresses(form: TransferForm, transfer: Any) -> list[str]:
    """The addresses documents would go to: per type the one typed in the form, else the
    general one (for who may not change them, the current ones). A general address that no
    type uses gets no test."""
    typed = {
        name: form.cleaned_data[name] if name in form.fields else getattr(transfer, name, "")
        for name in ADDRESS_FIELDS
    }
    return [typed[name] or typed["general_address"] for name in ADDRESS_FIELDS[1:]]


def _worded(results: list[tuple[str, Outcome]]) -> list[tuple[str, Outcome, str]]:
    """The test's outcome per address with the server's answer in the reader's words (in
    development: where the e-mail went instead, never the backend's marker)."""
    email = transport_for(Transfer.Method.EMAIL)
    assert email is not None
    return [(address, outcome, email.describe(outcome.line)) for address, outcome in results]


def _backlog_question(backlog: selectors.Backlog) -> dict[str, Any]:
    """What saving sends at once, in words: how many documents and their dates."""
    values = {
        "count": backlog.count,
        "oldest": date_format(backlog.oldest) if backlog.oldest else "",
        "newest": date_format(backlog.newest) if backlog.newest else "",
    }
    if backlog.oldest == backlog.newest:
        text = ngettext(
            "Saving also sends %(count)s document that is ready but was never sent to your "
            "accountant, dated %(oldest)s.",
            "Saving also sends %(count)s documents that are ready but were never sent to your "
            "accountant, all dated %(oldest)s.",
            backlog.count,
        )
    else:
        text = ngettext(
            "Saving also sends %(count)s document that is ready but was never sent to your "
            "accountant, dated from %(oldest)s to %(newest)s.",
            "Saving also sends %(count)s documents that are ready but were never sent to your "
            "accountant, dated from %(oldest)s to %(newest)s.",
            backlog.count,
        )
    return {
        "count": backlog.count,
        "text": text % values,
        "button": ngettext(
            "Save and send this document", "Save and send these %(count)s documents", backlog.count
        )
        % values,
    }


def _saved_text(backlog: selectors.Backlog, is_automatic: bool) -> str:
    """The confirmation after saving, saying what went out at once."""
    if not backlog.count or backlog.oldest is None:
        return _("Saved. Documents that become ready from now on go to these addresses.")
    values = {"count": backlog.count, "oldest": date_format(backlog.oldest)}
    if is_automatic:
        text = ngettext(
            "Saved. %(count)s document that was waiting is being sent now (dated %(oldest)s); "
            "documents that become ready from now on go to these addresses.",
            "Saved. %(count)s documents that were waiting are being sent now (the oldest dated "
            "%(oldest)s); documents that become ready from now on go to these addresses.",
            backlog.count,
        )
    else:
        text = ngettext(
            "Saved. %(count)s document that was waiting now waits for your approval (dated "
            "%(oldest)s); documents that become ready from now on go to these addresses.",
            "Saved. %(count)s documents that were waiting now wait for your approval (the "
            "oldest dated %(oldest)s); documents that become ready from now on go to these "
            "addresses.",
            backlog.count,
        )
    return text % values


@company_view()
def transfer_edit(request: CompanyRequest) -> HttpResponse:
    """Connections → Transfer to accountant: the addresses, the options, "Send a test"."""
    company = request.company
    transfer = services.transfer_get(company=company)
    may_route = _can_route(request)
    form = TransferForm(request.POST or None, instance=transfer, may_route=may_route)
    test_results = None
    proposal: list[dict[str, str]] = []
    backlog_question = None
    if request.method == "POST":
        if not _can_configure(request):
            raise PermissionDenied
        if not may_route and asks_to_reroute(transfer=transfer, posted=request.POST):
            raise PermissionDenied
        action = request.POST.get("action", "save")
        if action in ("propose", "use_proposal", "keep") and not may_route:
            raise PermissionDenied
        if action == "propose":
            # shown side by side with what is there; applied only on "Use these addresses"
            proposal = _proposal(form)
            if proposal:
                messages.info(
                    request,
                    _(
                        "OkiOki proposes other addresses: compare them below the form, "
                        "then use them or keep yours."
                    ),
                )
            else:
                messages.error(
                    request,
                    _(
                        "Paste your Octopus import address (uid-<file code>@import.octopus.be) "
                        "in one of the address fields first."
                    ),
                )
        elif action == "use_proposal":
            form = _with_proposal(form, request.POST, may_route=may_route)
            messages.info(
                request,
                _(
                    "The proposed addresses are in the form below. Nothing is saved yet: "
                    "check them, then save."
                ),
            )
        elif action == "keep":
            pass  # the form as typed, the proposal set aside
        elif form.is_valid():
            if action == "test":
                addresses = _test_addresses(form, transfer)
                with refusal_as_message(request):
                    test_results = _worded(
                        services.transfer_send_test(company=company, addresses=addresses)
                    )
            else:
                # the settings as typed (the form put them on its unsaved instance)
                backlog = selectors.transfer_backlog(company=company, transfer=form.instance)
                sends_now = backlog.count and form.instance.is_automatic
                if sends_now and request.POST.get("confirmed_backlog") != str(backlog.count):
                    # saving sends the documents that waited: the page says which, first
                    backlog_question = _backlog_question(backlog)
                    messages.warning(
                        request, _("Not saved yet: see below what saving sends at once.")
                    )
                else:
                    services.transfer_save(
                        company=company,
                        actor=request.user,
                        **form.service_fields(),
                    )
                    messages.success(request, _saved_text(backlog, form.instance.is_automatic))
                    # Saved as typed, but said again: e.g. a lowercase Octopus suffix files
                    # nothing in the sub-folder.
                    for problems in form.warnings.values():
                        for problem in problems:
                            messages.warning(request, str(problem.message))
                    return redirect(_url("connections:transfer", request))
    return render(
        request,
        "connections/transfer_edit.html",
        {
            "form": form,
            "transfer": transfer,
            "packages": [
                {
                    "code": package.code,
                    "name": package.name,
                    "hint": package.hint,
                    "warning": str(package.warning) % {"sender": settings.TRANSFER_FROM_EMAIL}
                    if package.warning
                    else "",
                }
                for package in PACKAGES
            ],
            "sender": settings.TRANSFER_FROM_EMAIL,
            "test_results": test_results,
            "proposal": proposal,
            "backlog_question": backlog_question,
            "counts": selectors.delivery_counts(company=company),
            "recent": selectors.delivery_list(company=company, limit=10),
            "can_configure": _can_configure(request),
            "can_route": may_route,
        },
    )


@company_view()
def delivery_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    status = request.GET.get("status") or None
    return render(
        request,
        "connections/delivery_list.html",
        {
            "deliveries": selectors.delivery_list(company=company, status=status),
            "status": status if status in selectors.FILTERS else None,
            "filters": [
                ("", _("All")),
                ("failed", _("Failed")),
                ("waiting", _("Waiting")),
                ("approval", _("Waiting for approval")),
                ("sent", _("Sent")),
            ],
            "counts": selectors.delivery_counts(company=company),
            "period_form": PeriodForm(),
            "transfer": services.transfer_get(company=company),
            "can_configure": _can_configure(request),
            "can_route": _can_route(request),
            "period_resends": selectors.period_resend_list(company=company),
        },
    )


ACTIONS = {
    "retry": (services.delivery_retry, gettext_lazy("The delivery is being tried again.")),
    "approve": (
        services.delivery_approve,
        gettext_lazy("Approved: the document is being sent."),
    ),
    "cancel": (services.delivery_cancel, gettext_lazy("The delivery is cancelled.")),
}


def _back(request: CompanyRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    company_prefix = f"/c/{request.company.public_id}/"
    # Only back to a page of this company (never an outside URL).
    return redirect(target if target.startswith(company_prefix) else fallback)


@require_POST
@company_view(Action.CONFIGURE_TRANSFER)
def delivery_action(request: CompanyRequest, delivery_id: str, action: str) -> HttpResponse:
    company = request.company
    delivery = selectors.delivery_get(company=company, delivery_id=delivery_id)
    if delivery is None:
        raise Http404
    service, done = ACTIONS[action]
    with refusal_as_message(request):
        service(company=company, delivery=delivery, actor=request.user)
        messages.success(request, str(done))
    return _back(request, _url("connections:delivery-list", request))


@require_POST
@company_view(Action.CONFIGURE_TRANSFER)
def deliveries_approve_all(request: CompanyRequest) -> HttpResponse:
    count = services.deliveries_approve_all(company=request.company, actor=request.user)
    messages.success(request, _("%(count)s document(s) approved for sending.") % {"count": count})
    return redirect(_url("connections:delivery-list", request))


@require_POST
@company_view(Action.ROUTE_TRANSFER)
def deliveries_resend_period(request: CompanyRequest) -> HttpResponse:
    """Send a period again. More than ``TRANSFER_RESEND_CONFIRM_OVER`` documents: first a page
    that says how many and to which addresses, and the person confirms that very count."""
    company = request.company
    form = PeriodForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_url("connections:delivery-list", request))
    period = {"date_from": form.cleaned_data["date_from"], "date_to": form.cleaned_data["date_to"]}
    try:
        count = resending.deliveries_resend_period(
            company=company,
            actor=request.user,
            confirmed=form.cleaned_data["confirmed"],
            **period,
        )
    except resending.ResendNotConfirmed as question:
        return render(
            request,
            "connections/resend_confirm.html",
            {"count": question.count, "addresses": question.addresses, **period},
        )
    except DomainError as error:  # not refusal_as_message: the refusal above has its own page
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("%(count)s document(s) of that period are being sent to the current addresses.")
            % {"count": count},
        )
    return redirect(_url("connections:delivery-list", request))


@require_POST
@company_view(Action.CONFIGURE_TRANSFER)
def document_send(request: CompanyRequest, document_id: str) -> HttpResponse:
    """The document page's "Send to the accountant (again)": an explicit, recorded resend."""
    company = request.company
    document = document_get(company=company, document_id=document_id)
    if document is None:
        raise Http404
    with refusal_as_message(request):
        services.document_resend(company=company, document=document, actor=request.user)
        messages.success(request, _("The document is being sent to your accountant."))
    return redirect(
        reverse(
            "documents:document-detail",
            kwargs={"company_id": company.public_id, "document_id": document.public_id},
        )
    )


@login_required
def office_transfers(request: UserRequest, office_id: str) -> HttpResponse:
    """The accountant's side: per client, what was sent, what failed and what waits."""
    office = office_get_for_user(user=request.user, office_id=office_id)
    if office is None:
        raise Http404
    return render(
        request,
        "connections/office_transfers.html",
        {"office": office, "clients": selectors.office_transfer_overview(office=office)},
    )
