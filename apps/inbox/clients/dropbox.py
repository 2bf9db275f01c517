"""Dropbox folders, with the HTTP API v2 (https://www.dropbox.com/developers/documentation/http).

Every call is an RPC: a POST of JSON with the access token (bearer), answered in JSON; a
download is a POST to the content host with its argument in the ``Dropbox-API-Arg`` header.
A folder's location is its path (``path_lower``) or its id (``id:…``), both taken by Dropbox.

- ``changes``: the first time (``cursor`` ""), ``files/list_folder`` recursive from the folder,
  then ``files/list_folder/continue`` while ``has_more``; the last cursor is kept. Next time
  ``files/list_folder/continue`` with it answers only what changed (new, changed, deleted,
  moved: deleted here, new there). A cursor Dropbox no longer honours (409 ``reset``) starts
  again from the whole folder; the scan knows files by id and reads none twice.
- A file is known by its ``id`` (the same wherever it is moved); its version is its
  ``content_hash`` (the same when only moved or renamed, unlike ``rev``).
- Errors: 409 ``path/not_found`` → ``cloud_folder_missing``; a refused access token (401
  ``expired_access_token``, ``invalid_access_token``) → ``wrong_password`` (the scan gets a
  new token once); a missing scope, no permission → ``forbidden``; 429 → ``rate_limited`` (with
  the ``Retry-After`` seconds as ``retry_after``).

Every call goes through the outgoing-connection guard, has a timeout, never follows a
redirect, and its answer is bounded.
"""

import json
from typing import Any

import requests
from django.conf import settings

from apps.core.outbound import guarded_session
from apps.inbox.clients import Changes, FileGone, RemoteFile, RemoteFolder
from apps.inbox.clients.http import answer_read, file_read, request_errors, retry_after_seconds
from apps.inbox.errors import InboxError

ANSWER_BYTES = 8 * 1024 * 1024  # one page of a listing (Dropbox's are ~2,000 entries at most)
MAX_PAGES = 2_000  # of one listing: a feed that never ends stops here (resumes next scan)
MAX_FOLDERS = 2_000  # offered by the folder browser for one parent
TOKEN_REFUSED = {"expired_access_token", "invalid_access_token", "user_suspended"}
SCOPE_REFUSED = {"missing_scope", "route_access_denied", "invalid_account_type"}
NO_PERMISSION = {"no_permission", "restricted_content", "team_folder", "not_writable"}


class _Reset(Exception):
    """Dropbox no longer honours the cursor (``list_folder/continue``'s 409 ``reset``)."""


def _tags(data: object) -> list[str]:
    """The nested ``.tag`` of a Dropbox error: ``{"path": {"not_found"}}`` → [path, not_found]."""
    tags: list[str] = []
    error = data.get("error") if isinstance(data, dict) else None
    while isinstance(error, dict) and isinstance(error.get(".tag"), str):
        tag = error[".tag"]
        tags.append(tag)
        error = error.get(tag)
    if not tags and isinstance(data, dict) and isinstance(data.get("error_summary"), str):
        tags = [part for part in data["error_summary"].split("/") if part and part != "."]
    return tags


def _location(folder: str) -> str:
    """Dropbox's way of naming the folder: "" for the root, else "/a/b" or "id:…"."""
    folder = folder.strip()
    if folder.startswith(("id:", "ns:", "rev:")):
        return folder
    parts = [part for part in folder.replace("\\", "/").split("/") if part and part != "."]
    if ".." in parts:
        raise InboxError("cloud_folder_missing", folder=folder)
    return "/" + "/".join(parts) if parts else ""


def _file(entry: dict[str, Any]) -> RemoteFile:
    size = entry.get("size")
    return RemoteFile(
        path=str(entry.get("path_display") or entry.get("path_lower") or ""),
        etag=str(entry.get("content_hash") or entry.get("rev") or ""),
        size=size if isinstance(size, int) else 0,
        id=str(entry.get("id") or ""),
    )


