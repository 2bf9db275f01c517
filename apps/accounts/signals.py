from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from apps.accounts.models import User


@receiver(user_logged_in)
def remember_language_on_login(
    sender: Any, request: HttpRequest, user: User, **kwargs: Any
) -> None:
    """A user's chosen language follows them to every device they sign in on."""
    if user.language and hasattr(request, "session"):
        request.session["okioki_language"] = user.language
