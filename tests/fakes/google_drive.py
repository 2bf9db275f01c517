"""A stand-in for the Google Drive API v3, on loopback.

What is faked, and why: Google Drive can't be reached from the test machines, so the part of
its REST API our client (``apps.inbox.clients.google_drive``) calls is played by this small
server, with Google's documented JSON shapes (``files``, ``nextPageToken``, ``changes``,
``newStartPageToken``, the ``{"error": {"code", "message", "errors": [{"reason"}]}}``
answer). Real: our client and its HTTP requests, and the access tokens, which the stand-in
of Google's sign-in (tests/fakes/oauth_provider.py) issued and which must be live and carry
the Drive scope (401 ``authError`` otherwise, 403 ``insufficientPermissions`` without it).

- ``GET /drive/v3/files?q=`` with the query forms the client writes: ``'<id>' in parents``,
  ``trashed = false``, ``mimeType = '...'``, ``name = '...'`` joined by ``and`` (another
  form is a 400 ``invalid``); ``pageSize`` capped at ``max_page_size`` (Drive may answer
  fewer than asked), ``pageToken``/``nextPageToken``.
- ``GET /drive/v3/files/<id>`` (``root`` is My Drive), ``?alt=media`` for the bytes;
  ``PATCH`` with ``addParents``/``removeParents`` (and a ``name`` in the body);
  ``POST /drive/v3/files`` creates a folder (metadata only).
- ``GET /drive/v3/changes/startPageToken``; ``GET /drive/v3/changes?pageToken=`` answers each
  changed file once in its latest state (``removed`` when it can no longer be seen), pages
  with ``nextPageToken`` and ends with ``newStartPageToken``; a token that is not one or is
  older than ``expire_tokens()`` is a 400 ``invalid``.
- ``GET /drive/v3/drives``: the shared drives (none unless a test adds some).

A test changes the Drive as a user would: ``add_folder``, ``add_file``, ``change_content``,
``move``, ``rename``, ``trash``, ``delete``, ``unshare`` (the account loses access: a 403
``insufficientFilePermissions`` on it, and it and what is under it leave the listings and
the change feed says ``removed``).
"""

import hashlib
import itertools
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.http import Answer, LoopbackServer, Reply
from tests.fakes.oauth_provider import FakeOAuthProvider

FOLDER = "application/vnd.google-apps.folder"
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"
PREFIX = "/drive/v3"


def _error(status: int, reason: str, message: str) -> Reply:
    return Reply(
        status,
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"domain": "global", "reason": reason, "message": message}],
            }
        },
    )


@dataclass
class Item:
    id: str
    name: str
    mime_type: str
    parents: list[str]
    content: bytes = b""
    trashed: bool = False

    @property
    def is_folder(self) -> bool:
        return self.mime_type == FOLDER

    def resource(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "trashed": self.trashed,
        }
        if not self.mime_type.startswith("application/vnd.google-apps."):
            data["md5Checksum"] = hashlib.md5(self.content).hexdigest()
            data["size"] = str(len(self.content))
        return data


