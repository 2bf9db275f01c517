"""Real servers on loopback for the tests and benchmarks: Dovecot (IMAP), wsgidav (WebDAV) and
``SmtpSink`` (SMTP, aiosmtpd) for outgoing mail.

Each starts on a free port in its own temporary folder, and stops by PID. Missing software
fails the test in CI and skips it elsewhere (``require_program``). ``SmtpSink`` runs in a
thread of the test process instead: it keeps every message it accepts, can answer scripted
4xx/5xx replies, stall before DATA, and be stopped and started again on the same port. It has
no fixture here; a test module makes one::

    @pytest.fixture
    def smtp():
        with SmtpSink() as sink:
            yield sink
"""

import asyncio
import contextlib
import email
import email.policy
import errno
import functools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
NOBODY_UID = 65534
NOBODY_GID = 65534


def require_program(name: str, install: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else "")
    if not path:
        message = f"{name} is not installed ({install})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def _self_signed(root: Path) -> tuple[Path, Path]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = root / "cert.pem", root / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TokenServer:
    """The OAuth2 provider's token check that Dovecot asks about XOAUTH2 sign-ins (the real
    one is Google's or Microsoft's, which can't run here: faked at its HTTP boundary)."""

    VALID = "valid-oauth-token"

    def __init__(self) -> None:
        import json
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlparse

        valid = self.VALID

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, token: str) -> None:
                body = json.dumps({"active": token == valid, "username": "oauth-user"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._answer(parse_qs(urlparse(self.path).query).get("access_token", [""])[0])

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                self._answer(parse_qs(self.rfile.read(length).decode()).get("token", [""])[0])

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Dovecot:
    """A Dovecot IMAP server of our own: plain IMAP and IMAPS (self-signed) on free ports,
    password sign-in for every user and XOAUTH2 sign-in checked by a ``TokenServer``, or by
    the server at ``token_check`` (``/tokeninfo`` and ``/introspect``, e.g. the fake OAuth
    provider of tests/fakes/oauth_provider.py) whose ``username_attribute`` must be the
    user signing in."""

    PASSWORD = "secret-password"

    def __init__(self, token_check: str = "", username_attribute: str = "username") -> None:
        self.binary = require_program("dovecot", "apt-get install dovecot-imapd")
        self.root = Path(tempfile.mkdtemp(prefix="okioki-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.tls_port = free_port()
        (self.root / "home").mkdir()
        os.chown(self.root / "home", NOBODY_UID, NOBODY_GID)
        cert, key = _self_signed(self.root)
        self.tokens: TokenServer | None = None
        if not token_check:
            self.tokens = TokenServer()
            token_check = f"http://127.0.0.1:{self.tokens.port}"
        (self.root / "oauth2.conf.ext").write_text(
            f"tokeninfo_url = {token_check}/tokeninfo?access_token=\n"
            f"introspection_url = {token_check}/introspect\n"
            "introspection_mode = post\n"
            "force_introspection = yes\n"
            f"username_attribute = {username_attribute}\n"
            "active_attribute = active\n"
            "active_value = true\n"
        )
        self.config = self.root / "dovecot.conf"
        self.config.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = okioki-test-{self.port}
log_path = {self.root}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
first_valid_uid = {NOBODY_UID}
last_valid_uid = {NOBODY_UID}
mail_location = maildir:~/Maildir
mail_max_userip_connections = 200
auth_failure_delay = 0
shutdown_clients = yes
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {self.root}/oauth2.conf.ext
}}
passdb {{
  driver = static
  args = password={self.PASSWORD}
}}
userdb {{
  driver = static
  args = uid={NOBODY_UID} gid={NOBODY_GID} home={self.root}/home/%u
}}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Dovecot":
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends every child with it
        )
        wait_for_port(self.port)
        wait_for_port(self.tls_port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # stragglers (imap processes)
        self.process = None
        # a restarted Dovecot must find its port free again
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    time.sleep(0.05)
            except OSError:
                return

    def cleanup(self) -> None:
        self.stop()
        if self.tokens is not None:
            self.tokens.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self) -> tuple[str, str]:
        """A new, empty mailbox (Dovecot makes it at the first login); returns (user,
        password). Every user has the same password: any other one is wrong."""
        return f"u{uuid.uuid4().hex[:12]}@example.test", self.PASSWORD

    def client(self, user: str, password: str) -> Any:
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, password)
        return client

    def empty(self, user: str) -> None:
        """Delete every message and folder of ``user`` but an empty INBOX (for a mailbox a
        session-wide server shares between tests)."""
        from imapclient.exceptions import IMAPClientError

        client = self.client(user, self.PASSWORD)
        try:
            for _flags, _delimiter, name in sorted(client.list_folders(), reverse=True):
                if name == "INBOX":
                    client.select_folder(name)
                    client.delete_messages(client.search())
                    client.expunge()
                    continue
                # a parent only named by its children is gone with them
                with contextlib.suppress(IMAPClientError):
                    client.delete_folder(name)
        finally:
            client.logout()

    def append(
        self, user: str, password: str, messages: list[bytes], folder: str = "INBOX"
    ) -> None:
        client = self.client(user, password)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for message in messages:
                client.append(folder, message)
        finally:
            client.logout()


