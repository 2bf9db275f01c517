"""Upload size, checked before and while a request streams in, never after it is in memory.

Two limits: a request whose declared size (Content-Length) is past MAX_UPLOAD_REQUEST_SIZE is
refused with a 413 before a byte of its body is read (the middleware); and each file is cut one
byte past the largest size any page accepts while it streams in (the upload handler, first of
FILE_UPLOAD_HANDLERS), so the rest of it never reaches memory or a temporary file. The pages
then refuse a file larger than their own limit from its size, before reading it.

A WSGI server never gives Django more than the declared length (a body without one is not read
at all), so the declared size also bounds what a request can stream in.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

MB = 1024 * 1024


def file_limit() -> int:
    """The largest file any page takes: an uploaded document, or an e-mail posted to the
    inbound webhook."""
    return max(settings.MAX_UPLOAD_SIZE, settings.INBOX_MAX_MESSAGE_SIZE)


class SizeLimitUploadHandler(FileUploadHandler):
    """Passes each file on to the next handlers (memory, then a temporary file) up to one byte
    past ``file_limit()``, and drops the rest: the file arrives cut, still larger than any
    page's limit, so that the page refuses it by its size."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        keep = file_limit() + 1 - self.received
        self.received += len(raw_data)
        if keep <= 0:
            return None  # not passed on: nothing stores it
        return raw_data[:keep]

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file


def request_too_large(request: HttpRequest) -> HttpResponse:
    limit = settings.MAX_UPLOAD_REQUEST_SIZE // MB
    message = _(
        "This upload is larger than %(limit)s MB. Send fewer or smaller files at a time "
        "(at most %(file_limit)s MB a file)."
    ) % {"limit": limit, "file_limit": settings.MAX_UPLOAD_SIZE // MB}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "too_large"}, status=413)
    # No "Connection: close" here: a WSGI application may not set hop-by-hop headers; the
    # server deals with the unread body (gunicorn closes the connection).
    return HttpResponse(
        render_to_string("413.html", {"message": message}, request=request), status=413
    )


class UploadLimitMiddleware:
    """Refuses a request declared larger than MAX_UPLOAD_REQUEST_SIZE before anything reads
    its body (nothing does before the views and the CSRF check, which come after every
    middleware's call), on a page in the user's language for the signed-in user (so after the
    locale and authentication middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.MAX_UPLOAD_REQUEST_SIZE:
            return request_too_large(request)
        return self.get_response(request)
