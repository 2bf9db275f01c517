import base64
import hmac
import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.billing.entitlements import collection_pause, plan_in_force
from apps.companies.access import Action, CompanyRequest
from apps.companies.decorators import company_view
from apps.core.errors import DomainError
from apps.core.views import refusal_as_message
from apps.inbox import oauth, selectors, services
from apps.inbox.clients.oauth import GOOGLE, PROVIDERS, OAuthClient, oauth_client
from apps.inbox.connection_tests import connection_test_start
from apps.inbox.drives import Drive, drive_get, drives_offered
from apps.inbox.errors import InboxError
from apps.inbox.forms import (
    CloudFolderForm,
    DriveChoiceForm,
    DriveFolderForm,
    ForwardingForm,
    MailboxForm,
)
from apps.inbox.forwarding import (
    REFUSALS,
    forwarded_message_receive,
    forwarding_address_create,
    forwarding_address_of,
    forwarding_address_update,
)
from apps.inbox.models import CloudFolder, Collector, ConnectionTest, InboundMessage, Mailbox
from apps.inbox.presets import PRESETS, PRESETS_BY_CODE
from apps.inbox.scanning import cloud_client_for


def _overview_url(request: CompanyRequest) -> str:
    return reverse("inbox:overview", kwargs={"company_id": request.company.public_id})


@company_view()
def overview(request: CompanyRequest) -> HttpResponse:
    company = request.company
    in_force = plan_in_force(company)
    mailboxes_used, mailboxes_allowed = services.limit_for(company, Mailbox, plan=in_force.plan)
    folders_used, folders_allowed = services.limit_for(company, CloudFolder, plan=in_force.plan)
    address = forwarding_address_of(company=company)  # a look makes nothing
    return render(
        request,
        "inbox/inbox_overview.html",
        {
            "plan": in_force.plan,
            "pause": in_force.pause,
            "address": address,
            "forwarding_form": ForwardingForm(instance=address)
            if address is not None and request.access.can(Action.EDIT_DATA)
            else None,
            "mailboxes": selectors.mailbox_list(company=company),
            "folders": selectors.cloud_folder_list(company=company),
            "mailboxes_used": mailboxes_used,
            "mailboxes_allowed": mailboxes_allowed,
            "folders_used": folders_used,
            "folders_allowed": folders_allowed,
            "recent": selectors.message_list(company=company, limit=20),
            "can_edit": request.access.can(Action.EDIT_DATA),
            "drives": drives_offered(),
        },
    )


@require_POST
@company_view(Action.EDIT_DATA)
def forwarding_create(request: CompanyRequest) -> HttpResponse:
    """The person asks for the company's forwarding address (an existing one is kept)."""
    forwarding_address_create(company=request.company)
    messages.success(request, _("Your forwarding address is ready."))
    return redirect(_overview_url(request))


@require_POST
@company_view(Action.EDIT_DATA)
def forwarding_edit(request: CompanyRequest) -> HttpResponse:
    address = forwarding_address_create(company=request.company)
    form = ForwardingForm(request.POST, instance=address)
    if form.is_valid():
        forwarding_address_update(
            address=address,
            only_allowed_senders=form.cleaned_data["only_allowed_senders"],
            allowed_senders=form.cleaned_data["allowed_senders"],
        )
        messages.success(request, _("The forwarding address settings are saved."))
    else:
        for error in form.errors.get("allowed_senders", []):
            messages.error(request, str(error))
    return redirect(_overview_url(request))


# --- mailboxes ---------------------------------------------------------------------------------


def _start_test(
    request: CompanyRequest, form: MailboxForm | CloudFolderForm, collector: Collector | None
) -> ConnectionTest:
    """Queue a test of what was typed; a worker tries it (never this request)."""
    is_mailbox = isinstance(form, MailboxForm)
    return connection_test_start(
        company=request.company,
        actor=request.user,
        kind=ConnectionTest.Kind.MAILBOX if is_mailbox else ConnectionTest.Kind.CLOUD_FOLDER,
        values=form.service_fields(),
        password=form.cleaned_data.get("password") or "",
        collector=collector,
    )