class WebDav:
    """A wsgidav server (cheroot) over a temporary folder, with basic auth."""

    def __init__(self, user: str = "cloud-user", password: str = "cloud-password") -> None:
        self.root = Path(tempfile.mkdtemp(prefix="okioki-webdav-"))
        self.user, self.password = user, password
        self.port = free_port()
        self.server: Any = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "WebDav":
        from cheroot import wsgi
        from wsgidav.wsgidav_app import WsgiDAVApp

        app = WsgiDAVApp(
            {
                # the same folder under /read-only/: an account that may read, not change
                "provider_mapping": {
                    "/read-only": {"root": str(self.root), "readonly": True},
                    "/": str(self.root),
                },
                "http_authenticator": {
                    "domain_controller": "wsgidav.dc.simple_dc.SimpleDomainController",
                    "accept_basic": True,
                    "accept_digest": False,
                    "default_to_digest": False,
                },
                "simple_dc": {"user_mapping": {"*": {self.user: {"password": self.password}}}},
                "verbose": 0,
                "logging": {"enable": False, "enable_loggers": []},
                "property_manager": True,
                "lock_storage": True,
            }
        )
        self.server = wsgi.Server(("127.0.0.1", self.port), app, numthreads=4)
        self.server.prepare()
        self.thread = threading.Thread(target=self.server.serve, daemon=True)
        self.thread.start()
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.thread is not None:
            self.thread.join(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def put(self, path: str, data: bytes) -> Path:
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target


@dataclass
class Received:
    """One message as the SMTP server got it: the envelope and the bytes of DATA as sent
    (lines end in CRLF, dot-stuffing undone)."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return cast(EmailMessage, email.message_from_bytes(self.data, policy=email.policy.default))


class _SinkHandler:
    """aiosmtpd's handler hooks (it looks them up by name), passing everything to the sink."""

    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.sink.rcpt_reply
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return self.sink._receive(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=bytes(envelope.original_content),
            )
        )


