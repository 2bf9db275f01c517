from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation

from apps.accounts.models import User


@receiver(user_logged_in)
def remember_language_on_login(
    sender: Any, request: HttpRequest, user: User, **kwargs: Any
) -> None:
    """A user's chosen language follows them to every device they sign in on, from the very
    response of the sign-in (its "signed in" message included)."""
    if user.language and hasattr(request, "session"):
        request.session["okioki_language"] = user.language
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
