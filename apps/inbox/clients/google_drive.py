"""Google Drive folders, with the Drive API v3 and the account's access token (OAuth2).

A folder's *location* is its file id (``root``: My Drive). Calls go through the outgoing
guard (``apps.core.outbound``), never follow a redirect, have a timeout and a bounded answer;
the API's address comes from settings (``GOOGLE_DRIVE_API_URL``), never from users.

How ``changes`` stays incremental: the first time (cursor ""), it takes a start page token
of the change feed (``changes.getStartPageToken``) and then walks the folder's tree with
``files.list`` (one query a folder, paged). After that, ``changes.list`` from the kept token
answers only what changed anywhere in the Drive; what is under the folder is told by the
folders the cursor remembers (id → parent and name, so a sub-folder renamed or moved keeps
its files' paths right). A folder moved in from elsewhere is walked (its files came with it
without a change of their own); one moved out or trashed is forgotten with what is under it.
A page token Drive no longer honours (400/404) starts afresh: the scan knows files by id and
reads none twice.

A file's ``etag`` is its ``md5Checksum``, the same when it is moved or renamed; Google Docs,
Sheets... (``application/vnd.google-apps.*``) have none and are not files to collect.
"""

import json
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext

from apps.core.outbound import guarded_session
from apps.inbox.clients import Changes, FileGone, RemoteFile, RemoteFolder
from apps.inbox.clients.http import answer_read, file_read, request_errors
from apps.inbox.errors import InboxError

FOLDER_TYPE = "application/vnd.google-apps.folder"
NATIVE_PREFIX = "application/vnd.google-apps."  # Docs, Sheets, shortcuts...: no bytes
FILE_FIELDS = "id,name,parents,md5Checksum,size,mimeType,trashed"
CHANGE_FIELDS = f"nextPageToken,newStartPageToken,changes(fileId,removed,file({FILE_FIELDS}))"
ANSWER_BYTES = 8 * 1024 * 1024  # a JSON answer (a page of 1,000 files is far less)
PAGE_SIZE = 1000  # Drive's largest page
MAX_FILES = 10_000  # in one answer; the cursor resumes where it stopped
MAX_FOLDERS = 2_000  # walked in a first listing
MAX_DEPTH = 30  # parents followed up to My Drive for a folder's path
CURSOR_VERSION = 1
SHARED_DRIVE_SUFFIX = " (shared drive)"


