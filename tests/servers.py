"""Real servers on loopback for the tests and benchmarks: Dovecot (IMAP) and wsgidav (WebDAV).

Each starts on a free port in its own temporary folder, and stops by PID. Missing software
fails the test in CI and skips it elsewhere (``require_program``).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

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
    password sign-in for every user and XOAUTH2 sign-in checked by a ``TokenServer``."""

    PASSWORD = "secret-password"

    def __init__(self) -> None:
        self.binary = require_program("dovecot", "apt-get install dovecot-imapd")
        self.root = Path(tempfile.mkdtemp(prefix="okioki-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.tls_port = free_port()
        (self.root / "home").mkdir()
        os.chown(self.root / "home", NOBODY_UID, NOBODY_GID)
        cert, key = _self_signed(self.root)
        self.tokens = TokenServer()
        (self.root / "oauth2.conf.ext").write_text(
            f"tokeninfo_url = http://127.0.0.1:{self.tokens.port}/tokeninfo?access_token=\n"
            f"introspection_url = http://127.0.0.1:{self.tokens.port}/introspect\n"
            "introspection_mode = post\n"
            "force_introspection = yes\n"
            "username_attribute = username\n"
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
                "provider_mapping": {"/": str(self.root)},
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
