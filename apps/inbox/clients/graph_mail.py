"""Microsoft Graph mail: read a Microsoft 365 mailbox whose IMAP is off, without changing it.

What is used, as Microsoft documents it (``settings.MICROSOFT_GRAPH_URL``, v1.0):

- ``GET /me/mailFolders/inbox`` (a well-known name), ``GET /me/mailFolders`` and
  ``GET /me/mailFolders/{id}/childFolders``: a watched folder found by its display name,
  ``Parent/Child`` for a child folder; ``POST`` to them creates the folder processed mail
  moves to.
- ``GET /me/mailFolders/{id}/messages/delta?$select=...&$expand=...``: the messages of a
  folder (with their size, PidTagMessageSize, as an extended property), a page
  at a time (``Prefer: odata.maxpagesize``), following ``@odata.nextLink``; the last page
  has ``@odata.deltaLink``, which gives only what changed since, next time. An entry with
  ``@removed`` left the folder (deleted or moved). A delta link the service no longer knows
  answers 410 Gone (``SyncStateNotFound``): ``SyncLost``, list again from the beginning.
- ``GET /me/messages/{id}/$value``: the message as MIME, read up to a limit. It does not
  mark the message read (only a ``PATCH`` of ``isRead`` does, which we never send).
- ``POST /me/messages/{id}/move {"destinationId": ...}``.

Failures come out as ``InboxError``: 429 and 503 ``graph_busy`` with the ``Retry-After``
seconds (``retry_after``), before which no scan calls again; 403 ``graph_forbidden``; 404 of
a folder ``folder_missing``.
A 401 asks ``token(renew=True)`` for a new access token once (the caller refreshes it, or
pauses the mailbox when the grant is gone), then ``graph_refused``. A message gone since it
was listed (404) is ``NotFound``.

Every call goes through the outgoing-connection guard, never follows a redirect, has a
timeout and a bounded answer; a next or delta link is followed only under the configured
Graph address.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.header import Header
from email.utils import format_datetime, formataddr
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.utils.dateparse import parse_datetime

from apps.core.outbound import AnswerTooLarge, guarded_session, read_limited
from apps.inbox.clients.http import request_errors, retry_after_seconds
from apps.inbox.errors import InboxError

CONNECT_SECONDS = 5
ANSWER_BYTES = 4 * 1024 * 1024  # a page of message headers, a folder list
PAGE_SIZE = 50
SELECT = "id,internetMessageId,subject,from,receivedDateTime,hasAttachments"
# The message's size, which the listing does not give: the extended property PidTagMessageSize
# (https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get), so a message
# over the limit is recorded without being downloaded.
SIZE_PROPERTY = "Integer 0x0E08"
EXPAND = quote(f"singleValueExtendedProperties($filter=id eq '{SIZE_PROPERTY}')", safe="()$=")
INBOX = "inbox"  # Graph's well-known name of the folder IMAP calls INBOX

Token = Callable[[bool], str]  # renew=True: the last one was refused, give a new one


class SyncLost(Exception):
    """The delta or next link is no longer known to the service: list the folder again."""


class TooLarge(Exception):
    """The message is larger than the limit; nothing of it was kept."""


class NotFound(Exception):
    """404: the message or folder is gone (deleted or moved since it was listed)."""


@dataclass(frozen=True)
class GraphFolder:
    id: str
    name: str
    total: int = 0


@dataclass(frozen=True)
class GraphMessage:
    id: str
    head: bytes  # Message-ID, From, Subject and Date as header lines, for the scan's checks
    size: int = 0  # bytes (PidTagMessageSize); 0 when Graph did not say


def message_size(item: dict[str, Any]) -> int:
    """The size Graph gave in the message's extended properties (0 if none)."""
    for prop in item.get("singleValueExtendedProperties") or []:
        if not isinstance(prop, dict):
            continue
        if str(prop.get("id") or "").lower().replace("0x0e08", "0xe08") == "integer 0xe08":
            try:
                return max(0, int(str(prop.get("value"))))
            except ValueError:
                return 0
    return 0


@dataclass
class DeltaPage:
    messages: list[GraphMessage] = field(default_factory=list)
    removed: int = 0
    next_link: str = ""  # more of this round
    delta_link: str = ""  # the round is over: what changes after it


