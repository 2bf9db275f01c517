from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts import lockout
from apps.accounts.adapters import AccountAdapter
from apps.accounts.forms import LanguageForm, ProfileForm
from apps.accounts.services import user_set_language


def _remember_language(request: HttpRequest, response: HttpResponse, language: str) -> None:
    request.session["okioki_language"] = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; a signed-in user's choice is saved and follows them everywhere."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
        _remember_language(request, response, language)
        translation.activate(language)
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language)
        messages.success(request, _("Your profile is saved."))
        response = redirect("accounts:profile")
        _remember_language(request, response, user.language)
        return response
    return render(request, "accounts/user_profile.html", {"form": form})


def admin_login(request: HttpRequest) -> HttpResponse:
    """The platform admin has no sign-in of its own: it is reached through allauth's, with
    its rate limits and its two-factor stage, exactly like the app. A password posted here
    signs no one in."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return HttpResponseRedirect(next_url)
        # Signed in, but not platform staff: sending them to the sign-in page would loop.
        raise PermissionDenied
    return redirect_to_login(next_url)


def redirect_to_totp_setup(request: HttpRequest, reason: str) -> HttpResponse:
    """Send someone who must use two-factor authentication to allauth's set-up page, saying
    why (in their language: the caller translates ``reason``)."""
    messages.warning(request, reason)
    url = reverse("mfa_activate_totp")
    if getattr(request, "htmx", False):  # a fragment request: the whole page must go there
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def login_unlock(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed way out of a sign-in lock. Opening the link changes nothing (mail scanners
    open links); the button uses it, once."""
    if request.method == "POST":
        adapter = AccountAdapter(request)
        if lockout.login_unlock_use(
            request, token=token, key=lambda login: adapter.login_attempts_key(request, login)
        ):
            messages.success(request, _("Your account is unlocked in this browser: sign in now."))
            return redirect("account_login")
    valid = lockout.login_unlock_check(token) is not None
    return render(
        request, "accounts/login_unlock.html", {"valid": valid}, status=200 if valid else 410
    )
