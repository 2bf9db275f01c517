"""A stand-in for Microsoft Graph's mail API (v1.0, ``/me``), on loopback.

What is faked, and why: Microsoft Graph can't be reached from the test machines, so the
routes OkiOki calls are played here with the documented JSON shapes. The access tokens are
those the OAuth stand-in (tests/fakes/oauth_provider.py) issued: a token that is unknown,
expired or of a revoked grant answers 401 ``InvalidAuthenticationToken``; a token without
``Mail.Read`` or ``Mail.ReadWrite`` of ``graph.microsoft.com`` (an IMAP token) 403
``ErrorAccessDenied``, as does a move or a folder creation without ``Mail.ReadWrite``.

- ``GET /v1.0/me/mailFolders/inbox`` (the well-known name) and ``/me/mailFolders/{id}``;
  ``GET /me/mailFolders`` and ``/me/mailFolders/{id}/childFolders`` (``value``, paged with
  ``$top`` and ``@odata.nextLink``); ``POST`` to both creates a folder (201).
- ``GET /me/mailFolders/{id}/messages/delta``: the first round lists the folder's messages,
  ``Prefer: odata.maxpagesize`` at a time (``Preference-Applied`` says so), each page but
  the last with ``@odata.nextLink`` (``$skiptoken``), the last with ``@odata.deltaLink``
  (``$deltatoken``); a delta link gives the messages added to the folder since, and
  ``{"id", "@removed": {"reason": "deleted"}}`` for those that left it. Only the ``$select``
  fields are given. ``expire_sync_state`` makes every link answer 410 Gone with
  ``SyncStateNotFound``, as Exchange does with a sync state it dropped.
- ``GET /me/messages/{id}/$value``: the MIME as delivered; it does not change ``isRead``.
- ``POST /me/messages/{id}/move {"destinationId"}``: 201, the message with a new id.
- ``PATCH /me/messages/{id}``: applied, and recorded in ``patches`` (OkiOki must send none).
- ``$expand=singleValueExtendedProperties($filter=id eq 'Integer 0x0E08')`` in a delta's first
  call gives each message's size (PidTagMessageSize), as Graph does.
- ``throttle(n, retry_after)``: the next ``n`` calls answer 429 with ``Retry-After``;
  an account in ``denied`` answers 403 (an administrator's application access policy).

Messages are delivered with ``deliver(account, raw)``; their ``internetMessageId``,
``subject``, ``from`` and ``hasAttachments`` are read from the MIME, as Exchange does.
"""

import email
import email.policy
import itertools
import json
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote, urlencode

from tests.fakes.oauth_provider import FakeOAuthProvider, Reply, resource_of

GRAPH = "graph.microsoft.com"
WELL_KNOWN = {"inbox": "Inbox", "archive": "Archive", "sentitems": "Sent Items"}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}}, headers)


@dataclass
class Folder:
    id: str
    name: str
    parent: str  # "" at the top
    well_known: str = ""

    def json(self, messages: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "displayName": self.name,
            "parentFolderId": self.parent,
            "childFolderCount": 0,
            "totalItemCount": messages,
            "unreadItemCount": 0,
        }


SIZE_PROPERTY = "singleValueExtendedProperties"


@dataclass
class Message:
    id: str
    folder: str
    mime: bytes
    received: datetime
    is_read: bool = False

    def json(self, select: list[str] | None = None) -> dict[str, Any]:
        parsed = email.message_from_bytes(self.mime, policy=email.policy.default)
        name, address = parseaddr(str(parsed.get("From", "")))
        data = {
            "id": self.id,
            "internetMessageId": str(parsed.get("Message-ID", "")).strip(),
            "subject": str(parsed.get("Subject", "")),
            "from": {"emailAddress": {"name": name, "address": address}},
            "receivedDateTime": self.received.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "hasAttachments": any(True for _part in parsed.iter_attachments())
            if parsed.is_multipart()
            else False,
            "isRead": self.is_read,
            "parentFolderId": self.folder,
        }
        if select and SIZE_PROPERTY in select:
            # PidTagMessageSize, asked for with $expand; Graph names it in its own spelling
            data[SIZE_PROPERTY] = [{"id": "Integer 0xe08", "value": str(len(self.mime))}]
        return {k: v for k, v in data.items() if not select or k in select or k == "id"}


