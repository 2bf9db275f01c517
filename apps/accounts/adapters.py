from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from apps.accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        # A new user keeps the language they signed up in.
        user.language = (translation.get_language() or "en")[:2]
        return super().save_user(request, user, form, commit=commit)

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
