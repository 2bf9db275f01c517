from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class UserLanguageMiddleware:
    """Apply the signed-in user's saved language before LocaleMiddleware picks one.

    The session is available here, the user not yet; we read the language that the login
    signal stored in the session (see ``apps.accounts.signals``) and mirror it in the cookie
    that LocaleMiddleware reads.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.session.get("okioki_language") if hasattr(request, "session") else None
        if language and language in dict(settings.LANGUAGES):
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
        return self.get_response(request)
