"""The fake Stripe on a loopback port, pointed at by the settings; and `make run`'s stand-in,
which keeps its state in a file."""

import argparse
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.stripe.fake import FakeStripe
from tests.fakes.stripe.wire import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    Reply,
    _new_id,
)


class Server:
    """A ``FakeStripe`` on ``127.0.0.1:port`` (0: a free one), in a thread."""

    def __init__(self, fake: FakeStripe | None = None, port: int = 0):
        self.fake = fake or FakeStripe()
        fake = self.fake

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                lose = False
                try:
                    status, data, extra, kind, lose = fake.handle(
                        method, parts.path, parts.query, self.headers, body
                    )
                except Reply as reply:
                    status, data, extra, kind = (
                        reply.status,
                        reply.body,
                        reply.headers,
                        reply.content_type,
                    )
                if lose:  # done and kept, but the answer never arrives
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                payload = data.encode() if isinstance(data, str) else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", _new_id("req"))
                self.send_header("Stripe-Version", fake.api_version)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self.answer("GET")

            def do_POST(self) -> None:
                self.answer("POST")

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.http.daemon_threads = True
        self.port = self.http.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.fake.base_url = self.url
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def start(self) -> "Server":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def configure(settings: Any, server: Server) -> None:
    """Point the settings at ``server``."""
    settings.STRIPE_SECRET_KEY = server.fake.secret_key
    settings.STRIPE_WEBHOOK_SECRET = server.fake.webhook_secret
    settings.STRIPE_API_BASE = server.url


KEPT = (
    "customers",
    "products",
    "prices",
    "meters",
    "meter_events",
    "sessions",
    "portal_sessions",
    "subscriptions",
    "invoices",
    "idempotency",
    "session_items",
)


@dataclass
class StandIn(FakeStripe):
    """``make run``'s stand-in: its state kept in a JSON file, so that a restart keeps the
    plans' prices and the demo's subscriptions."""

    state_path: Path | None = None

    def handle(self, *args: Any, **kwargs: Any) -> tuple[int, object, dict[str, str], str, bool]:
        try:
            return super().handle(*args, **kwargs)
        finally:
            self.save()

    def save(self) -> None:
        if self.state_path is None:
            return
        with self.lock:
            text = json.dumps({name: getattr(self, name) for name in KEPT})
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.state_path)

    def load(self) -> bool:
        if self.state_path is None or not self.state_path.exists():
            return False
        data = json.loads(self.state_path.read_text(encoding="utf-8"))
        for name in KEPT:
            if isinstance(data.get(name), type(getattr(self, name))):
                setattr(self, name, data[name])
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description="A stand-in for Stripe, on loopback")
    parser.add_argument("--port", type=int, default=8055)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--secret-key", default=SECRET_KEY)
    parser.add_argument("--webhook-secret", default=WEBHOOK_SECRET)
    parser.add_argument("--state", default="", help="a JSON file to keep the state in")
    options = parser.parse_args()
    fake = StandIn(
        secret_key=options.secret_key,
        webhook_secret=options.webhook_secret,
        webhook_url=options.webhook_url,
        state_path=Path(options.state) if options.state else None,
    )
    fake.load()
    server = Server(fake, options.port)
    print(f"Stripe stand-in (development only) on {server.url}", flush=True)
    server.http.serve_forever()
