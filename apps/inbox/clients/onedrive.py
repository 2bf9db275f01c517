"""OneDrive and SharePoint document libraries, through Microsoft Graph (v1.0), with requests.

A folder's location is ``<drive-id>/<item-id>``, so the user's own OneDrive and the libraries
of SharePoint sites are addressed alike (``root`` stands for a drive's top folder). A file's
``id`` is ``<drive-id>/<item-id>`` too; its ``etag`` is its content hash (``quickXorHash``,
else ``sha1Hash``), else its ``cTag``: the version of the content, which a move or a rename
leaves alone (the ``eTag`` would change).

Changes come from the drive's delta query (``GET /drives/{d}/root/delta``). Delta works on
a drive's root only (OneDrive for Business and SharePoint refuse it on other folders), and
its items carry their parent's id but not its path. So the cursor (opaque JSON) keeps the
``@odata.deltaLink`` and the folders under the chosen one (id -> name, parent id): enough to
tell which changed files are under the folder, and their paths. A folder that comes into it
with files already inside (moved in) is listed once, since the feed names only the folder.
A feed Graph no longer honours (410 Gone, ``resyncRequired``) starts again from scratch; the
scan knows files by id and reads none twice.

Every call goes through the outgoing-connection guard with a timeout, a bounded answer and
no redirect followed blindly. ``/content`` answers 302 to a pre-authenticated download
address: it is followed once, through the guard, without the bearer token. Failures come out
as one ``InboxError``: 401 ``wrong_password`` (the scan renews the token once), 403
``forbidden``, a missing folder ``cloud_folder_missing``, 429/503 ``rate_limited`` (with the
``Retry-After`` seconds as ``retry_after``).
"""

import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from apps.core.outbound import guarded_session
from apps.inbox.clients import Changes, FileGone, RemoteFile, RemoteFolder
from apps.inbox.clients.http import answer_read, file_read, request_errors, retry_after_seconds
from apps.inbox.errors import InboxError

CONNECT_SECONDS = 10
ANSWER_BYTES = 8 * 1024 * 1024  # one page of JSON
MAX_PAGES = 2_000  # of a delta round or a listing (200 items a page at most)
MAX_SITES = 50  # followed SharePoint sites offered in the folder browser
MAX_NEW_FOLDERS = 500  # folders listed in one round because they came in with their files
ITEM_FIELDS = "id,name,size,cTag,file,folder,root,deleted,parentReference"
KEPT = ITEM_FIELDS.split(",")  # of each item of a delta round (a whole drive, the first time)
_ID = re.compile(r"^[A-Za-z0-9!_.\-]{1,200}$")
CURSOR_VERSION = 1


def _split(location: str) -> tuple[str, str]:
    drive, _, item = location.strip().partition("/")
    if not (_ID.match(drive) and _ID.match(item)):
        raise InboxError("cloud_folder_missing", folder=location)
    return drive, item


def _path_of(item: dict[str, Any]) -> str:
    """An item's path from its drive's root, from a (non-delta) answer: "/Invoices/2026"."""
    if "root" in item:
        return "/"
    parent = str((item.get("parentReference") or {}).get("path") or "")
    _, colon, below = parent.partition(":")
    parent_path = below if colon else ""
    return (parent_path.rstrip("/") or "") + "/" + str(item.get("name") or "")


def _etag(item: dict[str, Any]) -> str:
    hashes = (item.get("file") or {}).get("hashes") or {}
    return str(hashes.get("quickXorHash") or hashes.get("sha1Hash") or item.get("cTag") or "")


def _error_code(data: object) -> str:
    error = data.get("error") if isinstance(data, dict) else None
    return str(error.get("code") or "") if isinstance(error, dict) else ""


