"""Every HTTP client of the inbox (WebDAV, Google Drive, OneDrive, Dropbox, Graph mail) says a
failed request the same way. Real sockets on loopback: a plain-text server where TLS was
expected (no provider is needed, nothing gets that far), and the outgoing guard's refusal."""

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import requests

from apps.core.outbound import DestinationRefused
from apps.inbox.clients import cloud_client
from apps.inbox.clients.graph_mail import GraphMailClient
from apps.inbox.clients.http import request_errors, retry_after_seconds
from apps.inbox.errors import InboxError


@pytest.fixture
def not_tls() -> Iterator[int]:
    """A server that answers plain HTTP where a client expects TLS."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _cloud(provider: str) -> Callable[[str], None]:
    def call(base: str) -> None:
        client = cloud_client(provider, url=base, username="u", secret="s", timeout=5)
        client.check("/Facturen" if provider in ("webdav", "dropbox") else "drive/item")

    return call


def _graph_mail(base: str) -> None:
    GraphMailClient(token=lambda renew: "t", timeout=5, base_url=base).folder("INBOX")


CLIENTS = {
    "webdav": _cloud("webdav"),
    "google_drive": _cloud("google_drive"),
    "onedrive": _cloud("onedrive"),
    "dropbox": _cloud("dropbox"),
    "graph_mail": _graph_mail,
}


@pytest.fixture
def pointed_at(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True

    def point(base: str) -> str:
        settings.GOOGLE_DRIVE_API_URL = base
        settings.MICROSOFT_GRAPH_URL = base
        settings.DROPBOX_API_URL = base
        settings.DROPBOX_CONTENT_URL = base
        return base

    return point


@pytest.mark.parametrize("client", CLIENTS)
def test_every_client_names_a_failed_tls_handshake(client, not_tls, pointed_at):
    with pytest.raises(InboxError) as caught:
        CLIENTS[client](pointed_at(f"https://127.0.0.1:{not_tls}/v1"))
    assert caught.value.code == "tls_failed"


@pytest.mark.parametrize("client", CLIENTS)
def test_every_client_names_a_refused_destination(client, pointed_at, settings):
    base = pointed_at("https://127.0.0.1/v1")
    settings.OUTBOUND_ALLOW_PRIVATE = False
    with pytest.raises(InboxError) as caught:
        CLIENTS[client](base)
    assert caught.value.code == "not_allowed"


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (DestinationRefused("10.0.0.1"), "not_allowed"),
        (requests.exceptions.SSLError("bad certificate"), "tls_failed"),
        (requests.exceptions.ConnectTimeout("slow"), "timeout"),
        (requests.exceptions.ConnectionError("Failed to resolve 'x.invalid'"), "host_not_found"),
        (requests.exceptions.ConnectionError("Connection refused"), "refused"),
        (requests.exceptions.InvalidHeader("odd"), "protocol"),
    ],
)
def test_request_failures_map_to_one_code_each(failure, code):
    with pytest.raises(InboxError) as caught, request_errors():
        raise failure
    assert caught.value.code == code


def test_a_lost_connection_can_be_named_so():
    with pytest.raises(InboxError) as caught, request_errors(lost="connection_lost"):
        raise requests.exceptions.ConnectionError("Connection refused")
    assert caught.value.code == "connection_lost"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120),
        ("0", 1),
        ("999999", 3600),
        ("", 60),
        ("soon", 60),
        ("Wed, 21 Oct 2015 07:30:00 GMT", 1),  # in the past
    ],
)
def test_retry_after_is_read_and_bounded(header, seconds):
    assert retry_after_seconds(header) == seconds
