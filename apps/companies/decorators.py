from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from apps.companies.access import Action

View = Callable[..., HttpResponseBase]


def company_view(action: Action = Action.VIEW) -> Callable[[View], View]:
    """A page of one company. The middleware has checked access and set the scope; this adds
    the role check for ``action`` (403: the user may see the company but not do this)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, company_id: Any, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            access = getattr(request, "access", None)
            if access is None:  # the middleware did not run: fail closed
                raise Http404
            if not access.can(action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # what the role must be allowed, for the pages that offer a link or a form to it
        wrapper.required_action = action  # type: ignore[attr-defined]
        return wrapper

    return decorator
