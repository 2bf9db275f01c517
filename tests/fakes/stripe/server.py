"""The fake Stripe on a loopback port, pointed at by the settings; and `make run`'s stand-in,
which keeps its state in a file."""

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.http import Answer, Hangup, LoopbackServer
from tests.fakes.stripe.fake import FakeStripe
from tests.fakes.stripe.wire import SECRET_KEY, WEBHOOK_SECRET, _new_id


class Server(LoopbackServer):
    """A ``FakeStripe`` on ``127.0.0.1:port`` (0: a free one), in a thread."""

    def __init__(self, fake: FakeStripe | None = None, port: int = 0):
        super().__init__(port)
        self.fake = fake or FakeStripe()
        self.fake.base_url = self.url

    def answer(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Answer:
        status, data, extra, kind, lose = self.fake.handle(method, path, query, headers, body)
        if lose:  # done and kept, but the answer never arrives
            raise Hangup
        return status, data, {"Content-Type": kind, **extra}

    def common_headers(self) -> dict[str, str]:
        return {"Request-Id": _new_id("req"), "Stripe-Version": self.fake.api_version}


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
    server.serve()
