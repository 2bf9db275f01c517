"""A stand-in for Dropbox (its sign-in and the API v2 routes OkiOki calls), on loopback.

What is faked, and why: Dropbox can't be reached from the test machines, so its HTTP endpoints
are played by this small server. The shapes follow Dropbox's documentation
(https://www.dropbox.com/developers/documentation/http/documentation and the OAuth guide):
JSON bodies, entries with ``.tag`` (file, folder, deleted), ``cursor`` and ``has_more``, and on
409 an ``error_summary`` with the nested ``error`` tags (``path/not_found``, ``reset``,
``path/conflict/folder``); 401 ``expired_access_token``/``invalid_access_token``. Nothing
here is Dropbox's exact wording. Real: our client and its requests.

Sign-in (the OAuth2 logic of ``FakeOAuthProvider``, at Dropbox's paths):

- ``GET /oauth2/authorize``: the consent page (Allow / Deny), PKCE S256 required;
  ``POST /oauth2/authorize`` sends the browser back with a code or ``access_denied``.
- ``POST /oauth2/token``: ``authorization_code`` (with the verifier) and ``refresh_token``;
  Dropbox answers no ID token and keeps the refresh token; ``invalid_grant`` once revoked.
- ``POST /2/auth/token/revoke`` (bearer): ends the grant of the calling token.
- ``POST /2/users/get_current_account`` (bearer): ``account_id``, ``email``, ``email_verified``.

Files: ``files/list_folder`` (+ ``/continue``) paged by ``page_size`` entries, with a change
log so that a cursor answers only what changed since it; ``reset_cursors()`` makes every
cursor answer 409 ``reset``; ``files/get_metadata``, ``files/create_folder_v2``,
``files/move_v2`` and ``files/download`` (the content host's route, on the same server). The
state is a tree the tests change (``put``, ``delete``, ``move``, ``deny``).
"""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.http import Answer, LoopbackServer
from tests.fakes.oauth_provider import FakeOAuthProvider, Reply

DROPBOX_CLIENT = ("dropbox-app-key", "dropbox-app-secret")
DROPBOX_ACCOUNT = "boekhouding@dropbox.example"
BLOCK = 4 * 1024 * 1024


def content_hash(data: bytes) -> str:
    """Dropbox's content hash: SHA-256 of the SHA-256 of each 4 MB block."""
    blocks = b"".join(
        hashlib.sha256(data[i : i + BLOCK]).digest() for i in range(0, len(data), BLOCK)
    )
    return hashlib.sha256(blocks).hexdigest()


def _error(status: int, *tags: str) -> Reply:
    """A Dropbox error: ``error_summary`` "a/b/..." and ``error`` {".tag": a, a: {".tag": b}}."""
    error: dict[str, Any] = {}
    for tag in reversed(tags):
        error = {".tag": tag, tag: error} if error else {".tag": tag}
    return Reply(status, {"error_summary": "/".join(tags) + "/..", "error": error})


@dataclass
class Entry:
    id: str
    path_display: str
    data: bytes | None  # None: a folder

    @property
    def path_lower(self) -> str:
        return self.path_display.lower()

    @property
    def name(self) -> str:
        return self.path_display.rsplit("/", 1)[-1]

    def metadata(self) -> dict[str, Any]:
        common = {
            "name": self.name,
            "id": self.id,
            "path_lower": self.path_lower,
            "path_display": self.path_display,
        }
        if self.data is None:
            return {".tag": "folder", **common}
        return {
            ".tag": "file",
            **common,
            "size": len(self.data),
            "rev": secrets.token_hex(8),  # changes with every answer: not a content version
            "content_hash": content_hash(self.data),
            "is_downloadable": True,
        }


