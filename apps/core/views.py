from types import TracebackType

from django.contrib import messages
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.errors import DomainError
from okioki.celery import app as celery_app


class refusal_as_message:  # lower case like contextlib.suppress: read as a phrase
    """A service's refusal, shown: a ``DomainError`` raised in the block becomes an error
    message with its words, and the view goes on after the block (usually to the same
    redirect as on success). The block holds the service call and what follows only when it
    succeeded (its success message, a redirect of its own)::

        with refusal_as_message(request):
            services.invitation_revoke(company=company, invitation=invitation)
            messages.success(request, _("The invitation is revoked."))
        return redirect(members_url)

    Any other exception goes on as it was."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if isinstance(error, DomainError):
            messages.error(self.request, str(error.message))
            return True
        return False


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: database and broker reachable. No tenant data, no auth."""
    checks = {}
    healthy = True
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            checks[name] = check()
        except Exception as exc:
            checks[name] = f"error: {exc.__class__.__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico; resolved at request time (hashed name in production)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
