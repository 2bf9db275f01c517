from typing import TypeVar

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.companies import selectors, services
from apps.companies.access import Action, CompanyRequest, UserRequest
from apps.companies.dashboard import dashboard_read
from apps.companies.decorators import company_view
from apps.companies.forms import (
    CompanyForm,
    InvitationForm,
    MembershipRoleForm,
    OfficeClientForm,
    OfficeForm,
    TwoFactorRequirementForm,
)
from apps.companies.models import Invitation, Membership, OfficeClientLink, Role
from apps.core.errors import DomainError
from apps.core.files import MIME_TYPES, sniff
from apps.core.views import refusal_as_message

LAST_COMPANY_SESSION_KEY = "okioki_last_company"


def _company_url(name: str, request: CompanyRequest, **kwargs: object) -> str:
    return reverse(name, kwargs={"company_id": request.company.public_id, **kwargs})


Owned = TypeVar("Owned", Invitation, Membership, OfficeClientLink)


def _own_or_404(request: CompanyRequest, model: type[Owned], public_id: str) -> Owned:
    """The company's ``model`` with ``public_id``; another company's is the same 404 as a
    missing one."""
    return get_object_or_404(model.objects.filter(company=request.company), public_id=public_id)


def _form_error(form: object, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))  # type: ignore[attr-defined]


@login_required
def home(request: UserRequest) -> HttpResponse:
    """Where login lands: the only company, a choice between several, or onboarding."""
    companies = selectors.company_list_for_user(user=request.user)
    offices = selectors.office_list_for_user(user=request.user)
    if "all" not in request.GET:
        last = request.session.get(LAST_COMPANY_SESSION_KEY)
        for choice in companies:
            if str(choice.company.public_id) == last:
                return redirect("companies:dashboard", company_id=choice.company.public_id)
        if len(companies) == 1 and not offices:
            return redirect("companies:dashboard", company_id=companies[0].company.public_id)
        if len(offices) == 1 and not any(not choice.via_office for choice in companies):
            return redirect("companies:office-detail", office_id=offices[0].public_id)
    return render(
        request, "companies/company_list.html", {"companies": companies, "offices": offices}
    )


def _warn(request: HttpRequest, form: CompanyForm) -> None:
    """What was saved but deserves a look (an IBAN of a bank not known yet)."""
    for warnings in form.warnings.values():
        for warning in warnings:
            messages.warning(request, str(warning))