def _page_context(
    request: CompanyRequest,
    form: MailboxForm | CloudFolderForm,
    collector: Collector | None,
    model: type[Collector],
    test: ConnectionTest | None,
) -> dict[str, Any]:
    """What the settings page of a mailbox and of a cloud folder both show."""
    in_force = plan_in_force(request.company)
    used, allowed = services.limit_for(request.company, model, plan=in_force.plan)
    return {
        "plan": in_force.plan,
        "pause": in_force.pause,
        "form": form,
        "limit_reached": collector is None and used >= allowed,
        "allowed": allowed,
        "can_edit": request.access.can(Action.EDIT_DATA),
        "test": test,
    }


def _mailbox_page(
    request: CompanyRequest,
    form: MailboxForm,
    mailbox: Mailbox | None,
    test: ConnectionTest | None = None,
) -> HttpResponse:
    context = _page_context(request, form, mailbox, Mailbox, test)
    context["mailbox"] = mailbox
    context["oauth_providers"] = PROVIDERS
    context["presets"] = {
        p.code: {"host": p.host, "port": p.port, "security": p.security, "hint": str(p.hint)}
        for p in PRESETS
    }
    if mailbox is not None:
        context["recent"] = selectors.message_list(company=request.company, mailbox=mailbox)
        context["folder_states"] = list(mailbox.folder_states.all())
    return render(request, "inbox/mailbox_form.html", context)


Form = TypeVar("Form", MailboxForm, CloudFolderForm)
Saved = TypeVar("Saved", Mailbox, CloudFolder)


def _settings_form(
    request: CompanyRequest,
    form: Form,
    collector: Saved | None,
    *,
    save: Callable[[], Saved],
    done: str,
    page: Callable[[CompanyRequest, Form, Saved | None, ConnectionTest | None], HttpResponse],
) -> HttpResponse:
    """The settings form of a mailbox or cloud folder (``collector``: None for a new one).
    "Test connection" queues a test of what was typed and saves nothing; "Save" saves it and
    redirects to it; otherwise ``page`` shows the form again, with the stored values beside
    it (never the rejected input). Only who may edit data can post it."""
    if request.method == "POST" and not request.access.can(Action.EDIT_DATA):
        raise PermissionDenied
    test = None
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "test":
            test = _start_test(request, form, collector)
        else:
            try:
                saved = save()
            except DomainError as error:
                form.add_error(error.field, error.message)  # type: ignore[arg-type]
            else:
                messages.success(request, done)
                return redirect(saved.get_absolute_url())
    if request.method == "POST" and collector is not None:
        collector.refresh_from_db()  # the form holds what was typed, ``collector`` what is stored
    return page(request, form, collector, test)


@company_view(Action.EDIT_DATA)
def mailbox_create(request: CompanyRequest) -> HttpResponse:
    preset = request.GET.get("provider", "")  # "use an app password" links choose Gmail
    form = MailboxForm(
        request.POST or None,
        initial={
            "scan_interval_minutes": settings.INBOX_SCAN_INTERVAL_MINUTES,
            "provider": preset if preset in PRESETS_BY_CODE else "other",
        },
    )
    return _settings_form(
        request,
        form,
        None,
        save=lambda: services.mailbox_create(
            company=request.company,
            actor=request.user,
            password=form.cleaned_data["password"],
            **form.service_fields(),
        ),
        done=_("The mailbox is connected. The first scan has started."),
        page=_mailbox_page,
    )


def _mailbox_or_404(request: CompanyRequest, mailbox_id: str) -> Mailbox:
    mailbox = selectors.mailbox_get(company=request.company, mailbox_id=mailbox_id)
    if mailbox is None:
        raise Http404
    return mailbox


@company_view()
def mailbox_detail(request: CompanyRequest, mailbox_id: str) -> HttpResponse:
    mailbox = _mailbox_or_404(request, mailbox_id)
    form = MailboxForm(request.POST or None, instance=mailbox, keep_password=True)
    return _settings_form(
        request,
        form,
        mailbox,
        save=lambda: services.mailbox_update(
            mailbox=mailbox, password=form.cleaned_data.get("password", ""), **form.service_fields()
        ),
        done=_("The mailbox settings are saved."),
        page=_mailbox_page,
    )