@dataclass
class Account:
    folders: dict[str, Folder] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    # (sequence, folder id, message id, "added" or "removed")
    log: list[tuple[int, str, str, str]] = field(default_factory=list)


@dataclass
class FakeGraphMail:
    oauth: FakeOAuthProvider
    base_url: str = ""
    accounts: dict[str, Account] = field(default_factory=dict)
    # link token -> (account, folder id, select, entries left, the round's last sequence)
    skip_tokens: dict[str, tuple[str, str, list[str], list[dict[str, Any]], int]] = field(
        default_factory=dict
    )
    delta_tokens: dict[str, tuple[str, str, list[str], int]] = field(default_factory=dict)
    patches: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    throttled: int = 0
    retry_after: int = 5
    denied: set[str] = field(default_factory=set)  # accounts an administrator keeps us out of
    sequence: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.RLock = field(default_factory=threading.RLock)

    def reset(self) -> None:
        with self.lock:
            for name in ("accounts", "skip_tokens", "delta_tokens"):
                getattr(self, name).clear()
            self.patches.clear()
            self.requests.clear()
            self.denied.clear()
            self.throttled = 0

    # --- what happens in the mailbox ------------------------------------------------------

    def account(self, email_address: str) -> Account:
        with self.lock:
            if email_address not in self.accounts:
                account = Account()
                for well_known, name in WELL_KNOWN.items():
                    folder = Folder(_id(), name, "", well_known)
                    account.folders[folder.id] = folder
                self.accounts[email_address] = account
            return self.accounts[email_address]

    def folder_named(self, email_address: str, name: str, parent: str = "") -> Folder:
        """The folder ``name`` (under the folder ``parent``, by name), created if missing."""
        account = self.account(email_address)
        with self.lock:
            parent_id = self.folder_named(email_address, parent).id if parent else ""
            for folder in account.folders.values():
                if folder.name == name and folder.parent == parent_id:
                    return folder
            folder = Folder(_id(), name, parent_id)
            account.folders[folder.id] = folder
            return folder

    def deliver(self, email_address: str, *raws: bytes, folder: str = "Inbox") -> list[str]:
        target = self.folder_named(email_address, folder)
        ids = []
        with self.lock:
            account = self.account(email_address)
            for raw in raws:
                message = Message(_id(), target.id, raw, datetime.now(UTC))
                account.messages[message.id] = message
                account.log.append((next(self.sequence), target.id, message.id, "added"))
                ids.append(message.id)
        return ids

    def delete(self, email_address: str, message_id: str) -> None:
        with self.lock:
            account = self.account(email_address)
            message = account.messages.pop(message_id)
            account.log.append((next(self.sequence), message.folder, message_id, "removed"))

    def in_folder(self, email_address: str, name: str, parent: str = "") -> list[Message]:
        folder = self.folder_named(email_address, name, parent)
        with self.lock:
            return [
                m for m in self.account(email_address).messages.values() if m.folder == folder.id
            ]

    def expire_sync_state(self) -> None:
        with self.lock:
            self.skip_tokens.clear()
            self.delta_tokens.clear()

    def throttle(self, calls: int, retry_after: int = 5) -> None:
        self.throttled, self.retry_after = calls, retry_after

    # --- HTTP ---------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, object, dict[str, str]]:
        one = {key: values[0] for key, values in query.items() if values}
        self.requests[f"{method} {_shape(path)}"] += 1
        with self.lock:
            if self.throttled:
                self.throttled -= 1
                raise _error(
                    429,
                    "TooManyRequests",
                    "Application is over its MailboxConcurrency limit.",
                    {"Retry-After": str(self.retry_after)},
                )
        email_address, scope = self._caller(headers)
        if not path.startswith("/v1.0/me/"):
            raise _error(400, "BadRequest", "Resource not found for the segment.")
        parts = [unquote(part) for part in path.removeprefix("/v1.0/me/").split("/")]
        data = json.loads(body) if body else {}
        writes = method in ("POST", "PATCH")
        if writes and "Mail.ReadWrite" not in scope:
            raise _error(403, "ErrorAccessDenied", "Access is denied. Check credentials.")
        with self.lock:
            account = self.account(email_address)
            if parts[0] == "mailFolders":
                return self._folders(account, method, parts[1:], one, headers, data)
            if parts[0] == "messages" and len(parts) >= 2:
                return self._message(account, method, parts[1], parts[2:], data)
        raise _error(400, "BadRequest", "Resource not found for the segment.")

    def _caller(self, headers: Any) -> tuple[str, str]:
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        found = self.oauth.live_scope(token)
        if found is None:
            raise _error(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            )
        grant, scope = found
        granted = [s.rsplit("/", 1)[-1] for s in scope.split() if resource_of(s) == GRAPH]
        if not {"Mail.Read", "Mail.ReadWrite"} & set(granted) or grant.email in self.denied:
            raise _error(403, "ErrorAccessDenied", "Access is denied. Check credentials.")
        return grant.email, " ".join(granted)

    def _find_folder(self, account: Account, key: str) -> Folder:
        for folder in account.folders.values():
            if folder.id == key or (folder.well_known and folder.well_known == key.lower()):
                return folder
        raise _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")

    def _count(self, account: Account, folder: Folder) -> int:
        return sum(1 for m in account.messages.values() if m.folder == folder.id)

    def _folders(
        self,
        account: Account,
        method: str,
        parts: list[str],
        one: dict[str, str],
        headers: Any,
        data: dict[str, Any],
    ) -> tuple[int, object, dict[str, str]]:
        parent = ""
        if parts and parts[0]:
            folder = self._find_folder(account, parts[0])
            if len(parts) == 1 and method == "GET":
                return 200, folder.json(self._count(account, folder)), {}
            if parts[1:] == ["messages", "delta"] and method == "GET":
                return self._delta(account, folder, one, headers)
            if parts[1:] != ["childFolders"]:
                raise _error(400, "BadRequest", "Unsupported segment.")
            parent = folder.id
        if method == "POST":
            name = str(data.get("displayName") or "")
            if any(f.name == name and f.parent == parent for f in account.folders.values()):
                raise _error(
                    409, "ErrorFolderExists", "A folder with the specified name already exists."
                )
            created = Folder(_id(), name, parent)
            account.folders[created.id] = created
            return 201, created.json(0), {}
        children = [f for f in account.folders.values() if f.parent == parent]
        top, skip = int(one.get("$top", "10")), int(one.get("$skip", "0"))
        page = children[skip : skip + top]
        answer: dict[str, Any] = {"value": [f.json(self._count(account, f)) for f in page]}
        if skip + top < len(children):
            path = (
                f"/v1.0/me/mailFolders/{parent}/childFolders" if parent else "/v1.0/me/mailFolders"
            )
            answer["@odata.nextLink"] = (
                f"{self.base_url}{path}?{urlencode({'$top': top, '$skip': skip + top})}"
            )
        return 200, answer, {}

    def _delta(
        self, account: Account, folder: Folder, one: dict[str, str], headers: Any
    ) -> tuple[int, object, dict[str, str]]:
        email_address = next(k for k, v in self.accounts.items() if v is account)
        prefer = headers.get("Prefer") or ""
        size = 10  # Graph's default page of a message delta
        if prefer.startswith("odata.maxpagesize="):
            size = int(prefer.split("=", 1)[1])
        if "$skiptoken" in one:
            found = self.skip_tokens.pop(one["$skiptoken"], None)
            if found is None or found[1] != folder.id:
                raise _error(410, "SyncStateNotFound", "The sync state was not found.")
            _owner, _folder, select, entries, last = found
        elif "$deltatoken" in one:
            known = self.delta_tokens.get(one["$deltatoken"])
            if known is None or known[1] != folder.id:
                raise _error(410, "SyncStateNotFound", "The sync state was not found.")
            _owner, _folder, select, since = known
            last = max((s for s, *_rest in account.log), default=0)
            changes: dict[str, str] = {}
            for sequence, folder_id, message_id, kind in account.log:
                if sequence > since and folder_id == folder.id:
                    changes[message_id] = kind
            entries = [
                account.messages[mid].json(select)
                if kind == "added"
                and mid in account.messages
                and account.messages[mid].folder == folder.id
                else {"id": mid, "@removed": {"reason": "deleted"}}
                for mid, kind in changes.items()
            ]
        else:
            select = [s for s in one.get("$select", "").split(",") if s]
            if "0x0e08" in one.get("$expand", "").lower():
                select.append(SIZE_PROPERTY)
            last = max((s for s, *_rest in account.log), default=0)
            entries = [
                m.json(select)
                for m in sorted(account.messages.values(), key=lambda m: m.received)
                if m.folder == folder.id
            ]
        page, rest = entries[:size], entries[size:]
        link = f"{self.base_url}/v1.0/me/mailFolders/{folder.id}/messages/delta"
        answer: dict[str, Any] = {"value": page}
        if rest:
            token = secrets.token_urlsafe(16)
            self.skip_tokens[token] = (email_address, folder.id, select, rest, last)
            answer["@odata.nextLink"] = f"{link}?{urlencode({'$skiptoken': token})}"
        else:
            token = secrets.token_urlsafe(16)
            self.delta_tokens[token] = (email_address, folder.id, select, last)
            answer["@odata.deltaLink"] = f"{link}?{urlencode({'$deltatoken': token})}"
        return 200, answer, {"Preference-Applied": f"odata.maxpagesize={size}"}

    def _message(
        self, account: Account, method: str, message_id: str, rest: list[str], data: dict[str, Any]
    ) -> tuple[int, object, dict[str, str]]:
        message = account.messages.get(message_id)
        if message is None:
            raise _error(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        if rest == ["$value"] and method == "GET":
            return 200, message.mime, {"Content-Type": "text/plain"}
        if rest == ["move"] and method == "POST":
            target = self._find_folder(account, str(data.get("destinationId") or ""))
            del account.messages[message_id]
            account.log.append((next(self.sequence), message.folder, message_id, "removed"))
            moved = Message(_id(), target.id, message.mime, message.received, message.is_read)
            account.messages[moved.id] = moved
            account.log.append((next(self.sequence), target.id, moved.id, "added"))
            return 201, moved.json(), {}
        if not rest and method == "PATCH":
            self.patches.append((message_id, data))
            if "isRead" in data:
                message.is_read = bool(data["isRead"])
            return 200, message.json(), {}
        if not rest and method == "GET":
            return 200, message.json(), {}
        raise _error(400, "BadRequest", "Unsupported segment.")


def _id() -> str:
    # Graph's ids are long base64 strings, their padding escaped in a path
    return "AAMk" + secrets.token_urlsafe(24) + "="


def _shape(path: str) -> str:
    """A path with its ids left out, for counting requests by route."""
    parts = path.split("/")
    return "/".join("{id}" if part.startswith("AAMk") else part for part in parts)


def configure(settings: Any, server: Any) -> None:
    settings.MICROSOFT_GRAPH_URL = f"{server.url}/v1.0"
