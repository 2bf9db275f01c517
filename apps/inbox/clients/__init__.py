"""Clients of the outside systems documents are collected from, one module per provider.

Cloud folders all speak ``CloudClient``: list the files under a folder, download one, move one
to a sub-folder. Adding Google Drive, OneDrive or Dropbox is a new module here that implements
it, an entry in ``CLOUD_CLIENTS`` and a ``CloudFolder.Provider`` choice; scanning, the pages
and the health display stay as they are.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RemoteFile:
    path: str  # from the root of the account, e.g. "/Invoices/2026/inv-1.pdf"
    etag: str
    size: int

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


class CloudClient(Protocol):
    def check(self, folder: str) -> None:
        """Raise ``InboxError`` unless ``folder`` can be listed."""

    def list_files(self, folder: str, *, exclude: str = "") -> list[RemoteFile]:
        """Every file under ``folder`` (sub-folders included, ``exclude`` left out)."""

    def download(self, path: str, *, max_bytes: int) -> bytes: ...

    def move(self, path: str, to_folder: str) -> str:
        """Move a file into ``to_folder`` (created if missing); returns its new path."""


def cloud_client(
    provider: str, *, url: str, username: str, secret: str, timeout: float
) -> CloudClient:
    factory = CLOUD_CLIENTS.get(provider)
    if factory is None:
        raise ValueError(f"Unknown cloud provider {provider!r}")
    return factory(url=url, username=username, secret=secret, timeout=timeout)


def _webdav(**kwargs: object) -> CloudClient:
    from apps.inbox.clients.webdav import WebDavClient

    return WebDavClient(**kwargs)  # type: ignore[arg-type]


CLOUD_CLIENTS: dict[str, Callable[..., CloudClient]] = {"webdav": _webdav}