# --- sign-in with Google or Microsoft (OAuth2) -------------------------------------------------


def _sign_in(
    request: CompanyRequest,
    provider: str,
    *,
    collector: Collector | None,
    purpose: str = "mail",
    drive: str = "",
) -> HttpResponse:
    """Off to the provider's sign-in page, the pending sign-in kept in the session."""
    target = oauth.oauth_flow_start(
        session=request.session,
        company=request.company,
        actor=request.user,
        provider=provider,
        purpose=purpose,
        collector=collector,
        drive=drive,
    )
    return redirect(target)


def _to_provider_allowed(response: HttpResponse, client: OAuthClient | None) -> HttpResponse:
    """ "Continue" is a form whose answer sends the browser on to the provider: the page's
    form-action must allow the provider's sign-in site."""
    if client is not None:
        parts = urlsplit(client.authorize_url)
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
    return response


def _oauth_page(request: CompanyRequest, provider: str, mailbox: Mailbox | None) -> HttpResponse:
    """What OkiOki will read, before the user is sent to the provider (POST: off we go)."""
    client = oauth_client(provider)
    # `make run`'s stand-in of Google (DRIVES_STANDIN) plays Google Drive, not Gmail: with no
    # IMAP server behind it a Gmail sign-in would connect a mailbox that can't be read, so
    # Gmail keeps its app-password explanation there
    gmail_standin = provider == GOOGLE and settings.DRIVES_STANDIN
    if gmail_standin:
        client = None
    used, allowed = services.limit_for(request.company, Mailbox)
    limit_reached = mailbox is None and used >= allowed
    if request.method == "POST" and client is not None and not limit_reached:
        with refusal_as_message(request):
            return _sign_in(request, provider, collector=mailbox)
    response = render(
        request,
        "inbox/mailbox_oauth.html",
        {
            "provider": provider,
            "provider_name": oauth.provider_name(provider),
            "is_google": provider == GOOGLE,
            "gmail_standin": gmail_standin,
            "configured": client is not None,
            "mailbox": mailbox,
            "limit_reached": limit_reached,
            "allowed": allowed,
            "address": forwarding_address_of(company=request.company),
        },
    )
    return _to_provider_allowed(response, client)


@company_view(Action.EDIT_DATA)
def mailbox_oauth(request: CompanyRequest, provider: str) -> HttpResponse:
    """Connect Gmail, or Microsoft 365 / Outlook.com."""
    if provider not in PROVIDERS:
        raise Http404
    return _oauth_page(request, provider, None)


@company_view(Action.EDIT_DATA)
def mailbox_reconnect(request: CompanyRequest, mailbox_id: str) -> HttpResponse:
    """Sign in again to a mailbox whose access was revoked or expired (the owners' e-mail
    links here)."""
    mailbox = _mailbox_or_404(request, mailbox_id)
    if not mailbox.oauth_provider:
        raise Http404
    return _oauth_page(request, mailbox.oauth_provider, mailbox)


