"""Clients of the outside systems documents are collected from, one module per provider.

Cloud folders all speak ``CloudClient``. A folder is addressed by its *location*: a path from
the root of the account for WebDAV and Dropbox, the provider's id for Google Drive and
OneDrive/SharePoint (``CloudFolder.location``). Adding a provider is a module here that
implements the protocol, an entry in ``CLOUD_CLIENTS`` and a ``CloudFolder.Provider`` choice;
scanning, the pages and the health display stay as they are.

How a scan uses it (``apps.inbox.scanning.cloud_folder_scan``): ``changes(location, cursor)``
gives the files that are new or changed since ``cursor`` and the cursor to keep for next
time. Drives with a change feed (Drive changes with a page token, Graph delta queries,
Dropbox ``list_folder/continue``) answer only what changed; a first call (``cursor=""``) or
a cursor the provider no longer honours answers every file under the folder, and the scan,
which knows each file by ``id`` (or by path where there is none) and its ``etag``, reads
nothing twice. WebDAV has no feed: it lists the folder each time and gives ``""`` back.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RemoteFile:
    path: str  # from the folder's account root, shown to users: "/Invoices/2026/inv-1.pdf"
    # The version of the file's *content*: a new one means a changed file, read again. It
    # must not change when the file is only moved or renamed (Drive md5Checksum, Graph cTag
    # or content hash, Dropbox content_hash; WebDAV's ETag).
    etag: str
    size: int
    # The provider's id of the file, the same wherever it is moved ("" for WebDAV, whose
    # files are known by path). Downloads and moves go by it where there is one.
    id: str = ""

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    @property
    def key(self) -> str:
        """How the scan knows the file from one pass to the next."""
        return self.id or self.path


@dataclass(frozen=True)
class RemoteFolder:
    """A folder offered in the folder browser."""

    location: str  # what the client takes as ``folder`` (see the module's docstring)
    name: str
    path: str  # shown to users: "/Invoices/2026", "Finance (SharePoint)/Invoices"


@dataclass(frozen=True)
class Changes:
    files: list[RemoteFile]  # new or changed since the cursor, now under the folder
    cursor: str  # give it back next time; "" for a client without a change feed


class FileGone(Exception):
    """The file went away between the listing and the download or move: skip it; if it
    comes back, the next listing offers it again."""


class FileTooLarge(Exception):
    """The download went past ``max_bytes``."""


class CloudClient(Protocol):
    def check(self, folder: str) -> None:
        """Raise ``InboxError`` unless ``folder`` can be read: ``cloud_folder_missing`` when it
        is gone, ``forbidden`` when the account may not read it (the scan pauses on both)."""

    def changes(self, folder: str, cursor: str, *, exclude: str = "") -> Changes:
        """Files under ``folder`` (sub-folders included, the sub-folder named ``exclude``
        left out) new or changed since ``cursor``; every file when ``cursor`` is ""."""

    def folders(self, parent: str = "") -> list[RemoteFolder]:
        """The sub-folders of ``parent`` for the folder browser; "" for the top (the root,
        or the drives and libraries the account can open)."""

    def download(self, file: RemoteFile, *, max_bytes: int) -> bytes:
        """The file's bytes; ``FileTooLarge`` past ``max_bytes``, ``FileGone`` if gone."""

    def move(self, file: RemoteFile, to_folder: str, *, folder: str) -> str:
        """Move ``file`` into the sub-folder ``to_folder`` of ``folder`` (created if missing,
        numbered if a file of that name is there); returns its new path."""


def cloud_client(
    provider: str, *, url: str, username: str, secret: str, timeout: float
) -> CloudClient:
    """The client of ``provider``; ``secret`` is the password (WebDAV) or the access token
    (drives signed in with OAuth2)."""
    factory = CLOUD_CLIENTS.get(provider)
    if factory is None:
        raise ValueError(f"Unknown cloud provider {provider!r}")
    return factory(url=url, username=username, secret=secret, timeout=timeout)


def _webdav(**kwargs: object) -> CloudClient:
    from apps.inbox.clients.webdav import WebDavClient

    return WebDavClient(**kwargs)  # type: ignore[arg-type]


def _dropbox(**kwargs: object) -> CloudClient:
    from apps.inbox.clients.dropbox import DropboxClient

    return DropboxClient(**kwargs)  # type: ignore[arg-type]


def _onedrive(**kwargs: object) -> CloudClient:
    from apps.inbox.clients.onedrive import OneDriveClient

    return OneDriveClient(**kwargs)  # type: ignore[arg-type]


def _google_drive(**kwargs: object) -> CloudClient:
    from apps.inbox.clients.google_drive import GoogleDriveClient

    return GoogleDriveClient(**kwargs)  # type: ignore[arg-type]


CLOUD_CLIENTS: dict[str, Callable[..., CloudClient]] = {
    "webdav": _webdav,
    "dropbox": _dropbox,
    "onedrive": _onedrive,
    "google_drive": _google_drive,
}