class OneDriveClient:
    def __init__(self, *, url: str, username: str, secret: str, timeout: float):
        # Graph's address is ours (settings), never a user's: ``url`` is not used
        self.base = settings.MICROSOFT_GRAPH_URL.rstrip("/")
        origin = urlsplit(self.base)
        self.origin = (origin.scheme, origin.netloc)
        self.session = guarded_session()
        self.session.headers["Authorization"] = f"Bearer {secret}"
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "OkiOki document collector"
        self.timeout = (min(CONNECT_SECONDS, timeout), timeout)

    # --- requests ------------------------------------------------------------------------------

    def _url(self, path_or_link: str) -> str:
        """A path under Graph, or a link Graph gave (next page, delta): only on Graph itself,
        since the bearer token goes with it."""
        if not path_or_link.startswith(("http://", "https://")):
            return self.base + path_or_link
        parts = urlsplit(path_or_link)
        if (parts.scheme, parts.netloc) != self.origin:
            raise InboxError("protocol", detail="a link to another host than Microsoft Graph")
        return path_or_link

    def _send(
        self, method: str, url: str, *, session: requests.Session | None = None, **kwargs: Any
    ) -> requests.Response:
        with request_errors(lost="connection_lost"):
            return (session or self.session).request(
                method, url, timeout=self.timeout, allow_redirects=False, stream=True, **kwargs
            )

    def _call(
        self,
        method: str,
        path_or_link: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        missing: str = "",
    ) -> tuple[int, Any]:
        """One JSON call: (status, answer) for 2xx, 404, 409 and 410; ``InboxError`` otherwise
        (``missing``: the folder a 404 is about, raised as ``cloud_folder_missing``)."""
        response = self._send(method, self._url(path_or_link), params=params, json=body)
        raw = answer_read(response, ANSWER_BYTES)
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        status = response.status_code
        self._raise_for(response)
        if status == 404 and missing:
            raise InboxError("cloud_folder_missing", folder=missing)
        if status in (404, 409, 410) or 200 <= status < 300:
            return status, data
        raise InboxError("http_error", status=status)

    @staticmethod
    def _raise_for(response: requests.Response) -> None:
        status = response.status_code
        if status == 401:
            raise InboxError("wrong_password")
        if status == 403:
            raise InboxError("forbidden")
        if status in (429, 503, 509):
            seconds = retry_after_seconds(response.headers.get("Retry-After"))
            raise InboxError("rate_limited", provider="Microsoft", retry_after=seconds)

    def _pages(self, path: str, params: dict[str, str], *, missing: str) -> list[dict[str, Any]]:
        """Every item of a listing, following ``@odata.nextLink``."""
        items: list[dict[str, Any]] = []
        link: str | None = path
        for _page in range(MAX_PAGES):
            if link is None:
                break
            status, data = self._call(
                "GET", link, params=params if link == path else None, missing=missing
            )
            if status != 200 or not isinstance(data, dict):
                raise InboxError("protocol", detail=f"HTTP {status}")
            items.extend(v for v in data.get("value") or [] if isinstance(v, dict))
            next_link = data.get("@odata.nextLink")
            link = next_link if isinstance(next_link, str) else None
        return items

    def _item(self, drive: str, item: str, *, missing: str) -> dict[str, Any]:
        _status, data = self._call(
            "GET",
            f"/drives/{quote(drive)}/items/{quote(item)}",
            params={"$select": ITEM_FIELDS},
            missing=missing,
        )
        if not isinstance(data, dict) or not ("folder" in data or "root" in data):
            raise InboxError("cloud_folder_missing", folder=missing)
        return data

    # --- CloudClient ---------------------------------------------------------------------------

    def check(self, folder: str) -> None:
        drive, item = _split(folder)
        self._item(drive, item, missing=folder)

    def folders(self, parent: str = "") -> list[RemoteFolder]:
        if not parent:
            return self._drives()
        drive, item = _split(parent)
        prefix = self._drive_label(drive)
        children = self._pages(
            f"/drives/{quote(drive)}/items/{quote(item)}/children",
            # $filter on children is not supported by OneDrive for Business: folders are
            # picked here
            {"$select": "id,name,folder,parentReference", "$top": "200"},
            missing=parent,
        )
        found = [
            RemoteFolder(
                location=f"{drive}/{child['id']}",
                name=str(child.get("name") or ""),
                path=prefix + _path_of(child),
            )
            for child in children
            if "folder" in child and child.get("id")
        ]
        return sorted(found, key=lambda f: f.name.lower())

    def _drives(self) -> list[RemoteFolder]:
        """The user's OneDrive, then the document libraries of the SharePoint sites they
        follow (none for a personal Microsoft account, which has no sites)."""
        _status, mine = self._call("GET", "/me/drive", params={"$select": "id,name,driveType"})
        found = []
        if isinstance(mine, dict) and mine.get("id"):
            found.append(RemoteFolder(location=f"{mine['id']}/root", name="OneDrive", path="/"))
        try:
            sites = self._pages("/me/followedSites", {"$select": "id,displayName,name"}, missing="")
        except InboxError as error:
            # a personal account has no sites; a user may not have allowed reading them
            if error.code in ("http_error", "protocol", "forbidden"):
                return found
            raise
        libraries = []
        for site in sites[:MAX_SITES]:
            try:
                drives = self._pages(
                    f"/sites/{quote(str(site.get('id') or ''), safe=',')}/drives",
                    {"$select": "id,name,driveType"},
                    missing="",
                )
            except InboxError as error:
                if error.code in ("http_error", "protocol", "forbidden"):
                    continue  # a site followed but not readable: the others still count
                raise
            site_name = str(site.get("displayName") or site.get("name") or "")
            for drive in drives:
                if not drive.get("id"):
                    continue
                name = site_name if len(drives) == 1 else f"{site_name} - {drive.get('name')}"
                label = f"{name} (SharePoint)"
                libraries.append(
                    RemoteFolder(location=f"{drive['id']}/root", name=label, path=label)
                )
        return found + sorted(libraries, key=lambda f: f.name.lower())

    def _drive_label(self, drive: str) -> str:
        """How paths in a SharePoint library start in the browser ("Documents (SharePoint)")."""
        _status, data = self._call(
            "GET", f"/drives/{quote(drive)}", params={"$select": "id,name,driveType"}
        )
        if isinstance(data, dict) and data.get("driveType") == "documentLibrary":
            return f"{data.get('name')} (SharePoint)"
        return ""

    def changes(self, folder: str, cursor: str, *, exclude: str = "") -> Changes:
        drive, item = _split(folder)
        top = self._item(drive, item, missing=folder)  # gone or forbidden: said here
        root_id, root_path = str(top["id"]), _path_of(top).rstrip("/")
        state = self._load(cursor, drive, root_id)
        link = state.get("delta") or ""
        known: dict[str, list[str]] = state.get("folders") or {}
        fresh = not link
        round_items = self._delta_round(drive, link)
        if round_items is None:  # the feed was reset (410): from scratch, once
            fresh, known = True, {}
            round_items = self._delta_round(drive, "")
            if round_items is None:
                raise InboxError("http_error", status=410)
        items, delta_link = round_items

        # the folders under the chosen one, as they stand now
        folders = dict(known)
        for entry in items.values():
            if "folder" in entry or "root" in entry:
                if "deleted" in entry:
                    folders.pop(str(entry["id"]), None)
                else:
                    parent = str((entry.get("parentReference") or {}).get("id") or "")
                    folders[str(entry["id"])] = [str(entry.get("name") or ""), parent]
        paths = _paths(folders, root_id, root_path, exclude)
        folders = {key: value for key, value in folders.items() if key in paths}

        files: dict[str, RemoteFile] = {}
        for entry in items.values():
            parent = str((entry.get("parentReference") or {}).get("id") or "")
            if "file" in entry and "deleted" not in entry and parent in paths:
                files[str(entry["id"])] = self._remote(drive, entry, paths[parent])
        if not fresh:
            # a folder that came in (moved here, or new): its files may predate this round
            arrived = [key for key in folders if key not in known and key != root_id]
            for key in arrived[:MAX_NEW_FOLDERS]:
                self._list_into(drive, key, paths, folders, files, exclude, root_id)
        cursor = json.dumps(
            {
                "v": CURSOR_VERSION,
                "drive": drive,
                "root": root_id,
                "delta": delta_link,
                "folders": folders,
            },
            separators=(",", ":"),
        )
        return Changes(files=sorted(files.values(), key=lambda f: f.path), cursor=cursor)

    @staticmethod
    def _load(cursor: str, drive: str, root_id: str) -> dict[str, Any]:
        try:
            state = json.loads(cursor) if cursor else {}
        except ValueError:
            return {}
        if not isinstance(state, dict) or state.get("v") != CURSOR_VERSION:
            return {}
        if state.get("drive") != drive or state.get("root") != root_id:
            return {}  # another folder's cursor: start afresh
        return state

    def _delta_round(self, drive: str, link: str) -> tuple[dict[str, dict[str, Any]], str] | None:
        """The items changed since ``link`` (every item from ""), the last state of each,
        and the next delta link; None when Graph wants a resync (410)."""
        first: str | None = link or f"/drives/{quote(drive)}/root/delta"
        params = None if link else {"$select": ITEM_FIELDS}
        items: dict[str, dict[str, Any]] = {}
        for _page in range(MAX_PAGES):
            if first is None:
                break
            status, data = self._call("GET", first, params=params)
            params = None
            if status == 410:
                return None
            if status != 200 or not isinstance(data, dict):
                raise InboxError("protocol", detail=f"HTTP {status}")
            for entry in data.get("value") or []:
                if isinstance(entry, dict) and entry.get("id"):
                    # an item may come more than once in a round: the last one counts
                    items[str(entry["id"])] = {k: entry[k] for k in KEPT if k in entry}
            next_link, delta_link = data.get("@odata.nextLink"), data.get("@odata.deltaLink")
            if isinstance(delta_link, str):
                return items, delta_link
            first = next_link if isinstance(next_link, str) else None
        raise InboxError("protocol", detail="the change feed did not end")

    def _list_into(
        self,
        drive: str,
        start: str,
        paths: dict[str, str],
        folders: dict[str, list[str]],
        files: dict[str, RemoteFile],
        exclude: str,
        root_id: str,
    ) -> None:
        pending = [start]
        while pending and len(folders) < MAX_NEW_FOLDERS * 4:
            current = pending.pop()
            children = self._pages(
                f"/drives/{quote(drive)}/items/{quote(current)}/children",
                {"$select": ITEM_FIELDS, "$top": "200"},
                missing="",
            )
            for child in children:
                key = str(child.get("id") or "")
                if not key:
                    continue
                if "folder" in child:
                    name = str(child.get("name") or "")
                    if current == root_id and exclude and name.lower() == exclude.lower():
                        continue
                    if key not in folders:
                        folders[key] = [name, current]
                        paths[key] = f"{paths[current]}/{name}"
                        pending.append(key)
                elif "file" in child and key not in files:
                    files[key] = self._remote(drive, child, paths[current])

    @staticmethod
    def _remote(drive: str, entry: dict[str, Any], folder_path: str) -> RemoteFile:
        size = entry.get("size")
        return RemoteFile(
            path=f"{folder_path}/{entry.get('name') or ''}",
            etag=_etag(entry),
            size=size if isinstance(size, int) and size >= 0 else 0,
            id=f"{drive}/{entry['id']}",
        )

    def download(self, file: RemoteFile, *, max_bytes: int) -> bytes:
        drive, item = self._file(file)
        url = self._url(f"/drives/{quote(drive)}/items/{quote(item)}/content")
        response = self._send("GET", url)
        with response:
            if response.status_code in (301, 302, 303, 307, 308):
                target = response.headers.get("Location", "")
                response.close()
                return self._fetch(target, file, max_bytes)
            return self._body(response, file, max_bytes)

    def _fetch(self, target: str, file: RemoteFile, max_bytes: int) -> bytes:
        """The pre-authenticated download address Graph sent: https (or Graph's own scheme,
        for a local stand-in), through the guard, without our token, no further redirect."""
        if urlsplit(target).scheme not in {"https", self.origin[0]}:
            raise InboxError("protocol", detail="an unexpected download address")
        with guarded_session() as plain:
            plain.headers["User-Agent"] = "OkiOki document collector"
            with self._send("GET", target, session=plain) as response:
                return self._body(response, file, max_bytes)

    def _body(self, response: requests.Response, file: RemoteFile, max_bytes: int) -> bytes:
        if response.status_code in (404, 410):
            raise FileGone(file.path)
        self._raise_for(response)
        if response.status_code != 200:
            raise InboxError("http_error", status=response.status_code)
        return file_read(response, file, max_bytes)

    @staticmethod
    def _file(file: RemoteFile) -> tuple[str, str]:
        drive, _, item = file.id.partition("/")
        if not (_ID.match(drive) and _ID.match(item)):
            raise FileGone(file.path)
        return drive, item

    def move(self, file: RemoteFile, to_folder: str, *, folder: str) -> str:
        drive, item = self._file(file)
        folder_drive, folder_item = _split(folder)
        target = self._sub_folder(folder_drive, folder_item, to_folder, folder)
        status, data = self._call(
            "PATCH",
            f"/drives/{quote(drive)}/items/{quote(item)}",
            # a file of that name in the sub-folder already: Graph numbers the new one
            params={"@microsoft.graph.conflictBehavior": "rename"},
            body={"parentReference": {"id": target}, "name": file.name},
        )
        if status == 404:
            raise FileGone(file.path)
        if status != 200 or not isinstance(data, dict):
            raise InboxError("http_error", status=status)
        return _path_of(data)

    def _sub_folder(self, drive: str, parent: str, name: str, folder: str) -> str:
        """The id of the sub-folder ``name`` of ``parent``, created if missing."""
        path = f"/drives/{quote(drive)}/items/{quote(parent)}:/{quote(name)}"
        for _attempt in range(2):
            status, data = self._call("GET", path, params={"$select": "id,folder"})
            if status == 200 and isinstance(data, dict) and "folder" in data:
                return str(data["id"])
            if status == 200:
                raise InboxError("http_error", status=409)  # a file has the folder's name
            status, data = self._call(
                "POST",
                f"/drives/{quote(drive)}/items/{quote(parent)}/children",
                params={"@microsoft.graph.conflictBehavior": "fail"},
                body={"name": name, "folder": {}},
                missing=folder,
            )
            if status in (200, 201) and isinstance(data, dict) and data.get("id"):
                return str(data["id"])
        raise InboxError("http_error", status=409)


def _paths(
    folders: dict[str, list[str]], root_id: str, root_path: str, exclude: str
) -> dict[str, str]:
    """The path of every folder under the chosen one (itself included), the sub-folder
    ``exclude`` and what is in it left out. Walks up each folder's parents, with memory."""
    paths: dict[str, str] = {root_id: root_path}
    excluded: set[str] = set()
    for start in folders:
        chain: list[str] = []
        current = start
        while current not in paths and current not in excluded:
            entry = folders.get(current)
            if entry is None or current in chain or len(chain) > 100:
                break  # outside the chosen folder (or a loop: never trusted)
            chain.append(current)
            current = entry[1]
        if current in paths:
            for key in reversed(chain):
                name, parent = folders[key]
                if parent == root_id and exclude and name.lower() == exclude.lower():
                    excluded.add(key)
                    excluded.update(chain[: chain.index(key)])
                    break
                paths[key] = f"{paths[parent]}/{name}"
        else:
            excluded.update(chain)
    return paths