@login_required
def oauth_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the user back here (one address for every company, as registered
    with it): on to the company that started, where the answer is checked with its access."""
    state = request.GET.get("state", "")
    company_id = oauth.oauth_flow_company(session=request.session, state=state)
    if not company_id:
        messages.error(request, str(oauth.STATE_REFUSED))
        return redirect("companies:home")
    query = {key: request.GET.get(key, "") for key in ("code", "state", "error")}
    target = reverse("inbox:oauth-done", kwargs={"company_id": company_id})
    return redirect(f"{target}?{urlencode(query)}")


@require_GET
@company_view(Action.EDIT_DATA)
def oauth_done(request: CompanyRequest) -> HttpResponse:
    failed = reverse("inbox:mailbox-create", kwargs={"company_id": request.company.public_id})
    with refusal_as_message(request):
        pending = oauth.oauth_flow_take(
            session=request.session,
            state=request.GET.get("state", ""),
            company=request.company,
            actor=request.user,
        )
        if pending.get("purpose") == "files":
            return _drive_done(request, pending)
        if pending.get("collector"):
            failed = reverse(
                "inbox:mailbox-detail",
                kwargs={
                    "company_id": request.company.public_id,
                    "mailbox_id": pending["collector"],
                },
            )
        connected = oauth.oauth_flow_finish(
            company=request.company,
            actor=request.user,
            pending=pending,
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
        )
        if connected.created:
            messages.success(request, _("The mailbox is connected. The first scan has started."))
        else:
            messages.success(request, _("The mailbox is connected again. A scan has started."))
        return redirect(connected.mailbox.get_absolute_url())
    return redirect(failed)


# --- cloud folders -----------------------------------------------------------------------------


def _drive_done(request: CompanyRequest, pending: dict[str, Any]) -> HttpResponse:
    """Back from a drive's sign-in: a new one goes on to its folder browser."""
    company_id = request.company.public_id
    failed = reverse("inbox:folder-create", kwargs={"company_id": company_id})
    if pending.get("collector"):
        failed = reverse(
            "inbox:folder-detail",
            kwargs={"company_id": company_id, "folder_id": pending["collector"]},
        )
    with refusal_as_message(request):
        connected = oauth.drive_flow_finish(
            company=request.company,
            actor=request.user,
            pending=pending,
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
        )
        folder = connected.folder
        if connected.created or not folder.location:
            messages.success(request, _("Signed in. Now choose the folder to collect from."))
            return redirect(folder.get_absolute_url() + "browse/")
        messages.success(request, _("The cloud folder is connected again. A scan has started."))
        return redirect(folder.get_absolute_url())
    return redirect(failed)


def _drive_page(request: CompanyRequest, drive: Drive, folder: CloudFolder | None) -> HttpResponse:
    """What OkiOki will read in the drive, before the user is sent to sign in (POST: go)."""
    client = oauth_client(drive.oauth_provider)
    used, allowed = services.limit_for(request.company, CloudFolder)
    limit_reached = folder is None and used >= allowed
    if request.method == "POST" and client is not None and not limit_reached:
        with refusal_as_message(request):
            return _sign_in(
                request, drive.oauth_provider, collector=folder, purpose="files", drive=drive.code
            )
    response = render(
        request,
        "inbox/drive_oauth.html",
        {
            "drive": drive,
            "provider_name": oauth.provider_name(drive.oauth_provider),
            "configured": client is not None,
            "folder": folder,
            "limit_reached": limit_reached,
            "allowed": allowed,
        },
    )
    return _to_provider_allowed(response, client)


@company_view(Action.EDIT_DATA)
def folder_oauth(request: CompanyRequest, provider: str) -> HttpResponse:
    """Connect Google Drive, OneDrive or SharePoint, or Dropbox."""
    drive = drive_get(provider)
    if drive is None:
        raise Http404
    return _drive_page(request, drive, None)


@company_view(Action.EDIT_DATA)
def folder_reconnect(request: CompanyRequest, folder_id: str) -> HttpResponse:
    """Sign in again to a drive whose access was revoked or expired (the owners' e-mail
    links here)."""
    folder = _folder_or_404(request, folder_id)
    drive = drive_get(folder.provider)
    if drive is None or not folder.oauth_provider:
        raise Http404
    return _drive_page(request, drive, folder)


Crumb = tuple[str, str, str]  # a folder above the one shown: location, name, path


def _trail(request: HttpRequest) -> list[Crumb]:
    """The folders above the one shown, as the browser's links carry them (t, n, p)."""
    get = request.GET.getlist
    return list(zip(get("t")[:30], get("n")[:30], get("p")[:30], strict=False))


def _browse_query(location: str, name: str, path: str, above: list[Crumb]) -> str:
    query = [("at", location), ("name", name), ("path", path)]
    for crumb in above:
        query += [("t", crumb[0]), ("n", crumb[1]), ("p", crumb[2])]
    return urlencode(query)


