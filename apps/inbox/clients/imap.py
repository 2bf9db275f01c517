"""IMAP, with imapclient: connect, sign in, and read mail without changing it.

Folders are selected read-only and bodies fetched with ``BODY.PEEK[]``, so the user's read
flags stay as they were. Every failure comes out as one ``InboxError`` with a precise code.
"""

import contextlib
import imaplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from imapclient.tls import IMAP4_TLS

from apps.core.outbound import DestinationRefused, create_connection
from apps.inbox.errors import InboxError

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
HEAD_FIELDS = "MESSAGE-ID FROM SUBJECT DATE"


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    security: str  # ssl, starttls, plain
    username: str
    secret: str
    auth_method: str = "password"  # or xoauth2
    timeout: float = 30


@dataclass(frozen=True)
class FolderInfo:
    name: str
    uidvalidity: int
    uidnext: int
    exists: int


def as_inbox_error(error: BaseException) -> InboxError:
    """The one place that turns socket, TLS and IMAP failures into what we tell the user."""
    if isinstance(error, InboxError):
        return error
    if isinstance(error, DestinationRefused):
        return InboxError("not_allowed")
    if isinstance(error, LoginError):
        return InboxError("wrong_password")
    if isinstance(error, socket.gaierror):
        return InboxError("host_not_found")
    if isinstance(error, ConnectionRefusedError):
        return InboxError("refused")
    if isinstance(error, (TimeoutError, socket.timeout)):
        return InboxError("timeout")
    if isinstance(error, (ssl.SSLError, ssl.CertificateError)):
        return InboxError("tls_failed")
    if isinstance(error, (IMAPClientAbortError, ConnectionError, EOFError, OSError)):
        return InboxError("connection_lost")
    detail = str(error)[:200]
    if "authenticat" in detail.lower() or "login" in detail.lower():
        return InboxError("wrong_password")
    return InboxError("protocol", detail=detail)


class ImapConnection:
    """An open, signed-in IMAP session. Use ``imap_connect`` to get one."""

    def __init__(self, client: IMAPClient):
        self.client = client

    def select(self, folder: str) -> FolderInfo:
        try:
            if not self.client.folder_exists(folder):
                raise InboxError("folder_missing", folder=folder)
            info = self.client.select_folder(folder, readonly=True)
        except IMAPClientError as error:
            if isinstance(error, IMAPClientAbortError):
                raise as_inbox_error(error) from error
            raise InboxError("folder_missing", folder=folder) from error
        return FolderInfo(
            name=folder,
            uidvalidity=int(info.get(b"UIDVALIDITY", 0)),
            uidnext=int(info.get(b"UIDNEXT", 0)),
            exists=int(info.get(b"EXISTS", 0)),
        )

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above ``last_uid``, ascending. (``n:*`` always matches the newest message, even
        when it is below n, hence the filter.)"""
        uids = self.client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(uid for uid in uids if uid > last_uid)

    def heads(self, uids: list[int]) -> dict[int, tuple[int, bytes]]:
        """Size and a few headers of each message (Message-ID, From, Subject, Date), without
        downloading it."""
        rows = self.client.fetch(uids, ["RFC822.SIZE", f"BODY.PEEK[HEADER.FIELDS ({HEAD_FIELDS})]"])
        heads: dict[int, tuple[int, bytes]] = {}
        for uid, data in rows.items():
            head = next(
                (bytes(v or b"") for k, v in data.items() if bytes(k).startswith(b"BODY[HEADER")),
                b"",
            )
            heads[uid] = (int(data.get(b"RFC822.SIZE", 0)), head)
        return heads

    def bodies(self, uids: list[int]) -> dict[int, bytes]:
        rows = self.client.fetch(uids, ["BODY.PEEK[]"])
        return {uid: bytes(data.get(b"BODY[]", b"") or b"") for uid, data in rows.items()}

    def move(self, uids: list[int], folder: str, *, source: str) -> None:
        """Move messages to ``folder`` (created if missing). Needs a read-write selection."""
        try:
            folder = self.server_name(folder)
            if not self.client.folder_exists(folder):
                self.client.create_folder(folder)
            self.client.select_folder(source, readonly=False)
            if self.client.has_capability("MOVE"):
                self.client.move(uids, folder)
            else:
                self.client.copy(uids, folder)
                self.client.delete_messages(uids)
                if self.client.has_capability("UIDPLUS"):
                    self.client.uid_expunge(uids)
                else:
                    self.client.expunge()
        except (IMAPClientError, OSError) as error:
            raise as_inbox_error(error) from error

    def server_name(self, folder: str) -> str:
        """``OkiOki/Processed`` as this server writes it (its hierarchy delimiter may be '.')."""
        rows = self.client.list_folders(directory="", pattern="")
        delimiter = rows[0][1] if rows and rows[0][1] else b"/"
        if isinstance(delimiter, bytes):
            delimiter = delimiter.decode()
        return folder.replace("/", delimiter)

    def folder_names(self) -> list[str]:
        return [name for _flags, _delimiter, name in self.client.list_folders()]


def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class _GuardedIMAP4(imaplib.IMAP4):
    """imaplib's connection, through the outgoing-connection guard."""

    def __init__(self, host: str, port: int, timeout: float | None):
        self._timeout = timeout
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return create_connection(self.host, self.port, timeout or self._timeout)


class _GuardedIMAP4TLS(IMAP4_TLS):
    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = create_connection(self.host, self.port, timeout or self._timeout)
        # the name, not the address, for SNI and the certificate
        return (self.ssl_context or _ssl_context()).wrap_socket(sock, server_hostname=self.host)


class GuardedIMAPClient(IMAPClient):
    """IMAPClient whose connection goes to a vetted address only (``apps.core.outbound``)."""

    def _create_IMAP4(self) -> imaplib.IMAP4:
        timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            return _GuardedIMAP4TLS(self.host, self.port, self.ssl_context, timeout)
        return _GuardedIMAP4(self.host, self.port, timeout)


@contextmanager
def imap_connect(account: ImapAccount) -> Iterator[ImapConnection]:
    """Connect and sign in; always logs out. Raises ``InboxError``."""
    if account.security == "plain" and account.host.lower() not in LOCAL_HOSTS:
        raise InboxError("plain_not_allowed")
    client: IMAPClient | None = None
    try:
        client = GuardedIMAPClient(
            account.host,
            port=account.port,
            ssl=account.security == "ssl",
            ssl_context=_ssl_context() if account.security == "ssl" else None,
            timeout=account.timeout,
            use_uid=True,
        )
        if account.security == "starttls":
            client.starttls(_ssl_context())
        if account.auth_method == "xoauth2":
            client.oauth2_login(account.username, account.secret)
        else:
            client.login(account.username, account.secret)
    except Exception as error:
        _close(client)
        raise as_inbox_error(error) from error
    connection = ImapConnection(client)
    try:
        yield connection
    except InboxError:
        raise
    except (IMAPClientError, OSError, EOFError) as error:
        raise as_inbox_error(error) from error
    finally:
        _close(client)


def _close(client: Any) -> None:
    if client is None:
        return
    # the connection may be gone already: there is nothing left to save
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):
            client.shutdown()
