"""What every HTTP client of the inbox (WebDAV, the drives, Graph mail) shares: how a failed
request becomes an ``InboxError``, how a bounded answer or download is read, and how long
a provider that answered 429/503 asked us to wait (``Retry-After``, kept on the ``InboxError``
as ``retry_after`` seconds; the scan does not call again before)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from apps.core.outbound import AnswerTooLarge, DestinationRefused, read_limited
from apps.inbox.clients import FileTooLarge, RemoteFile
from apps.inbox.errors import InboxError

RETRY_AFTER_DEFAULT = 60  # seconds, when the provider gives no (valid) Retry-After
RETRY_AFTER_MAX = 60 * 60  # a provider asking for longer is asked again after an hour


@contextmanager
def request_errors(*, lost: str = "refused") -> Iterator[None]:
    """Turn a request that failed before an answer came into one ``InboxError``: refused by
    the outgoing guard, TLS, timeout, no connection (``lost``: the code of a connection
    refused or broken, ``host_not_found`` when the name did not resolve), anything else."""
    try:
        yield
    except DestinationRefused as error:
        raise InboxError("not_allowed") from error
    except requests.exceptions.SSLError as error:
        raise InboxError("tls_failed") from error
    except requests.exceptions.Timeout as error:
        raise InboxError("timeout") from error
    except requests.exceptions.ConnectionError as error:
        text = str(error).lower()
        if "resolve" in text or "name or service" in text or "nodename" in text:
            raise InboxError("host_not_found") from error
        raise InboxError(lost) from error
    except requests.exceptions.RequestException as error:
        raise InboxError("protocol", detail=str(error)[:200]) from error


def answer_read(response: requests.Response, limit: int) -> bytes:
    """The body of ``response`` (closed after), ``InboxError`` past ``limit`` bytes or when
    the connection breaks while it is read."""
    try:
        with response:
            return read_limited(response, limit)
    except AnswerTooLarge as error:
        raise InboxError("protocol", detail="the answer is too large") from error
    except requests.exceptions.RequestException as error:
        raise InboxError("connection_lost") from error


def file_read(response: requests.Response, file: RemoteFile, max_bytes: int) -> bytes:
    """A download's bytes (closed after): ``FileTooLarge`` past ``max_bytes``."""
    try:
        with response:
            return read_limited(response, max_bytes)
    except AnswerTooLarge as error:
        raise FileTooLarge(file.path) from error
    except requests.exceptions.RequestException as error:
        raise InboxError("connection_lost") from error


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> int:
    """How long to wait by a ``Retry-After`` header (seconds or an HTTP date), between one
    second and ``RETRY_AFTER_MAX``; ``RETRY_AFTER_DEFAULT`` when it is missing or invalid."""
    value = (value or "").strip()
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return RETRY_AFTER_DEFAULT
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = int((when - (now or datetime.now(UTC))).total_seconds())
    return max(1, min(seconds, RETRY_AFTER_MAX))
