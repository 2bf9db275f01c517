"""WebDAV folders (Nextcloud, ownCloud, many NAS and hosting providers), with requests.

PROPFIND (depth 1, walked down the sub-folders) lists files with their ETags; GET downloads;
MKCOL and MOVE file processed documents into a sub-folder. Answers are parsed with the hardened
XML parser. Every failure comes out as one ``InboxError``.
"""

from urllib.parse import quote, unquote, urlparse

import requests

from apps.core.outbound import guarded_session, normalise_url
from apps.core.xml import XMLRejected, parse_xml
from apps.inbox.clients import Changes, FileGone, FileTooLarge, RemoteFile, RemoteFolder
from apps.inbox.clients.http import request_errors
from apps.inbox.errors import InboxError

DAV = "{DAV:}"
PROPFIND_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<d:propfind xmlns:d="DAV:"><d:prop>'
    b"<d:resourcetype/><d:getetag/><d:getcontentlength/>"
    b"</d:prop></d:propfind>"
)
MAX_DEPTH = 6
MAX_FILES = 10_000


def _normalise(path: str) -> str:
    parts = [part for part in path.replace("\\", "/").split("/") if part and part != "."]
    if ".." in parts:
        raise InboxError("cloud_folder_missing", folder=path)
    return "/" + "/".join(parts)


def _numbered(name: str, attempt: int) -> str:
    """``inv.pdf``, then ``inv (2).pdf``, ``inv (3).pdf``…"""
    if attempt == 1:
        return name
    stem, dot, extension = name.rpartition(".")
    return f"{stem} ({attempt}).{extension}" if dot and stem else f"{name} ({attempt})"


class WebDavClient:
    def __init__(self, *, url: str, username: str, secret: str, timeout: float):
        self.base = normalise_url(url).rstrip("/")
        self.base_path = unquote(urlparse(self.base).path).rstrip("/")
        self.session = guarded_session()
        self.session.auth = (username, secret)
        self.session.headers["User-Agent"] = "OkiOki document collector"
        self.timeout = timeout

    # --- requests ------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.base + quote(_normalise(path))

    def _request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        with request_errors():
            response = self.session.request(
                method,
                self._url(path),
                timeout=self.timeout,
                allow_redirects=False,
                **kwargs,  # type: ignore[arg-type]
            )
        if response.status_code == 401:
            raise InboxError("wrong_password")
        if response.status_code == 403:
            raise InboxError("forbidden")
        return response

    def _propfind(self, folder: str) -> list[tuple[str, bool, str, int]]:
        response = self._request(
            "PROPFIND",
            folder,
            data=PROPFIND_BODY,
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        )
        if response.status_code == 404:
            raise InboxError("cloud_folder_missing", folder=folder)
        if response.status_code != 207:
            if response.status_code in (301, 302, 307, 308, 405, 501) or response.status_code < 300:
                raise InboxError("not_webdav")
            raise InboxError("http_error", status=response.status_code)
        try:
            root = parse_xml(response.content)
        except XMLRejected as error:
            raise InboxError("not_webdav") from error
        entries = []
        for item in root.iter(f"{DAV}response"):
            href = item.findtext(f"{DAV}href") or ""
            path = unquote(urlparse(href).path)
            if self.base_path and path.startswith(self.base_path):
                path = path[len(self.base_path) :]
            is_folder = item.find(f".//{DAV}resourcetype/{DAV}collection") is not None
            etag = (item.findtext(f".//{DAV}getetag") or "").strip().strip('"')
            try:
                size = int(item.findtext(f".//{DAV}getcontentlength") or 0)
            except ValueError:
                size = 0
            entries.append((_normalise(path), is_folder, etag, size))
        return entries

    # --- CloudClient ---------------------------------------------------------------------------

    def check(self, folder: str) -> None:
        self._propfind(_normalise(folder))

    def folders(self, parent: str = "") -> list[RemoteFolder]:
        start = _normalise(parent or "/")
        return sorted(
            (
                RemoteFolder(location=path, name=path.rsplit("/", 1)[-1], path=path)
                for path, is_folder, _etag, _size in self._propfind(start)
                if is_folder and path != start and not path.rsplit("/", 1)[-1].startswith(".")
            ),
            key=lambda f: f.name.lower(),
        )

    def changes(self, folder: str, cursor: str, *, exclude: str = "") -> Changes:
        """No change feed in WebDAV: every file, each time (the scan compares ETags)."""
        return Changes(files=self.list_files(folder, exclude=exclude), cursor="")

    def list_files(self, folder: str, *, exclude: str = "") -> list[RemoteFile]:
        start = _normalise(folder)
        skip = _normalise(f"{start}/{exclude}") if exclude else ""
        files: list[RemoteFile] = []
        pending = [(start, 0)]
        while pending and len(files) < MAX_FILES:
            current, depth = pending.pop()
            for path, is_folder, etag, size in self._propfind(current):
                if path == current or (skip and (path == skip or path.startswith(skip + "/"))):
                    continue
                if is_folder:
                    if depth + 1 < MAX_DEPTH:
                        pending.append((path, depth + 1))
                elif not path.rsplit("/", 1)[-1].startswith("."):
                    files.append(RemoteFile(path=path, etag=etag, size=size))
        return sorted(files, key=lambda f: f.path)

    def download(self, file: RemoteFile, *, max_bytes: int) -> bytes:
        response = self._request("GET", file.path, stream=True)
        if response.status_code == 404:
            raise FileGone(file.path)
        if response.status_code != 200:
            raise InboxError("http_error", status=response.status_code)
        chunks, total = [], 0
        for chunk in response.iter_content(1024 * 1024):
            total += len(chunk)
            if total > max_bytes:
                response.close()
                raise FileTooLarge(file.path)
            chunks.append(chunk)
        return b"".join(chunks)

    def move(self, file: RemoteFile, to_folder: str, *, folder: str) -> str:
        source = _normalise(file.path)
        target_folder = _normalise(f"{folder}/{to_folder}")
        response = self._request("MKCOL", target_folder)
        if response.status_code not in (201, 405):  # 405: it exists already
            raise InboxError("http_error", status=response.status_code)
        name = source.rsplit("/", 1)[-1]
        for attempt in range(1, 50):
            destination = f"{target_folder}/{_numbered(name, attempt)}"
            response = self._request(
                "MOVE", source, headers={"Destination": self._url(destination), "Overwrite": "F"}
            )
            if response.status_code in (201, 204):
                return destination
            if response.status_code == 404:
                raise FileGone(file.path)
            if response.status_code != 412:  # 412: a file of that name is there already
                raise InboxError("http_error", status=response.status_code)
        raise InboxError("http_error", status=412)