@dataclass
class FakeDrive:
    oauth: FakeOAuthProvider | None = None  # None: any bearer token will do
    max_page_size: int = 100
    items: dict[str, Item] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)  # file ids, change number = index + 1
    oldest_token: int = 1
    hidden: set[str] = field(default_factory=set)  # unshared: the account can't see them
    shared_drives: dict[str, str] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.items.clear()
            self.log.clear()
            self.hidden.clear()
            self.shared_drives.clear()
            self.requests.clear()
            self.oldest_token = 1
            self.max_page_size = 100
            self.root = "0AMyDriveRoot"
            self.items[self.root] = Item(self.root, "My Drive", FOLDER, [])

    # --- what a user does in Drive ----------------------------------------------------------

    def _changed(self, item_id: str) -> None:
        self.log.append(item_id)

    def _new_id(self) -> str:
        return f"1file{next(self.ids):04d}"

    def add_folder(self, name: str, parent: str = "") -> str:
        with self.lock:
            item = Item(self._new_id(), name, FOLDER, [parent or self.root])
            self.items[item.id] = item
            self._changed(item.id)
            return item.id

    def add_file(
        self, name: str, content: bytes, parent: str = "", mime_type: str = "application/pdf"
    ) -> str:
        with self.lock:
            item = Item(self._new_id(), name, mime_type, [parent or self.root], content)
            self.items[item.id] = item
            self._changed(item.id)
            return item.id

    def change_content(self, item_id: str, content: bytes) -> None:
        with self.lock:
            self.items[item_id].content = content
            self._changed(item_id)

    def move(self, item_id: str, parent: str) -> None:
        with self.lock:
            self.items[item_id].parents = [parent]
            self._changed(item_id)

    def rename(self, item_id: str, name: str) -> None:
        with self.lock:
            self.items[item_id].name = name
            self._changed(item_id)

    def trash(self, item_id: str) -> None:
        with self.lock:
            self.items[item_id].trashed = True
            self._changed(item_id)

    def delete(self, item_id: str) -> None:
        """Deleted for good, with what is under it."""
        with self.lock:
            for child in [i.id for i in self.items.values() if item_id in i.parents]:
                self.delete(child)
            self.items.pop(item_id, None)
            self._changed(item_id)

    def unshare(self, item_id: str) -> None:
        with self.lock:
            self.hidden.add(item_id)
            self._changed(item_id)

    def expire_tokens(self) -> None:
        """Every page token given so far is no longer honoured."""
        with self.lock:
            self.oldest_token = len(self.log) + 1

    def children(self, parent: str) -> list[Item]:
        with self.lock:
            return [i for i in self.items.values() if parent in i.parents]

    def calls(self, prefix: str = "") -> int:
        with self.lock:
            return sum(n for key, n in self.requests.items() if key.startswith(prefix))

    # --- visibility -------------------------------------------------------------------------

    def _visible(self, item: Item | None) -> bool:
        seen = 0
        while item is not None and seen < 100:
            if item.id in self.hidden:
                return False
            item = self.items.get(item.parents[0]) if item.parents else None
            seen += 1
        return True

    def _get(self, item_id: str) -> Item:
        item = self.items.get(self.root if item_id == "root" else item_id)
        if item is None:
            raise _error(404, "notFound", f"File not found: {item_id}.")
        if not self._visible(item):
            message = f"The user does not have sufficient permissions for file {item_id}."
            raise _error(403, "insufficientFilePermissions", message)
        return item

    # --- HTTP ----------------------------------------------------------------------------

    def _authorise(self, headers: Any) -> None:
        if self.oauth is None:
            return
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        grant = self.oauth._live(token)
        if grant is None:
            raise _error(401, "authError", "Request had invalid authentication credentials.")
        if DRIVE_SCOPE not in grant.scope.split():
            raise _error(403, "insufficientPermissions", "Insufficient Permission")

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, object]:
        one = {key: values[0] for key, values in query.items() if values}
        with self.lock:
            self.requests[f"{method} {path}"] += 1
            self._authorise(headers)
            if not path.startswith(PREFIX):
                raise _error(404, "notFound", "Not found")
            path = path[len(PREFIX) :]
            if path == "/files" and method == "GET":
                return 200, self.files_list(one)
            if path == "/files" and method == "POST":
                return 200, self.files_create(json.loads(body or b"{}"))
            if path == "/changes/startPageToken" and method == "GET":
                return 200, {"kind": "drive#startPageToken", "startPageToken": self._token()}
            if path == "/changes" and method == "GET":
                return 200, self.changes_list(one)
            if path == "/drives" and method == "GET":
                drives = [
                    {"kind": "drive#drive", "id": k, "name": v}
                    for k, v in self.shared_drives.items()
                ]
                return 200, {"kind": "drive#driveList", "drives": drives}
            match = re.fullmatch(r"/files/([^/]+)", path)
            if match and method == "GET":
                item = self._get(match[1])
                if one.get("alt") == "media":
                    if item.is_folder or item.mime_type.startswith("application/vnd.google-apps"):
                        raise _error(403, "fileNotDownloadable", "Use Export for Docs files.")
                    return 200, item.content
                return 200, item.resource()
            if match and method == "PATCH":
                return 200, self.files_update(match[1], one, json.loads(body or b"{}"))
        raise _error(404, "notFound", "Not found")

    def _token(self) -> str:
        return str(len(self.log) + 1)

    _CLAUSES = (
        (re.compile(r"'((?:[^'\\]|\\.)*)' in parents"), "parent"),
        (re.compile(r"trashed = (true|false)"), "trashed"),
        (re.compile(r"mimeType = '((?:[^'\\]|\\.)*)'"), "mimeType"),
        (re.compile(r"name = '((?:[^'\\]|\\.)*)'"), "name"),
    )

    def _parse_query(self, q: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for clause in q.split(" and "):
            for pattern, key in self._CLAUSES:
                match = pattern.fullmatch(clause.strip())
                if match:
                    found[key] = re.sub(r"\\(.)", r"\1", match[1])
                    break
            else:
                raise _error(400, "invalid", f"Invalid Value: {clause}")
        return found

    def _page(self, one: dict[str, str]) -> tuple[int, int]:
        try:
            start = int(one.get("pageToken") or 0)
            size = min(int(one.get("pageSize") or 100), self.max_page_size)
        except ValueError:
            raise _error(400, "invalid", "Invalid Value") from None
        return start, size

    def files_list(self, one: dict[str, str]) -> dict[str, Any]:
        where = self._parse_query(one.get("q", ""))
        matches = []
        for item in sorted(self.items.values(), key=lambda i: (i.name, i.id)):
            if item.id == self.root or not self._visible(item):
                continue
            if "parent" in where and self._get(where["parent"]).id not in item.parents:
                continue
            if "trashed" in where and item.trashed != (where["trashed"] == "true"):
                continue
            if "mimeType" in where and item.mime_type != where["mimeType"]:
                continue
            if "name" in where and item.name != where["name"]:
                continue
            matches.append(item)
        start, size = self._page(one)
        answer: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": [i.resource() for i in matches[start : start + size]],
        }
        if start + size < len(matches):
            answer["nextPageToken"] = str(start + size)
        return answer

    def files_create(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("mimeType") != FOLDER:
            raise _error(400, "invalid", "Only folders are created here (metadata only)")
        parent = self._get((body.get("parents") or ["root"])[0]).id
        return self.items[self.add_folder(str(body.get("name", "Untitled")), parent)].resource()

    def files_update(self, item_id: str, one: dict[str, str], body: dict[str, Any]) -> dict:
        item = self._get(item_id)
        add = [p for p in one.get("addParents", "").split(",") if p]
        remove = [p for p in one.get("removeParents", "").split(",") if p]
        for parent in add:
            self._get(parent)
        parents = [p for p in item.parents if p not in remove] + add
        if not parents:
            raise _error(400, "invalid", "A file needs a parent")
        item.parents = list(dict.fromkeys(parents))
        if body.get("name"):
            item.name = str(body["name"])
        self._changed(item.id)
        return item.resource()

    def changes_list(self, one: dict[str, str]) -> dict[str, Any]:
        token = one.get("pageToken", "")
        if not token.isdigit() or not self.oldest_token <= int(token) <= len(self.log) + 1:
            raise _error(400, "invalid", "Invalid Value: pageToken")
        start = int(token)
        size = min(int(one.get("pageSize") or 100), self.max_page_size)
        # each file once, at its latest change (Drive answers its state now)
        latest: dict[str, int] = {}
        for number in range(start, len(self.log) + 1):
            latest[self.log[number - 1]] = number
        numbers = sorted(latest.values())
        page, rest = numbers[:size], numbers[size:]
        changes = []
        for number in page:
            item_id = self.log[number - 1]
            item = self.items.get(item_id)
            change: dict[str, Any] = {
                "kind": "drive#change",
                "changeType": "file",
                "fileId": item_id,
            }
            if item is None or not self._visible(item):
                change["removed"] = True
            else:
                change["removed"] = False
                change["file"] = item.resource()
            changes.append(change)
        answer: dict[str, Any] = {"kind": "drive#changeList", "changes": changes}
        if rest:
            answer["nextPageToken"] = str(rest[0])
        else:
            answer["newStartPageToken"] = self._token()
        return answer


class Server(LoopbackServer):
    """A ``FakeDrive`` on ``127.0.0.1`` (a free port), in a thread; ``api_url`` is the
    ``GOOGLE_DRIVE_API_URL`` to configure."""

    methods = ("GET", "POST", "PATCH")

    def __init__(self, fake: FakeDrive | None = None):
        super().__init__()
        self.fake = fake or FakeDrive()
        self.api_url = self.url + PREFIX

    def answer(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Answer:
        params = parse_qs(query, keep_blank_values=True)
        status, data = self.fake.handle(method, path, params, headers, body)
        return status, data, {}