@login_required
def company_create(request: UserRequest) -> HttpResponse:
    form = CompanyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = {k: v for k, v in form.cleaned_data.items() if k != "logo"}
            company = services.company_create(
                owner=request.user,
                logo=form.cleaned_data.get("logo") or None,
                **data,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(company)s is ready.") % {"company": company.name})
            _warn(request, form)
            return redirect("companies:dashboard", company_id=company.public_id)
    return render(request, "companies/company_create.html", {"form": form})


@company_view()
def dashboard(request: CompanyRequest) -> HttpResponse:
    company = request.company
    # The company someone opened last is where they land next time.
    request.session[LAST_COMPANY_SESSION_KEY] = str(company.public_id)
    return render(
        request,
        "companies/company_dashboard.html",
        {
            "pending_links": selectors.office_link_list(company=company).filter(
                status=OfficeClientLink.Status.PENDING
            ),
            # what needs the user, this month's figures, the setup left (apps.flows reads it)
            "board": dashboard_read(company=company, access=request.access),
        },
    )


@company_view(Action.MANAGE_COMPANY)
def company_edit(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = CompanyForm(request.POST or None, request.FILES or None, instance=company)
    if request.method == "POST" and form.is_valid():
        services.company_update(company=company, **form.cleaned_data)
        messages.success(request, _("The company details are saved."))
        _warn(request, form)
        return redirect(_company_url("companies:company-edit", request))
    two_factor_form = TwoFactorRequirementForm(initial={"required": company.require_two_factor})
    return render(
        request, "companies/company_edit.html", {"form": form, "two_factor_form": two_factor_form}
    )


@require_POST
@company_view(Action.MANAGE_COMPANY)
def company_two_factor(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = TwoFactorRequirementForm(request.POST)
    form.is_valid()  # a single optional checkbox: always valid
    required = form.cleaned_data["required"]
    with refusal_as_message(request):
        services.company_require_two_factor(
            company=company,
            by=request.user,
            required=required,
        )
        if required:
            messages.success(request, _("Everyone in this company now needs two-factor sign-in."))
        else:
            messages.success(request, _("Two-factor sign-in is no longer required here."))
    return redirect(_company_url("companies:company-edit", request))


@company_view()
def company_logo(request: CompanyRequest) -> FileResponse:
    """The logo, for whoever may open the company: uploads are private, never a public URL."""
    company = request.company
    if not company.logo:
        raise Http404
    try:
        logo = company.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    kind = sniff(logo.read(1024))
    logo.seek(0)
    response = FileResponse(logo, content_type=MIME_TYPES[kind])
    response["Cache-Control"] = "private, no-cache"
    return response


@company_view()
def member_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    access = request.access
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not access.can(Action.MANAGE_MEMBERS):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.invitation_create(
                    company=company,
                    invited_by=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect(_company_url("companies:member-list", request))
    return render(
        request,
        "companies/member_list.html",
        {
            "form": form,
            "memberships": selectors.membership_list(company=company),
            "invitations": selectors.invitation_list(company=company),
            "office_links": selectors.office_link_list(company=company),
            "can_manage": access.can(Action.MANAGE_MEMBERS),
            "roles": Role.choices,
        },
    )


@require_POST
@company_view(Action.MANAGE_MEMBERS)
def invitation_revoke(request: CompanyRequest, invitation_id: str) -> HttpResponse:
    company = request.company
    invitation = _own_or_404(request, Invitation, invitation_id)
    with refusal_as_message(request):
        services.invitation_revoke(company=company, invitation=invitation)
        messages.success(request, _("The invitation is revoked."))
    return redirect(_company_url("companies:member-list", request))


@require_POST
@company_view(Action.MANAGE_MEMBERS)
def membership_remove(request: CompanyRequest, membership_id: str) -> HttpResponse:
    company = request.company
    membership = _own_or_404(request, Membership, membership_id)
    with refusal_as_message(request):
        services.membership_remove(
            company=company,
            membership=membership,
            acting_user=request.user,
        )
        messages.success(
            request, _("%(email)s no longer has access.") % {"email": membership.user.email}
        )
    return redirect(_company_url("companies:member-list", request))


@require_POST
@company_view(Action.MANAGE_MEMBERS)
def membership_role(request: CompanyRequest, membership_id: str) -> HttpResponse:
    company = request.company
    membership = _own_or_404(request, Membership, membership_id)
    form = MembershipRoleForm(request.POST)
    if form.is_valid():
        with refusal_as_message(request):
            services.membership_change_role(
                company=company, membership=membership, role=form.cleaned_data["role"]
            )
            messages.success(request, _("The role is changed."))
    return redirect(_company_url("companies:member-list", request))


@require_POST
@company_view(Action.MANAGE_OFFICE_LINKS)
def office_link_decide(request: CompanyRequest, link_id: str) -> HttpResponse:
    company = request.company
    link = _own_or_404(request, OfficeClientLink, link_id)
    approve = request.POST.get("decision") == "approve"
    with refusal_as_message(request):
        services.office_link_decide(company=company, link=link, approve=approve)
        if approve:
            messages.success(
                request, _("%(office)s can now open this company.") % {"office": link.office.name}
            )
        else:
            messages.success(
                request, _("%(office)s no longer has access.") % {"office": link.office.name}
            )
    return redirect(_company_url("companies:member-list", request))


def _invitation_refused(request: HttpRequest, error: DomainError, status: int) -> HttpResponse:
    return render(
        request,
        "companies/invitation_invalid.html",
        {"message": error.message, "code": error.code, "next": request.get_full_path()},
        status=status,
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link. Only the invited address may accept it: a visitor is asked to sign
    in or sign up with that address, and a sign-up through the link with exactly that address
    counts as verified (the link was sent to it: it proves the mailbox like a confirmation link
    does). An existing account is never verified by the link: it may have been made by someone
    else before the invitation existed, so it verifies its address the usual way first."""
    invitation = selectors.invitation_get_by_token(token=token)
    try:
        services.invitation_check(invitation)
    except DomainError as error:
        return _invitation_refused(request, error, status=410)
    assert invitation is not None
    if not request.user.is_authenticated:
        get_adapter(request).stash_verified_email(request, invitation.email)
        return render(
            request,
            "companies/invitation_accept.html",
            {"invitation": invitation, "next": request.get_full_path()},
        )
    try:
        services.invitation_check_account(invitation, request.user)
    except DomainError as error:
        return _invitation_refused(request, error, status=403)
    if request.method == "POST":
        try:
            link = services.invitation_accept(invitation=invitation, user=request.user)
        except DomainError as error:
            return _invitation_refused(request, error, status=410)
        if link is not None and link.status == OfficeClientLink.Status.PENDING:
            messages.success(
                request,
                _(
                    "Thank you. %(company)s's owner is asked to confirm the link with your "
                    "office; you will see the client here once confirmed."
                )
                % {"company": invitation.company.name},
            )
            return redirect("companies:office-detail", office_id=link.office.public_id)
        company = invitation.company
        messages.success(request, _("Welcome to %(company)s.") % {"company": company.name})
        return redirect("companies:dashboard", company_id=company.public_id)
    return render(request, "companies/invitation_accept.html", {"invitation": invitation})


# --- Accounting offices -------------------------------------------------------------------------


@login_required
def office_create(request: UserRequest) -> HttpResponse:
    form = OfficeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        office = services.office_create(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your office %(office)s is ready.") % {"office": office.name})
        return redirect("companies:office-detail", office_id=office.public_id)
    return render(request, "companies/office_create.html", {"form": form})


@login_required
def office_detail(request: UserRequest, office_id: str) -> HttpResponse:
    """The accountant's client list: every linked company with its plan and status."""
    office = selectors.office_get_for_user(user=request.user, office_id=office_id)
    if office is None:
        raise Http404
    form = OfficeClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.office_link_request(
                office=office,
                requested_by=request.user,
                enterprise_number=form.cleaned_data["enterprise_number"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            # The same answer whatever the number is: it says nothing about the company.
            messages.success(
                request,
                _(
                    "Request sent. If a company with this enterprise number uses OkiOki, its "
                    "owner is asked to approve it, with your e-mail address. You will see the "
                    "client here once approved."
                ),
            )
            return redirect("companies:office-detail", office_id=office.public_id)
    return render(
        request,
        "companies/office_detail.html",
        {"office": office, "links": selectors.office_client_list(office=office), "form": form},
    )