@dataclass
class FakeDropbox(FakeOAuthProvider):
    clients: dict[str, str] = field(default_factory=lambda: dict([DROPBOX_CLIENT]))
    signed_in_as: str = DROPBOX_ACCOUNT
    page_size: int = 3  # entries per page of a listing, small to prove paging
    entries: dict[str, Entry] = field(default_factory=dict)  # by path_lower
    log: list[tuple[str, str]] = field(default_factory=list)  # (path_lower, "put"/"delete")
    epoch: int = 0
    denied: set[str] = field(default_factory=set)  # path_lower the account may not read
    throttled: bool = False
    read_only: bool = False  # the app was granted files.content.read, not .write

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.signed_in_as = DROPBOX_ACCOUNT
            self.page_size = 3
            self.entries.clear()
            self.log.clear()
            self.denied.clear()
            self.throttled = False
            self.read_only = False
            self.epoch += 1

    # --- what a user does in their Dropbox -------------------------------------------------

    def _folders_to(self, path: str) -> None:
        parts = path.strip("/").split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            display = "/" + "/".join(parts[:depth])
            if display.lower() not in self.entries:
                self.entries[display.lower()] = Entry(
                    f"id:{secrets.token_urlsafe(12)}", display, None
                )
                self.log.append((display.lower(), "put"))

    def _cased(self, path: str) -> str:
        """``path`` with its parent folder as cased in the tree (as Dropbox displays it)."""
        parent, _slash, name = path.rpartition("/")
        found = self.entries.get(parent.lower())
        return f"{found.path_display if found else parent}/{name}"

    def put(self, path: str, data: bytes) -> str:
        """Add or change the file at ``path`` (its folders created); its id."""
        with self.lock:
            self._folders_to(path)
            found = self.entries.get(path.lower())
            new_id = found.id if found else f"id:{secrets.token_urlsafe(12)}"
            entry = Entry(new_id, self._cased(path), data)
            self.entries[path.lower()] = entry
            self.log.append((path.lower(), "put"))
            return entry.id

    def mkdir(self, path: str) -> None:
        with self.lock:
            self._folders_to(path + "/x")

    def delete(self, path: str) -> None:
        """Delete the file or folder at ``path`` (and what is under it)."""
        with self.lock:
            gone = path.lower()
            for key in [k for k in self.entries if k == gone or k.startswith(gone + "/")]:
                del self.entries[key]
                self.log.append((key, "delete"))

    def move(self, source: str, target: str) -> None:
        """Move or rename a file or folder: the same ids at the new paths."""
        with self.lock:
            self._move(source.lower(), target)

    def _move(self, source: str, target: str) -> Entry:
        self._folders_to(target)
        target = self._cased(target)
        moved = None
        for key in sorted(k for k in self.entries if k == source or k.startswith(source + "/")):
            entry = self.entries.pop(key)
            self.log.append((key, "delete"))
            entry.path_display = target + entry.path_display[len(source) :]
            self.entries[entry.path_lower] = entry
            self.log.append((entry.path_lower, "put"))
            moved = moved or entry
        if moved is None:
            raise _error(409, "from_lookup", "not_found")
        return moved

    def reset_cursors(self) -> None:
        """Dropbox no longer honours the cursors it gave (409 ``reset``)."""
        with self.lock:
            self.epoch += 1

    def api_requests(self) -> int:
        """Requests to the files API (listing, metadata, download, move), sign-in left out."""
        with self.lock:
            return sum(n for route, n in self.requests.items() if "/2/files/" in route)

    # --- HTTP -----------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, object, dict[str, str]]:
        if path == "/oauth2/authorize":
            status, data, extra = super().handle(method, "/authorize", query, headers, body)
            if isinstance(data, str):
                data = data.replace('action="/authorize"', 'action="/oauth2/authorize"')
            return status, data, extra
        if path == "/oauth2/token" and method == "POST":
            status, data, extra = super().handle(method, "/token", query, headers, body)
            assert isinstance(data, dict)
            data.pop("id_token", None)  # only with the openid scope, which we don't ask
            data["account_id"] = "dbid:" + hashlib.sha256(self.signed_in_as.encode()).hexdigest()
            return status, data, extra
        self.requests[f"{method} {path}"] += 1
        if method != "POST" or not path.startswith("/2/"):
            raise Reply(404, "Not found")
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        with self.lock:
            found = self.access_tokens.get(token)
        if found is None or found[0].revoked:
            raise _error(401, "invalid_access_token")
        grant = found[0]
        if self._live(token) is None:
            raise _error(401, "expired_access_token")
        if self.throttled:
            raise Reply(
                429,
                {"error_summary": "too_many_requests/..", "error": {".tag": "too_many_requests"}},
                {"Retry-After": "30"},
            )
        route = path.removeprefix("/2/")
        if self.read_only and route in ("files/create_folder_v2", "files/move_v2"):
            raise _error(401, "missing_scope")  # Dropbox: required_scope files.content.write
        if route == "auth/token/revoke":
            with self.lock:
                grant.revoked = True
            return 200, None, {}
        if route == "users/get_current_account":
            return 200, self.account(grant.email), {}
        if route == "files/download":
            arguments = json.loads(headers.get("Dropbox-API-Arg") or "{}")
        else:
            arguments = json.loads(body or b"null") or {}
        with self.lock:
            if route == "files/download":
                entry = self._entry(str(arguments.get("path", "")), "path")
                if entry.data is None:
                    raise _error(409, "path", "not_file")
                result = json.dumps(entry.metadata())
                return 200, entry.data, {"Dropbox-API-Result": result}
            handler = {
                "files/list_folder": self.list_folder,
                "files/list_folder/continue": self.list_folder_continue,
                "files/get_metadata": self.get_metadata,
                "files/create_folder_v2": self.create_folder,
                "files/move_v2": self.move_v2,
            }.get(route)
            if handler is None:
                raise Reply(400, f"Unknown API function: {route}")
            return 200, handler(arguments), {}

    def account(self, email: str) -> dict[str, Any]:
        return {
            "account_id": "dbid:" + hashlib.sha256(email.encode()).hexdigest()[:40],
            "name": {"display_name": "Boekhouding"},
            "email": email,
            "email_verified": True,
            "disabled": False,
        }

    def _entry(self, path: str, tag: str) -> Entry:
        """The entry at ``path`` ("/a/b" or "id:…"), else 409 ``{tag}/not_found``."""
        if path.startswith("id:"):
            entry = next((e for e in self.entries.values() if e.id == path), None)
        else:
            entry = self.entries.get(path.lower())
        if entry is None:
            raise _error(409, tag, "not_found")
        self._check_access(entry.path_lower, tag)
        return entry

    def _check_access(self, path_lower: str, tag: str) -> None:
        for denied in self.denied:
            if path_lower == denied or path_lower.startswith(denied + "/"):
                raise _error(409, tag, "no_permission")

    def _folder(self, path: str) -> str:
        """The path_lower of the folder ``path`` names ("" for the root)."""
        if path in ("", "/"):
            return ""
        entry = self._entry(path, "path")
        if entry.data is not None:
            raise _error(409, "path", "not_folder")
        return entry.path_lower

    @staticmethod
    def _under(path_lower: str, folder: str, recursive: bool) -> bool:
        if not path_lower.startswith(folder + "/"):
            return False
        return recursive or "/" not in path_lower[len(folder) + 1 :]

    def _cursor(self, **state: Any) -> str:
        return base64.urlsafe_b64encode(
            json.dumps({**state, "epoch": self.epoch}).encode()
        ).decode()

    def _page(self, entries: list[dict[str, Any]], state: dict[str, Any]) -> dict[str, Any]:
        offset = state.get("offset", 0)
        page = entries[offset : offset + self.page_size]
        has_more = offset + self.page_size < len(entries)
        if has_more:
            cursor = self._cursor(**{**state, "offset": offset + self.page_size})
        else:  # from now on, what changes after this point of the log
            cursor = self._cursor(
                folder=state["folder"], recursive=state["recursive"], seq=len(self.log), offset=0
            )
        return {"entries": page, "cursor": cursor, "has_more": has_more}

    def list_folder(self, arguments: dict[str, Any]) -> dict[str, Any]:
        folder = self._folder(str(arguments.get("path", "")))
        recursive = bool(arguments.get("recursive"))
        entries = [
            e.metadata()
            for key, e in sorted(self.entries.items())
            if self._under(key, folder, recursive)
        ]
        state = {"folder": folder, "recursive": recursive, "listing": True, "offset": 0}
        return self._page(entries, state)

    def list_folder_continue(self, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            state = json.loads(base64.urlsafe_b64decode(str(arguments.get("cursor", ""))))
        except ValueError:
            raise _error(400, "bad_cursor") from None
        if state.get("epoch") != self.epoch:
            raise _error(409, "reset")
        folder = state["folder"]
        if folder and folder not in self.entries:
            raise _error(409, "path", "not_found")
        self._check_access(folder, "path")
        if state.get("listing"):
            entries = [
                e.metadata()
                for key, e in sorted(self.entries.items())
                if self._under(key, folder, state["recursive"])
            ]
            return self._page(entries, state)
        changes: list[dict[str, Any]] = []
        for key, what in self.log[state["seq"] :]:
            if not self._under(key, folder, state["recursive"]):
                continue
            entry = self.entries.get(key)
            if what == "delete" or entry is None:
                changes.append(
                    {
                        ".tag": "deleted",
                        "name": key.rsplit("/", 1)[-1],
                        "path_lower": key,
                        "path_display": key,
                    }
                )
            else:
                changes.append(entry.metadata())
        return self._page(changes, state)

    def get_metadata(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return self._entry(str(arguments.get("path", "")), "path").metadata()

    def create_folder(self, arguments: dict[str, Any]) -> dict[str, Any]:
        path = str(arguments.get("path", ""))
        found = self.entries.get(path.lower())
        if found is not None:
            raise _error(409, "path", "conflict", "folder" if found.data is None else "file")
        self._folders_to(path + "/x")
        return {"metadata": self.entries[path.lower()].metadata()}

    def move_v2(self, arguments: dict[str, Any]) -> dict[str, Any]:
        source = self._entry(str(arguments.get("from_path", "")), "from_lookup")
        target = str(arguments.get("to_path", ""))
        if target.lower() in self.entries:
            if not arguments.get("autorename"):
                raise _error(409, "to", "conflict", "file")
            stem, dot, extension = target.rpartition(".")
            stem, extension = (stem, dot + extension) if dot else (target, "")
            number = 1
            while f"{stem} ({number}){extension}".lower() in self.entries:
                number += 1
            target = f"{stem} ({number}){extension}"
        return {"metadata": self._move(source.path_lower, target).metadata()}


class Server(LoopbackServer):
    """A ``FakeDropbox`` on ``127.0.0.1`` (a free port), in a thread: its sign-in at
    ``/oauth2/…``, its API (and content) routes at ``/2/…``."""

    def __init__(self, fake: FakeDropbox | None = None):
        super().__init__()
        self.fake = fake or FakeDropbox()
        self.fake.base_url = self.url

    def answer(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Answer:
        params = parse_qs(query, keep_blank_values=True)
        return self.fake.handle(method, path, params, headers, body)


def configure(settings: Any, server: Server) -> None:
    """Point the DROPBOX_* settings at ``server``."""
    settings.DROPBOX_CLIENT_ID, settings.DROPBOX_CLIENT_SECRET = DROPBOX_CLIENT
    settings.DROPBOX_AUTH_URL = f"{server.url}/oauth2/authorize"
    settings.DROPBOX_TOKEN_URL = f"{server.url}/oauth2/token"
    settings.DROPBOX_API_URL = f"{server.url}/2"
    settings.DROPBOX_CONTENT_URL = f"{server.url}/2"