class DropboxClient:
    def __init__(self, *, url: str = "", username: str = "", secret: str, timeout: float):
        # the endpoints are Dropbox's, from settings: never a user's ``url``
        self.api = settings.DROPBOX_API_URL.rstrip("/")
        self.content = settings.DROPBOX_CONTENT_URL.rstrip("/")
        self.session = guarded_session()
        self.session.headers["Authorization"] = f"Bearer {secret}"
        self.session.headers["User-Agent"] = "OkiOki document collector"
        self.timeout = timeout

    # --- requests ------------------------------------------------------------------------------

    def _post(self, url: str, **kwargs: Any) -> requests.Response:
        with request_errors():
            return self.session.post(
                url, timeout=self.timeout, allow_redirects=False, stream=True, **kwargs
            )

    def _body(self, response: requests.Response, limit: int = ANSWER_BYTES) -> Any:
        body = answer_read(response, limit)
        try:
            return json.loads(body) if body else None
        except ValueError:
            return None

    def _refused(self, response: requests.Response, data: object, folder: str) -> InboxError:
        """The ``InboxError`` of an answer that is not a success."""
        status, tags = response.status_code, _tags(data)
        if status == 401:
            if set(tags) & SCOPE_REFUSED:
                return InboxError("forbidden")
            return InboxError("wrong_password")  # expired, revoked: a new token, or sign in
        if status == 403 or set(tags) & NO_PERMISSION:
            return InboxError("forbidden")
        if status == 409 and "not_found" in tags:
            return InboxError("cloud_folder_missing", folder=folder)
        if status == 409 and "not_folder" in tags:
            return InboxError("cloud_folder_missing", folder=folder)
        if status == 429 or "too_many_requests" in tags or "too_many_write_operations" in tags:
            seconds = retry_after_seconds(response.headers.get("Retry-After"))
            return InboxError("rate_limited", provider="Dropbox", retry_after=seconds)
        if status == 409:
            summary = data.get("error_summary") if isinstance(data, dict) else ""
            return InboxError("protocol", detail=str(summary or "/".join(tags))[:200])
        return InboxError("http_error", status=status)

    def _rpc(self, endpoint: str, arguments: dict[str, Any], *, folder: str = "") -> Any:
        response = self._post(f"{self.api}/{endpoint}", json=arguments)
        data = self._body(response)
        if response.status_code == 409 and _tags(data)[:1] == ["reset"]:
            raise _Reset(endpoint)
        if response.status_code != 200:
            raise self._refused(response, data, folder)
        if not isinstance(data, dict):
            raise InboxError("protocol", detail=f"{endpoint}: not a JSON object")
        return data

    def _listing(self, first: dict[str, Any], folder: str) -> tuple[list[dict[str, Any]], str]:
        """Every entry of ``files/list_folder`` (``first``'s arguments) or of
        ``list_folder/continue`` (``first`` = {"cursor": …}), page after page; and the last
        cursor."""
        endpoint = "files/list_folder/continue" if "cursor" in first else "files/list_folder"
        data = self._rpc(endpoint, first, folder=folder)
        entries: list[dict[str, Any]] = []
        for _page in range(MAX_PAGES):
            entries.extend(e for e in data.get("entries") or [] if isinstance(e, dict))
            cursor = str(data.get("cursor") or "")
            if not data.get("has_more") or not cursor:
                break
            data = self._rpc("files/list_folder/continue", {"cursor": cursor}, folder=folder)
        return entries, cursor

    def _path_lower(self, location: str) -> str:
        """The folder's lower-case path ("" for the root): it is ``location`` unless that is an
        id, which Dropbox is asked about."""
        if not location.startswith(("id:", "ns:", "rev:")):
            return location.lower()
        data = self._rpc("files/get_metadata", {"path": location}, folder=location)
        return str(data.get("path_lower") or "")

    # --- CloudClient ---------------------------------------------------------------------------

    def check(self, folder: str) -> None:
        location = _location(folder)
        if not location:
            return  # the root is always there
        data = self._rpc("files/get_metadata", {"path": location}, folder=folder)
        if data.get(".tag") != "folder":
            raise InboxError("cloud_folder_missing", folder=folder)

    def folders(self, parent: str = "") -> list[RemoteFolder]:
        location = _location(parent)
        entries, _cursor = self._listing(
            {"path": location, "recursive": False, "include_deleted": False}, parent or "/"
        )
        found = [
            RemoteFolder(
                location=str(e.get("path_lower") or ""),
                name=str(e.get("name") or ""),
                path=str(e.get("path_display") or e.get("path_lower") or ""),
            )
            for e in entries
            if e.get(".tag") == "folder" and e.get("path_lower")
        ]
        return sorted(found, key=lambda f: f.name.lower())[:MAX_FOLDERS]

    def changes(self, folder: str, cursor: str, *, exclude: str = "") -> Changes:
        location = _location(folder)
        if cursor:
            try:
                entries, cursor = self._listing({"cursor": cursor}, folder)
            except _Reset:
                cursor = ""  # Dropbox reset the feed: everything again (known files by id)
        if not cursor:
            entries, cursor = self._listing(
                {"path": location, "recursive": True, "include_deleted": False}, folder
            )
        base = self._path_lower(location)
        skip = f"{base}/{exclude.strip('/').lower()}" if exclude.strip("/") else ""
        files: dict[str, RemoteFile] = {}
        for entry in entries:
            path = str(entry.get("path_lower") or "")
            if entry.get(".tag") == "deleted" and base and path == base:
                raise InboxError("cloud_folder_missing", folder=folder)
            if entry.get(".tag") != "file" or (
                skip and (path == skip or path.startswith(skip + "/"))
            ):
                continue
            remote = _file(entry)
            if remote.name.startswith("."):
                continue
            files[remote.key] = remote  # a file changed twice since the cursor: its last state
        return Changes(files=sorted(files.values(), key=lambda f: f.path), cursor=cursor)

    def download(self, file: RemoteFile, *, max_bytes: int) -> bytes:
        argument = json.dumps({"path": file.id or file.path})  # ASCII only, as the header wants
        response = self._post(
            f"{self.content}/files/download", headers={"Dropbox-API-Arg": argument}
        )
        if response.status_code != 200:
            data = self._body(response)
            error = self._refused(response, data, file.path)
            if error.code == "cloud_folder_missing":
                raise FileGone(file.path)
            raise error
        return file_read(response, file, max_bytes)

    def move(self, file: RemoteFile, to_folder: str, *, folder: str) -> str:
        location = _location(folder)
        base = self._path_lower(location) if location.startswith("id:") else location
        target = f"{base}/{to_folder.strip('/')}"
        try:
            self._rpc(
                "files/create_folder_v2", {"path": target, "autorename": False}, folder=target
            )
        except InboxError as error:
            if not str(error.params.get("detail", "")).startswith("path/conflict/folder"):
                raise  # a folder of that name is there already: fine
        name = file.name
        try:
            data = self._rpc(
                "files/move_v2",
                {
                    "from_path": file.id or file.path,
                    "to_path": f"{target}/{name}",
                    "autorename": True,
                },
                folder=file.path,
            )
        except InboxError as error:
            if error.code == "cloud_folder_missing":
                raise FileGone(file.path) from error
            raise
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        return str(metadata.get("path_display") or f"{target}/{name}")