@company_view(Action.EDIT_DATA)
def folder_browse(request: CompanyRequest, folder_id: str) -> HttpResponse:
    """The drive's folders, one level at a time; "Collect from this folder" picks one. The
    provider is asked in this request, with a short timeout; a failure is said, not raised."""
    folder = _folder_or_404(request, folder_id)
    if not folder.is_drive:
        raise Http404
    if folder.needs_reconnect:
        return redirect(folder.get_absolute_url() + "reconnect/")
    at, path = request.GET.get("at", ""), request.GET.get("path", "")
    form = DriveChoiceForm(
        request.POST or None,
        initial={"location": at, "path": path, "move_to_folder": folder.move_to_folder},
    )
    if request.method == "POST" and form.is_valid():
        services.cloud_folder_choose(
            folder=folder,
            location=form.cleaned_data["location"],
            path=form.cleaned_data["path"],
            move_to_folder=form.cleaned_data["move_to_folder"],
        )
        messages.success(
            request, _("OkiOki collects from this folder now. The first scan has started.")
        )
        return redirect(folder.get_absolute_url())
    trail = _trail(request) if at else []
    name = request.GET.get("name", "") or path.rstrip("/").rsplit("/", 1)[-1] or path
    here = [*trail, (at, name, path)] if at else []
    children, error = [], ""
    try:
        client = cloud_client_for(folder, timeout=settings.OUTBOUND_TEST_TIMEOUT)
        children = client.folders(at)
    except InboxError as failure:
        error = str(failure.message)
    links = [(c, _browse_query(c.location, c.name, c.path, here)) for c in children]
    crumbs = [(c[1], _browse_query(*c, trail[:i])) for i, c in enumerate(trail)]
    return render(
        request,
        "inbox/folder_browse.html",
        {
            "folder": folder,
            "drive": drive_get(folder.provider),
            "at": at,
            "path": path,
            "name": name,
            "trail": crumbs,
            "children": links,
            "error": error,
            "form": form,
        },
    )


def _folder_page(
    request: CompanyRequest,
    form: CloudFolderForm,
    folder: CloudFolder | None,
    test: ConnectionTest | None = None,
) -> HttpResponse:
    context = _page_context(request, form, folder, CloudFolder, test)
    context["folder"] = folder
    context["drives"] = drives_offered()
    if folder is not None:
        context["files"] = selectors.cloud_file_list(folder=folder)
        context["move_refused"] = selectors.cloud_folder_move_refused(folder=folder)
    return render(request, "inbox/folder_form.html", context)


@company_view(Action.EDIT_DATA)
def folder_create(request: CompanyRequest) -> HttpResponse:
    form = CloudFolderForm(
        request.POST or None,
        initial={"scan_interval_minutes": settings.INBOX_SCAN_INTERVAL_MINUTES, "path": "/"},
    )
    return _settings_form(
        request,
        form,
        None,
        save=lambda: services.cloud_folder_create(
            company=request.company,
            actor=request.user,
            password=form.cleaned_data["password"],
            **form.service_fields(),
        ),
        done=_("The cloud folder is connected. The first scan has started."),
        page=_folder_page,
    )


def _folder_or_404(request: CompanyRequest, folder_id: str) -> CloudFolder:
    folder = selectors.cloud_folder_get(company=request.company, folder_id=folder_id)
    if folder is None:
        raise Http404
    return folder


@company_view()
def folder_detail(request: CompanyRequest, folder_id: str) -> HttpResponse:
    folder = _folder_or_404(request, folder_id)
    if folder.is_drive:
        return _drive_folder_detail(request, folder)
    form = CloudFolderForm(request.POST or None, instance=folder, keep_password=True)
    return _settings_form(
        request,
        form,
        folder,
        save=lambda: services.cloud_folder_update(
            folder=folder, password=form.cleaned_data["password"], **form.service_fields()
        ),
        done=_("The cloud folder settings are saved."),
        page=_folder_page,
    )