@functools.cache
def _sink_controller() -> Any:
    """The aiosmtpd classes of ``SmtpSink``, made at its first start (aiosmtpd takes 0.1 s to
    import, and most test modules never send mail)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class SinkSMTP(SMTP):
        """aiosmtpd's SMTP session, which the sink can hold at DATA before it answers 354
        (the handler's DATA hook only runs once the whole message has arrived)."""

        def __init__(self, handler: Any, sink: "SmtpSink", **kwargs: Any) -> None:
            super().__init__(handler, **kwargs)
            self.sink = sink

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self.sink._connections.add(self)

        def connection_lost(self, error: Exception | None) -> None:
            self.sink._connections.discard(self)
            super().connection_lost(error)

        async def smtp_DATA(self, arg: str) -> None:
            if self.envelope is not None and self.envelope.rcpt_tos and not arg:
                gate = self.sink._enter_stall()
                if gate is not None:
                    try:
                        # ends with release(), or is cancelled when the client goes away
                        while not gate.is_set():
                            await asyncio.sleep(0.01)
                    finally:
                        self.sink._leave_stall(gate)
            await super().smtp_DATA(arg)

    class SinkController(Controller):
        def __init__(self, sink: "SmtpSink") -> None:
            super().__init__(
                _SinkHandler(sink),
                hostname=sink.host,
                port=sink.port,
                server_hostname="smtp-sink.test",  # not socket.getfqdn(): it may ask DNS
                ready_timeout=5,
            )
            self.sink = sink

        def factory(self) -> SMTP:
            return SinkSMTP(self.handler, self.sink, **self.SMTP_kwargs)

        def _create_server(self) -> Any:
            # SO_REUSEADDR: a restart binds the same port although the last connections'
            # sockets are still in TIME_WAIT
            return self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=self.port, reuse_address=True
            )

    return SinkController


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback, in a thread of the test process, that keeps
    the messages it accepts.

    - ``messages`` and ``rejected``: copies of the lists of ``Received`` accepted and refused
      at the end of DATA; ``wait_for(count)`` waits for ``count`` accepted ones.
    - ``replies``: reply lines to give at the end of DATA, first one first, instead of
      accepting (``["451 4.3.0 try later"]``); a 2xx line accepts the message with that
      reply. Once it is empty every message is accepted with ``250 2.0.0 OK queued as <id>``.
    - ``rcpt_reply``: when set, every RCPT TO gets this reply (``"550 5.1.1 no such user"``).
    - ``stall_before_data()``: the next DATA command waits, without an answer, until
      ``release()`` or until the client goes away (nothing is stored then);
      ``wait_for_stalled()`` waits for a client to be stuck there, ``stalled`` counts them.
    - ``stop()`` closes the listener and every connection; ``start()`` again listens on the
      same port and keeps what was received before.
    """

    host = "127.0.0.1"

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.replies: list[str] = []
        self.rcpt_reply: str | None = None
        self._state = threading.Condition()
        self._messages: list[Received] = []
        self._rejected: list[Received] = []
        self._stall_armed = False
        self._gates: list[threading.Event] = []
        self._connections: set[Any] = set()  # SMTP sessions; only touched in the server's loop
        self._controller: Any = None

    def __enter__(self) -> "SmtpSink":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> "SmtpSink":
        if self._controller is not None:
            return self
        deadline = time.monotonic() + 5
        while True:
            controller = _sink_controller()(self)
            try:
                controller.start()
            except Exception as error:
                self._discard(controller)
                in_use = isinstance(error, OSError) and error.errno == errno.EADDRINUSE
                if not in_use or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            self._controller = controller
            return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is None:
            return

        async def close_everything() -> None:
            controller.server.close()
            for session in list(self._connections):
                if session.transport is not None:
                    session.transport.close()
            deadline = time.monotonic() + 2
            while self._connections and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            await controller.server.wait_closed()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close_everything(), controller.loop).result(5)
        controller.stop()
        self._connections.clear()

    @staticmethod
    def _discard(controller: Any) -> None:
        """What is left of a controller whose start failed: its thread and its loop."""
        with contextlib.suppress(Exception):
            controller.stop(no_assert=True)
        if not controller.loop.is_closed() and not controller.loop.is_running():
            controller.loop.close()

    @property
    def messages(self) -> list[Received]:
        with self._state:
            return list(self._messages)

    @property
    def rejected(self) -> list[Received]:
        with self._state:
            return list(self._rejected)

    def clear(self) -> None:
        with self._state:
            self._messages.clear()
            self._rejected.clear()

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """The accepted messages, once there are at least ``count``."""
        with self._state:
            if not self._state.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(
                    f"{len(self._messages)} of {count} messages after {timeout} s "
                    f"({len(self._rejected)} rejected)"
                )
            return list(self._messages)

    def stall_before_data(self) -> None:
        with self._state:
            self._stall_armed = True

    def release(self) -> None:
        """Lets every stalled DATA go on (answering 354), and cancels a stall not yet used."""
        with self._state:
            self._stall_armed = False
            for gate in self._gates:
                gate.set()

    @property
    def stalled(self) -> int:
        """How many clients wait at DATA now."""
        with self._state:
            return len(self._gates)

    def wait_for_stalled(self, timeout: float = 10) -> bool:
        with self._state:
            return self._state.wait_for(lambda: bool(self._gates), timeout)

    def _enter_stall(self) -> threading.Event | None:
        with self._state:
            if not self._stall_armed:
                return None
            self._stall_armed = False
            gate = threading.Event()
            self._gates.append(gate)
            self._state.notify_all()
            return gate

    def _leave_stall(self, gate: threading.Event) -> None:
        with self._state:
            self._gates.remove(gate)
            self._state.notify_all()

    def _receive(self, received: Received) -> str:
        with self._state:
            reply = self.replies.pop(0) if self.replies else None
            if reply is not None and not reply.startswith("2"):
                self._rejected.append(received)
            else:
                self._messages.append(received)
            self._state.notify_all()
        return reply or f"250 2.0.0 OK queued as {uuid.uuid4().hex[:12].upper()}"
