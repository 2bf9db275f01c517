from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apps.accounts import lockout
from apps.accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed sign-in attempts. Try again later. If this account was locked, "
            "its owner has been e-mailed a link to sign in anyway."
        ),
    }

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        # A new user keeps the language they signed up in.
        user.language = (translation.get_language() or "en")[:2]
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Platform staff land on the staff console, not on the entrepreneur's company pages
        # (a ``next`` address still wins: allauth asks this only without one).
        user = request.user
        if user.is_active and user.is_staff:
            return reverse("console:home")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth's e-mails greet "from <site name>"; without django.contrib.sites that would
        # be the request's host name. Say OkiOki and link to the configured site.
        context = {
            **context,
            "current_site": SimpleNamespace(
                name="OkiOki", domain=urlparse(settings.SITE_URL).netloc or "okioki.be"
            ),
        }
        super().send_mail(template_prefix, email, context)

    def login_attempts_key(self, request: HttpRequest, login: str) -> str:
        """allauth's key for the per-account count of failed sign-ins."""
        return self._get_login_attempts_cache_key(request, email=login)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # allauth's own check, plus the way out for the owner of a locked account
        # (apps.accounts.lockout).
        login = credentials.get("email", credentials.get("username", "")).lower()
        self._login_failed_rl_usage = lockout.login_attempt_consume(
            request, login=login, key=self.login_attempts_key(request, login)
        )
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")