def _drive_folder_detail(request: CompanyRequest, folder: CloudFolder) -> HttpResponse:
    """A drive's folder: its account and folder (signed in, picked), its few settings."""
    form = DriveFolderForm(request.POST or None, instance=folder)
    if request.method == "POST":
        if not request.access.can(Action.EDIT_DATA):
            raise PermissionDenied
        if form.is_valid():
            services.cloud_folder_update(folder=folder, **form.cleaned_data)
            messages.success(request, _("The cloud folder settings are saved."))
            return redirect(folder.get_absolute_url())
        folder.refresh_from_db()
    in_force = plan_in_force(request.company)
    return render(
        request,
        "inbox/folder_form.html",
        {
            "folder": folder,
            "form": form,
            "drive": drive_get(folder.provider),
            "files": selectors.cloud_file_list(folder=folder),
            "move_refused": selectors.cloud_folder_move_refused(folder=folder),
            "can_edit": request.access.can(Action.EDIT_DATA),
            "plan": in_force.plan,
            "pause": in_force.pause,
            "limit_reached": False,
        },
    )


@require_GET
@company_view(Action.EDIT_DATA)
def connection_test_status(request: CompanyRequest, test_id: str) -> HttpResponse:
    """The result of a "Test connection": the fragment the form's page polls (htmx), or a
    page of its own without JavaScript."""
    test = selectors.connection_test_get(company=request.company, test_id=test_id)
    if test is None:
        raise Http404
    if request.headers.get("HX-Request"):
        return render(request, "inbox/_connection_test.html", {"test": test})
    return render(request, "inbox/connection_test.html", {"test": test})


# --- actions on a mailbox or folder --------------------------------------------------------------


def _say_it_waits(request: CompanyRequest, collector: Collector) -> None:
    """The provider asked to wait: when scanning resumes by itself, in the reader's time."""
    assert collector.retry_after is not None
    resumes = time_format(timezone.localtime(collector.retry_after))
    messages.info(
        request,
        _(
            "The service asked OkiOki to wait a little (too many requests). Scanning "
            "resumes by itself at %(time)s; there is no need to click again."
        )
        % {"time": resumes},
    )


def _collector_action(request: CompanyRequest, collector: Collector, action: str) -> HttpResponse:
    pause = collection_pause(request.company) if action in ("scan", "resume") else None
    if pause is not None:
        # nothing is scanned while the plan in force collects nothing: said, not pretended
        messages.error(request, pause.message)
        if action == "resume":
            services.collector_resume(collector=collector)
    elif action == "scan":
        if collector.is_paused:
            messages.error(request, _("It is paused: resume it first."))
        elif collector.is_waiting:
            # asked again before its time, the provider would only refuse again
            _say_it_waits(request, collector)
        else:
            services.collector_scan_now(collector=collector)
            messages.success(request, _("A scan has started. New documents appear in a moment."))
    elif action == "pause":
        services.collector_pause(collector=collector)
        messages.success(request, _("Paused: nothing is collected until you resume."))
    elif action == "resume" and collector.needs_reconnect:
        return redirect(collector.get_absolute_url() + "reconnect/")  # resuming can't mend it
    elif action == "resume" and collector.paused_reason == "choose_folder":
        return redirect(collector.get_absolute_url() + "browse/")  # nothing to read yet
    elif action == "resume" and collector.is_waiting:
        services.collector_resume(collector=collector)  # its scans start once the wait is over
        _say_it_waits(request, collector)
    elif action == "resume":
        services.collector_resume(collector=collector)
        services.collector_scan_now(collector=collector)
        messages.success(request, _("Resumed. A scan has started."))
    elif action == "delete":
        services.collector_delete(collector=collector)
        messages.success(request, _("Disconnected. The documents collected so far stay."))
        return redirect(_overview_url(request))
    else:
        raise Http404
    return redirect(collector.get_absolute_url())


@require_POST
@company_view(Action.EDIT_DATA)
def mailbox_action(request: CompanyRequest, mailbox_id: str, action: str) -> HttpResponse:
    return _collector_action(request, _mailbox_or_404(request, mailbox_id), action)


@require_POST
@company_view(Action.EDIT_DATA)
def folder_action(request: CompanyRequest, folder_id: str, action: str) -> HttpResponse:
    return _collector_action(request, _folder_or_404(request, folder_id), action)


# --- messages ----------------------------------------------------------------------------------


def _message_or_404(request: CompanyRequest, message_id: str) -> InboundMessage:
    message = selectors.message_get(company=request.company, message_id=message_id)
    if message is None:
        raise Http404
    return message