def _quoted(value: str) -> str:
    """A string literal of Drive's query language."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _is_folder(item: dict[str, Any]) -> bool:
    return item.get("mimeType") == FOLDER_TYPE


def _size(item: dict[str, Any]) -> int:
    try:
        return int(item.get("size") or 0)
    except (TypeError, ValueError):
        return 0


class GoogleDriveClient:
    def __init__(self, *, url: str = "", username: str = "", secret: str, timeout: float):
        # ``url``: a drive's address is Google's (settings), never one typed by a user
        self.base = settings.GOOGLE_DRIVE_API_URL.rstrip("/")
        self.session = guarded_session()
        self.session.headers["Authorization"] = f"Bearer {secret}"
        self.session.headers["User-Agent"] = "OkiOki document collector"
        self.timeout = timeout
        self.page_size = PAGE_SIZE
        self.paths: dict[str, str] = {}  # folder id → path, learnt by this client's calls

    # --- requests ------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        params = {**(params or {}), "supportsAllDrives": "true"}
        with request_errors():
            response = self.session.request(
                method,
                self.base + path,
                params=params,
                json=body,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
        if response.status_code == 401:
            # the access token was refused before its time: the scan renews it once
            response.close()
            raise InboxError("oauth_token_refused", provider="Google")
        if response.status_code == 403:
            reasons = self._reasons(response)
            if reasons & {"rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded"}:
                raise InboxError("http_error", status=429)
            raise InboxError("forbidden")
        if response.status_code == 429 or response.status_code >= 500:
            response.close()
            raise InboxError("http_error", status=response.status_code)
        if not stream:
            response._content = self._read(response)  # bounded, then ``.content`` is it
        return response

    def _read(self, response: requests.Response) -> bytes:
        return answer_read(response, ANSWER_BYTES)

    def _reasons(self, response: requests.Response) -> set[str]:
        """The ``reason`` of each error in Google's JSON error answer."""
        try:
            data = json.loads(self._read(response))
            errors = data["error"].get("errors") or []
            return {str(e.get("reason", "")) for e in errors if isinstance(e, dict)}
        except (InboxError, ValueError, KeyError, TypeError, AttributeError):
            return set()

    def _json(self, response: requests.Response) -> dict[str, Any]:
        if response.status_code != 200:
            raise InboxError("http_error", status=response.status_code)
        try:
            data = json.loads(response.content)
        except ValueError as error:
            raise InboxError("protocol", detail="not JSON") from error
        if not isinstance(data, dict):
            raise InboxError("protocol", detail="not a JSON object")
        return data

    def _folder(self, folder: str) -> dict[str, Any]:
        """The folder's metadata; ``cloud_folder_missing`` when it is gone, trashed, or no
        folder."""
        response = self._request(
            "GET", f"/files/{folder}", params={"fields": "id,name,parents,mimeType,trashed"}
        )
        if response.status_code == 404:
            raise InboxError("cloud_folder_missing", folder=self.paths.get(folder, folder))
        item = self._json(response)
        if item.get("trashed") or not _is_folder(item):
            raise InboxError("cloud_folder_missing", folder=self.paths.get(folder, folder))
        return item

    def _list(self, query: str, *, fields: str = FILE_FIELDS) -> list[dict[str, Any]]:
        """Every file ``query`` finds, page after page."""
        items: list[dict[str, Any]] = []
        params = {
            "q": query,
            "fields": f"nextPageToken,files({fields})",
            "pageSize": str(self.page_size),
            "includeItemsFromAllDrives": "true",
            "orderBy": "name",
        }
        while len(items) < MAX_FILES:
            data = self._json(self._request("GET", "/files", params=params))
            items.extend(i for i in data.get("files") or [] if isinstance(i, dict))
            token = data.get("nextPageToken")
            if not token:
                break
            params["pageToken"] = str(token)
        return items

    def _children(self, folder: str, *, folders_only: bool = False) -> list[dict[str, Any]]:
        query = f"{_quoted(folder)} in parents and trashed = false"
        if folders_only:
            query += f" and mimeType = {_quoted(FOLDER_TYPE)}"
        return self._list(query)

    def _path_of(self, item: dict[str, Any]) -> str:
        """The folder's path from the top of its drive, its parents followed up."""
        if item.get("id") in self.paths:
            return self.paths[str(item["id"])]
        names: list[str] = []
        current: dict[str, Any] | None = item
        for _depth in range(MAX_DEPTH):
            if current is None:
                break
            parents = current.get("parents") or []
            if not parents:
                break  # the top: My Drive (its name is not part of paths) or a shared drive
            names.append(str(current.get("name", "")))
            parent = str(parents[0])
            if parent in self.paths:
                base = self.paths[parent]
                return base.rstrip("/") + "/" + "/".join(reversed(names))
            response = self._request(
                "GET", f"/files/{parent}", params={"fields": "id,name,parents,driveId"}
            )
            current = self._json(response) if response.status_code == 200 else None
        return "/" + "/".join(reversed(names))

    # --- CloudClient ---------------------------------------------------------------------

    def check(self, folder: str) -> None:
        self._folder(folder or "root")

    def folders(self, parent: str = "") -> list[RemoteFolder]:
        if not parent:
            top = [RemoteFolder(location="root", name=gettext("My Drive"), path="/")]
            data = self._json(
                self._request(
                    "GET",
                    "/drives",
                    params={"pageSize": "100", "fields": "nextPageToken,drives(id,name)"},
                )
            )
            for drive in data.get("drives") or []:
                name = str(drive.get("name", ""))
                top.append(
                    RemoteFolder(
                        location=str(drive["id"]), name=name, path=name + SHARED_DRIVE_SUFFIX
                    )
                )
            return top
        base = self._path_of(self._folder(parent)).rstrip("/")
        return [
            RemoteFolder(location=str(item["id"]), name=str(item["name"]), path=f"{base}/{name}")
            for item in self._children(parent, folders_only=True)
            for name in [str(item.get("name", ""))]
        ]

    def changes(self, folder: str, cursor: str, *, exclude: str = "") -> Changes:
        folder = folder or "root"
        state = self._state(cursor, folder)
        if state is not None:
            found = self._changes_since(state, exclude)
            if found is not None:
                return found
        return self._everything(folder, exclude)

    def _state(self, cursor: str, folder: str) -> dict[str, Any] | None:
        try:
            state = json.loads(cursor) if cursor else None
        except ValueError:
            return None
        if (
            not isinstance(state, dict)
            or state.get("v") != CURSOR_VERSION
            or state.get("root") != folder
            or not isinstance(state.get("folders"), dict)
        ):
            return None
        return state

    def _everything(self, folder: str, exclude: str) -> Changes:
        """Every file under ``folder``, and a cursor at the change feed's present."""
        token = self._json(
            self._request("GET", "/changes/startPageToken", params={"fields": "startPageToken"})
        )["startPageToken"]
        top = self._folder(folder)
        root_id = str(top["id"])
        tree: dict[str, list[str]] = {root_id: ["", ""]}  # id → [parent, name]
        state = {"v": CURSOR_VERSION, "root": folder, "id": root_id, "path": "", "folders": tree}
        state["path"] = self._path_of(top) if folder != "root" else ""
        files: dict[str, RemoteFile] = {}
        pending = [root_id]
        while pending and len(tree) < MAX_FOLDERS:
            current = pending.pop()
            for item in self._children(current):
                if _is_folder(item):
                    tree[str(item["id"])] = [current, str(item.get("name", ""))]
                    if not self._excluded(state, str(item["id"]), exclude):
                        pending.append(str(item["id"]))
                else:
                    self._take(state, item, exclude, files)
        state["token"] = str(token)
        return self._answer(state, files)

    def _changes_since(self, state: dict[str, Any], exclude: str) -> Changes | None:
        """What changed since the cursor's page token; None when Drive no longer honours it."""
        self.paths.setdefault(state["root"], state["path"] or "/")
        self._folder(state["root"])  # gone, trashed or forbidden: said now
        files: dict[str, RemoteFile] = {}
        params = {
            "pageToken": str(state.get("token", "")),
            "fields": CHANGE_FIELDS,
            "pageSize": str(self.page_size),
            "includeItemsFromAllDrives": "true",
            "includeRemoved": "true",
            "spaces": "drive",
        }
        while True:
            response = self._request("GET", "/changes", params=params)
            if response.status_code in (400, 404):
                return None  # an invalid or expired page token: start afresh
            data = self._json(response)
            for change in data.get("changes") or []:
                if isinstance(change, dict):
                    self._apply(state, change, exclude, files)
            if data.get("newStartPageToken"):
                state["token"] = str(data["newStartPageToken"])
                break
            state["token"] = params["pageToken"] = str(data.get("nextPageToken") or "")
            if not state["token"]:
                raise InboxError("protocol", detail="changes without a next page")
            if len(files) >= MAX_FILES:
                break  # the rest next time, from this page
        return self._answer(state, files)

    def _apply(
        self,
        state: dict[str, Any],
        change: dict[str, Any],
        exclude: str,
        files: dict[str, RemoteFile],
    ) -> None:
        tree: dict[str, list[str]] = state["folders"]
        file_id = str(change.get("fileId", ""))
        item = change.get("file") if isinstance(change.get("file"), dict) else None
        if file_id == state["id"]:
            return  # the folder itself: checked before reading the feed
        parents = [str(p) for p in (item or {}).get("parents") or []]
        inside = next((p for p in parents if p in tree), None)
        gone = change.get("removed") or item is None or item.get("trashed") or inside is None
        if (item is not None and _is_folder(item)) or file_id in tree:
            if gone:
                self._forget(tree, file_id)
                return
            assert item is not None
            assert inside is not None
            is_new = file_id not in tree
            tree[file_id] = [inside, str(item.get("name", ""))]
            if is_new and not self._excluded(state, file_id, exclude):
                self._walk_in(state, file_id, exclude, files)  # moved in with its files
            return
        if not gone:
            assert item is not None
            self._take(state, item, exclude, files)

    def _walk_in(
        self, state: dict[str, Any], folder: str, exclude: str, files: dict[str, RemoteFile]
    ) -> None:
        tree: dict[str, list[str]] = state["folders"]
        pending = [folder]
        while pending and len(tree) < MAX_FOLDERS:
            current = pending.pop()
            for item in self._children(current):
                if _is_folder(item):
                    tree[str(item["id"])] = [current, str(item.get("name", ""))]
                    pending.append(str(item["id"]))
                else:
                    self._take(state, item, exclude, files)

    def _forget(self, tree: dict[str, list[str]], folder: str) -> None:
        """Forget ``folder`` and every folder under it."""
        tree.pop(folder, None)
        orphaned = True
        while orphaned:
            orphaned = False
            for folder_id, (parent, _name) in list(tree.items()):
                if parent and parent not in tree:
                    del tree[folder_id]
                    orphaned = True

    def _relative(self, state: dict[str, Any], folder: str) -> str:
        """The path of ``folder`` under the chosen folder ("" for itself)."""
        tree: dict[str, list[str]] = state["folders"]
        names: list[str] = []
        current = folder
        for _depth in range(len(tree) + 1):
            parent, name = tree.get(current, ["", ""])
            if not parent:
                break
            names.append(name)
            current = parent
        return "/".join(reversed(names))

    def _excluded(self, state: dict[str, Any], folder: str, exclude: str) -> bool:
        if not exclude:
            return False
        relative, skip = self._relative(state, folder), exclude.strip("/")
        return relative == skip or relative.startswith(skip + "/")

    def _take(
        self,
        state: dict[str, Any],
        item: dict[str, Any],
        exclude: str,
        files: dict[str, RemoteFile],
    ) -> None:
        """A file under the folder, unless it is excluded or a Google Docs-native file."""
        checksum = str(item.get("md5Checksum") or "")
        if not checksum or str(item.get("mimeType", "")).startswith(NATIVE_PREFIX):
            return
        parent = next((str(p) for p in item.get("parents") or [] if str(p) in state["folders"]), "")
        if not parent or self._excluded(state, parent, exclude):
            return
        relative = self._relative(state, parent)
        folder_path = state["path"].rstrip("/") + ("/" + relative if relative else "")
        path = f"{folder_path}/{item.get('name', '')}"
        files[str(item["id"])] = RemoteFile(
            path=path, etag=checksum, size=_size(item), id=str(item["id"])
        )

    def _answer(self, state: dict[str, Any], files: dict[str, RemoteFile]) -> Changes:
        for folder_id in state["folders"]:
            relative = self._relative(state, folder_id)
            self.paths[folder_id] = state["path"].rstrip("/") + ("/" + relative if relative else "")
        self.paths[state["root"]] = state["path"] or "/"
        return Changes(files=sorted(files.values(), key=lambda f: f.path), cursor=json.dumps(state))

    def download(self, file: RemoteFile, *, max_bytes: int) -> bytes:
        response = self._request("GET", f"/files/{file.id}", params={"alt": "media"}, stream=True)
        if response.status_code == 404:
            response.close()
            raise FileGone(file.path)
        if response.status_code != 200:
            response.close()
            raise InboxError("http_error", status=response.status_code)
        return file_read(response, file, max_bytes)

    def _sub_folder(self, folder: str, name: str) -> str:
        """The id of the sub-folder ``name`` of ``folder``, created if missing."""
        query = (
            f"{_quoted(folder)} in parents and name = {_quoted(name)} "
            f"and mimeType = {_quoted(FOLDER_TYPE)} and trashed = false"
        )
        found = self._list(query, fields="id,name")
        if found:
            return str(found[0]["id"])
        response = self._request(
            "POST",
            "/files",
            params={"fields": "id"},
            body={"name": name, "mimeType": FOLDER_TYPE, "parents": [folder]},
        )
        return str(self._json(response)["id"])

    def move(self, file: RemoteFile, to_folder: str, *, folder: str) -> str:
        """Drive allows two files of one name in a folder: no numbering needed."""
        target = self._sub_folder(folder or "root", to_folder.strip("/"))
        response = self._request("GET", f"/files/{file.id}", params={"fields": "id,parents"})
        if response.status_code == 404:
            raise FileGone(file.path)
        parents = [str(p) for p in self._json(response).get("parents") or []]
        response = self._request(
            "PATCH",
            f"/files/{file.id}",
            params={
                "addParents": target,
                "removeParents": ",".join(p for p in parents if p != target),
                "fields": "id,parents",
            },
            body={},
        )
        if response.status_code == 404:
            raise FileGone(file.path)
        self._json(response)
        base = self.paths.get(folder or "root", "").rstrip("/")
        return f"{base}/{to_folder.strip('/')}/{file.name}"