def _line(name: str, value: str) -> bytes:
    value = " ".join(value.split())  # one line: nothing in it may start a header of its own
    if not value:
        return b""
    if not value.isascii():
        value = Header(value, "utf-8").encode()
    return f"{name}: {value}\r\n".encode()


def message_head(item: dict[str, Any]) -> bytes:
    """The headers the scan looks at, written from Graph's JSON of a message."""
    sender = (item.get("from") or {}).get("emailAddress") or {}
    name, address = str(sender.get("name") or ""), str(sender.get("address") or "")
    received = parse_datetime(str(item.get("receivedDateTime") or ""))
    return b"".join(
        (
            _line("Message-ID", str(item.get("internetMessageId") or "")),
            _line("From", formataddr((name, address), charset="utf-8") if address else name),
            _line("Subject", str(item.get("subject") or "")),
            _line("Date", format_datetime(received) if received else ""),
        )
    )


def _error_code(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    return str(error.get("code") or "") if isinstance(error, dict) else ""


class GraphMailClient:
    """The signed-in user's mail (``/me``) through Microsoft Graph."""

    def __init__(self, *, token: Token, timeout: float, base_url: str = ""):
        self.token = token
        self.timeout = timeout
        self.base_url = (base_url or settings.MICROSOFT_GRAPH_URL).rstrip("/")

    # the wire -------------------------------------------------------------------------------

    def _url(self, path_or_link: str) -> str:
        if path_or_link.startswith("/"):
            return self.base_url + path_or_link
        if not path_or_link.startswith(self.base_url + "/"):
            # a link from an answer goes back to Graph, nowhere else
            raise InboxError("protocol", detail="a link outside Microsoft Graph")
        return path_or_link

    def _call(
        self,
        method: str,
        path_or_link: str,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        limit: int = ANSWER_BYTES,
    ) -> bytes:
        """One call, with a second try on a new token when the first is refused (401)."""
        url = self._url(path_or_link)
        renew = False
        while True:
            status, answer, retry_after = self._send(method, url, body, headers or {}, limit, renew)
            if status == 401 and not renew:
                renew = True
                continue
            break
        if status in (200, 201):
            return answer
        code = _error_code(answer)
        if status == 401:
            raise InboxError("graph_refused", detail=code or "HTTP 401")
        if status in (429, 503):
            raise InboxError("graph_busy", retry_after=retry_after_seconds(retry_after))
        if status == 410 or code.lower() in ("syncstatenotfound", "syncstateinvalid"):
            raise SyncLost(code)
        if status == 403:
            raise InboxError("graph_forbidden", detail=code or "HTTP 403")
        if status == 404:
            raise NotFound(code)
        raise InboxError("http_error", status=status)

    def _send(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
        limit: int,
        renew: bool,
    ) -> tuple[int, bytes, str]:
        headers = {"Authorization": f"Bearer {self.token(renew)}", **headers}
        with guarded_session() as session:
            with request_errors(lost="connection_lost"):
                response = session.request(
                    method,
                    url,
                    headers={"Accept": "application/json", **headers},
                    json=body,
                    timeout=(CONNECT_SECONDS, self.timeout),
                    allow_redirects=False,
                    stream=True,
                )
            try:
                with response:
                    answer = read_limited(response, limit)
            except AnswerTooLarge as error:
                raise TooLarge() from error
            except requests.RequestException as error:
                raise InboxError("connection_lost") from error
        return response.status_code, answer, response.headers.get("Retry-After", "").strip()

    def _json(self, method: str, path_or_link: str, **kwargs: Any) -> dict[str, Any]:
        try:
            data = json.loads(self._call(method, path_or_link, **kwargs))
        except TooLarge as error:
            raise InboxError("protocol", detail="the answer is too large") from error
        except ValueError as error:
            raise InboxError("protocol", detail="not JSON") from error
        if not isinstance(data, dict):
            raise InboxError("protocol", detail="not a JSON object")
        return data

    def _list(self, path: str) -> Iterator[dict[str, Any]]:
        link = path
        while link:
            page = self._json("GET", link)
            yield from (item for item in page.get("value") or [] if isinstance(item, dict))
            link = str(page.get("@odata.nextLink") or "")

    # folders --------------------------------------------------------------------------------

    @staticmethod
    def _folder(item: dict[str, Any]) -> GraphFolder:
        return GraphFolder(
            id=str(item.get("id") or ""),
            name=str(item.get("displayName") or ""),
            total=int(item.get("totalItemCount") or 0),
        )

    def _children(self, parent: GraphFolder | None) -> list[GraphFolder]:
        path = (
            f"/me/mailFolders/{quote(parent.id, safe='')}/childFolders"
            if parent
            else "/me/mailFolders"
        )
        return [self._folder(item) for item in self._list(f"{path}?$top=100")]

    def _child(self, parent: GraphFolder | None, name: str) -> GraphFolder | None:
        return next(
            (f for f in self._children(parent) if f.name.casefold() == name.casefold()), None
        )

    def _inbox(self) -> GraphFolder:
        return self._folder(self._json("GET", f"/me/mailFolders/{INBOX}"))

    def folder(self, name: str) -> GraphFolder:
        """The folder IMAP would call ``name``: INBOX, a top-level folder, ``Parent/Child``;
        a name not found at the top is looked for among the Inbox's sub-folders (where
        Outlook users file their invoices). ``folder_missing`` when there is none."""
        parts = [part for part in name.split("/") if part]
        if not parts:
            raise InboxError("folder_missing", folder=name)
        current: GraphFolder | None = None
        for index, part in enumerate(parts):
            if index == 0 and part.casefold() == INBOX:
                current = self._inbox()
                continue
            found = self._child(current, part)
            if found is None and current is None:
                found = self._child(self._inbox(), part)
            if found is None:
                raise InboxError("folder_missing", folder=name)
            current = found
        assert current is not None
        return current

    def folder_create(self, name: str) -> GraphFolder:
        """The folder ``name`` (``Parent/Child``), created where missing."""
        current: GraphFolder | None = None
        for index, part in enumerate(part for part in name.split("/") if part):
            if index == 0 and part.casefold() == INBOX:
                current = self._inbox()
                continue
            found = self._child(current, part)
            if found is None:
                path = (
                    f"/me/mailFolders/{quote(current.id, safe='')}/childFolders"
                    if current
                    else "/me/mailFolders"
                )
                found = self._folder(self._json("POST", path, body={"displayName": part}))
            current = found
        if current is None:
            raise InboxError("folder_missing", folder=name)
        return current

    # messages -------------------------------------------------------------------------------

    def delta(self, folder: GraphFolder, link: str = "") -> DeltaPage:
        """A page of the folder's delta round: from the beginning without ``link``, else from
        a next or delta link. Raises ``SyncLost`` when the link is no longer known."""
        first = (
            f"/me/mailFolders/{quote(folder.id, safe='')}/messages/delta"
            f"?$select={SELECT}&$expand={EXPAND}"
        )
        try:
            data = self._json(
                "GET", link or first, headers={"Prefer": f"odata.maxpagesize={PAGE_SIZE}"}
            )
        except NotFound as error:
            if link:
                raise SyncLost(str(error)) from error  # the folder of the link is gone
            raise InboxError("folder_missing", folder=folder.name) from error
        page = DeltaPage(
            next_link=str(data.get("@odata.nextLink") or ""),
            delta_link=str(data.get("@odata.deltaLink") or ""),
        )
        for item in data.get("value") or []:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            if "@removed" in item:
                page.removed += 1  # moved or deleted: nothing to collect
                continue
            page.messages.append(
                GraphMessage(id=str(item["id"]), head=message_head(item), size=message_size(item))
            )
        if not page.next_link and not page.delta_link:
            raise InboxError("protocol", detail="a delta page without a next or delta link")
        return page

    def mime(self, message_id: str, *, max_bytes: int) -> bytes:
        """The message as it came (MIME). ``TooLarge`` past ``max_bytes``."""
        return self._call(
            "GET",
            f"/me/messages/{quote(message_id, safe='')}/$value",
            headers={"Accept": "*/*"},
            limit=max_bytes,
        )

    def move(self, message_id: str, folder: GraphFolder) -> str:
        """Move a message into ``folder``; its new id (Graph gives a moved message another)."""
        data = self._json(
            "POST",
            f"/me/messages/{quote(message_id, safe='')}/move",
            body={"destinationId": folder.id},
        )
        return str(data.get("id") or "")