@company_view()
def message_detail(request: CompanyRequest, message_id: str) -> HttpResponse:
    message = _message_or_404(request, message_id)
    return render(request, "inbox/message_detail.html", {"message": message})


@company_view()
def message_raw(request: CompanyRequest, message_id: str) -> FileResponse:
    message = _message_or_404(request, message_id)
    if not message.raw:
        raise Http404
    response = FileResponse(
        message.raw.open("rb"),
        content_type="message/rfc822",
        as_attachment=True,
        filename=f"{message.public_id}.eml",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- inbound webhook ---------------------------------------------------------------------------


def _webhook_authorised(request: HttpRequest) -> bool:
    secret = settings.INBOUND_WEBHOOK_SECRET
    header = request.headers.get("Authorization", "")
    if not secret or not header.startswith("Basic "):
        return False
    try:
        _user, _colon, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(password.encode(), secret.encode())


def _webhook_message(request: HttpRequest) -> tuple[bytes, list[str], str]:
    """The raw e-mail, its recipients and envelope sender, from the common provider formats:
    a raw MIME body, or a form with the MIME message (``email``, SendGrid; ``body-mime``,
    Mailgun; or a file ``message``) and ``to``/``recipient``/``envelope``."""
    content_type = request.content_type or ""
    recipients: list[str] = []
    sender = ""
    if content_type in ("message/rfc822", "application/octet-stream", "text/plain"):
        raw = request.read(settings.INBOX_MAX_MESSAGE_SIZE + 1)
        recipients = [r for r in request.GET.getlist("recipient") if r]
        sender = request.GET.get("sender", "")
    else:
        upload = request.FILES.get("message") or request.FILES.get("email")
        value = request.POST.get("email") or request.POST.get("body-mime") or ""
        raw = (
            upload.read(settings.INBOX_MAX_MESSAGE_SIZE + 1)
            if upload
            else value.encode("utf-8", "surrogateescape")
        )
        envelope = request.POST.get("envelope")
        if envelope:
            try:
                data = json.loads(envelope)
                recipients = [str(r) for r in data.get("to", [])]
                sender = str(data.get("from", ""))
            except (ValueError, AttributeError):
                recipients = []
        recipients = recipients or [
            r.strip()
            for r in (request.POST.get("recipient") or request.POST.get("to") or "").split(",")
            if r.strip()
        ]
        sender = sender or request.POST.get("sender", "")
    return raw, recipients, sender


@csrf_exempt
@require_POST
def inbound_webhook(request: HttpRequest) -> HttpResponse:
    """Mail for the forwarding addresses from a provider's inbound parsing (HTTP basic auth
    with INBOUND_WEBHOOK_SECRET as the password). Same path as the SMTP receiver."""
    if not settings.INBOUND_WEBHOOK_SECRET:
        raise Http404
    if not _webhook_authorised(request):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Basic realm="okioki-inbound"'
        return response
    raw, recipients, sender = _webhook_message(request)
    if not raw:
        return JsonResponse({"error": "no message"}, status=400)
    if len(raw) > settings.INBOX_MAX_MESSAGE_SIZE:
        return JsonResponse({"error": "message too large"}, status=413)
    if not recipients:
        return JsonResponse({"error": "no recipient"}, status=400)
    results = {
        recipient: forwarded_message_receive(recipient=recipient, raw=raw, envelope_sender=sender)
        for recipient in recipients
    }
    accepted = [r for r, outcome in results.items() if outcome.accepted]
    refused = {r: outcome.reason for r, outcome in results.items() if not outcome.accepted}
    if accepted:
        return JsonResponse({"accepted": accepted, "refused": refused})
    # the same answer as the SMTP receiver's, as an HTTP status and its text
    replies = [REFUSALS.get(reason, REFUSALS["sender_not_allowed"]) for reason in refused.values()]
    statuses = {reply[3] for reply in replies}
    status = 429 if 429 in statuses else (404 if statuses == {404} else 403)
    text = next(reply[2] for reply in replies if reply[3] == status)
    return JsonResponse({"accepted": [], "refused": refused, "error": text}, status=status)
