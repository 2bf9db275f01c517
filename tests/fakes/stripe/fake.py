"""The fake Stripe: its state, its HTTP answers (checks of the key, the API version and
idempotency keys; the routes), its signed webhooks and its control routes."""

import copy
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import requests
import stripe

from tests.fakes.stripe.catalog import Catalog
from tests.fakes.stripe.cycle import Cycle
from tests.fakes.stripe.pages import Pages
from tests.fakes.stripe.wire import (
    API_VERSION,
    SECRET_KEY,
    WEBHOOK_SECRET,
    Reply,
    _invalid,
    _missing,
    _new_id,
    _now,
    contract,
    decode_form,
)


@dataclass
class FakeStripe(Catalog, Cycle, Pages):
    secret_key: str = SECRET_KEY
    webhook_secret: str = WEBHOOK_SECRET
    api_version: str = API_VERSION
    base_url: str = ""
    webhook_url: str = ""
    # (body, headers) -> HTTP status: the tests deliver through Django's test client
    deliver_to: Callable[[bytes, dict[str, str]], int] | None = None
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    meters: dict[str, dict[str, Any]] = field(default_factory=dict)
    meter_events: list[dict[str, Any]] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    # idempotency key -> (request fingerprint, status, answer)
    idempotency: dict[str, list[Any]] = field(default_factory=dict)
    session_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    replays: int = 0
    duplicates: int = 0  # meter events dropped for an identifier seen before
    outage: int = 0
    lose_answers: int = 0
    fail_payments: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock)

    # --- HTTP -------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> tuple[int, object, dict[str, str], str, bool]:
        """(status, body, headers, content type, lose the answer)."""
        self.requests[f"{method} {path}"] += 1
        if path.startswith("/__control/"):
            return (
                200,
                self.control(method, path.removeprefix("/__control/"), body),
                {},
                "application/json",
                False,
            )
        if path.startswith(("/checkout/", "/portal/")):
            form = decode_form(parse_qsl(body.decode())) if body else {}
            status, page, extra = self.page(method, path, form)
            return status, page, extra, "text/html; charset=utf-8", False
        if not path.startswith("/v1/"):
            raise _invalid(f"Unrecognized request URL ({method}: {path})")
        if headers.get("Authorization") != f"Bearer {self.secret_key}":
            raise Reply(
                401,
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}},
            )
        if headers.get("Stripe-Version") != self.api_version:
            raise _invalid(f"Invalid Stripe API version: {headers.get('Stripe-Version')!r}")
        with self.lock:
            if self.outage > 0:
                self.outage -= 1
                raise Reply(
                    503,
                    {"error": {"type": "api_error", "message": "The fake is down"}},
                    {"Stripe-Should-Retry": "false"},
                )
        pairs = parse_qsl(body.decode() if method == "POST" else query, keep_blank_values=True)
        params = decode_form(pairs)
        if method != "POST":
            return 200, self.api(method, path, params), {}, "application/json", False
        key = headers.get("Idempotency-Key") or ""
        if not key:
            raise _invalid("The fake requires an Idempotency-Key on every POST")
        fingerprint = hashlib.sha256(f"{path}?{sorted(pairs)}".encode()).hexdigest()
        with self.lock:
            kept = self.idempotency.get(key)
            if kept is not None:
                if kept[0] != fingerprint:
                    error = contract("error_idempotency")
                    error["error"]["message"] = error["error"]["message"].replace("usage:1", key)
                    raise Reply(400, error)
                self.replays += 1
                return (
                    kept[1],
                    kept[2],
                    {"Idempotent-Replayed": "true", "Idempotency-Key": key},
                    "application/json",
                    False,
                )
            try:
                status, answer = 200, self.api(method, path, params)
            except Reply as reply:
                if reply.status >= 500:
                    raise
                status, answer = reply.status, reply.body
            self.idempotency[key] = [fingerprint, status, answer]
            lose = self.lose_answers > 0
            if lose:
                self.lose_answers -= 1
        return status, answer, {"Idempotency-Key": key}, "application/json", lose

    def api(self, method: str, path: str, params: dict[str, Any]) -> object:
        route = path.removeprefix("/v1/").strip("/").split("/")
        with self.lock:
            if route[0] == "customers":
                if method == "POST" and len(route) == 1:
                    return self.customer_create(params)
                if method == "GET" and len(route) == 2:
                    return self._get(self.customers, "customer", route[1])
            if route[0] == "products":
                if method == "POST" and len(route) == 1:
                    return self.product_create(params)
                if len(route) == 2:
                    product = self._get(self.products, "product", route[1])
                    if method == "POST":
                        return self.product_update(product, params)
                    return product
            if route[0] == "prices":
                if method == "POST" and len(route) == 1:
                    return self.price_create(params)
                if method == "GET" and len(route) == 1:
                    return self.price_list(params)
                if len(route) == 2:
                    price = self._get(self.prices, "price", route[1])
                    if method == "POST":
                        price = self.price_update(price, params)
                    return self._price_out(price, params)
            if route[:2] == ["billing", "meters"]:
                if method == "GET" and len(route) == 2:
                    status = params.get("status")
                    found = [m for m in self.meters.values() if not status or m["status"] == status]
                    return self._list(path, found)
                if method == "POST" and len(route) == 2:
                    return self.meter_create(params)
                if method == "GET" and len(route) == 3:
                    return self._get(self.meters, "billing.meter", route[2])
            if route[:2] == ["billing", "meter_events"] and method == "POST":
                return self.meter_event_create(params)
            if route[:2] == ["checkout", "sessions"]:
                if method == "POST" and len(route) == 2:
                    return self.checkout_create(params)
                if method == "GET" and len(route) == 3:
                    return self._get(self.sessions, "checkout.session", route[2])
            if route[:2] == ["billing_portal", "sessions"] and method == "POST":
                return self.portal_create(params)
            if route[0] == "subscriptions" and method == "GET" and len(route) == 2:
                return self._get(self.subscriptions, "subscription", route[1])
            if route[0] == "invoices" and method == "GET" and len(route) == 2:
                return self._get(self.invoices, "invoice", route[1])
        raise Reply(
            404,
            {
                "error": {
                    "type": "invalid_request_error",
                    "message": f"Unrecognized request URL ({method}: {path})",
                }
            },
        )

    def _get(self, table: dict[str, dict[str, Any]], kind: str, object_id: str) -> dict[str, Any]:
        found = table.get(object_id)
        if found is None:
            raise _missing(kind, object_id)
        return found

    def _list(self, path: str, data: list[dict[str, Any]]) -> dict[str, Any]:
        listed = contract("list")
        listed.update(data=data, url=path)
        return listed

    # --- webhooks -----------------------------------------------------------------------------

    def event(
        self,
        kind: str,
        data: dict[str, Any],
        previous: dict[str, Any] | None = None,
        *,
        created: int | None = None,
    ) -> dict[str, Any]:
        event = contract("event")
        event.update(
            id=_new_id("evt"),
            created=created if created is not None else _now(),
            type=kind,
            api_version=self.api_version,
            data={
                "object": copy.deepcopy(data),
                **({"previous_attributes": previous} if previous else {}),
            },
            request={"id": _new_id("req"), "idempotency_key": None},
        )
        event["data"]["object"].pop("tiers", None)
        self.events.append(event)
        return event

    def signed(
        self, body: bytes, *, secret: str | None = None, timestamp: int | None = None
    ) -> dict[str, str]:
        """The headers Stripe sends an event with (its own signing code)."""
        header = stripe.WebhookSignature.generate_signature_header(
            body.decode(), secret or self.webhook_secret, timestamp
        )
        return {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": header}

    def send(self, events: list[dict[str, Any]]) -> list[int | None]:
        """Deliver ``events`` one after the other (never while holding the lock: the receiver
        reads objects back from here)."""
        return [self.deliver(json.dumps(event, indent=2).encode()) for event in events]

    def deliver(self, body: bytes) -> int | None:
        headers = self.signed(body)
        status: int | None
        if self.deliver_to is not None:
            status = self.deliver_to(body, headers)
        elif self.webhook_url:
            try:
                status = requests.post(
                    self.webhook_url, data=body, headers=headers, timeout=30
                ).status_code
            except requests.RequestException:
                status = None
        else:
            return None
        with self.lock:
            self.deliveries.append({"type": json.loads(body)["type"], "status": status})
        return status

    # --- control (tests, and looking at the stand-in) -------------------------------------------

    def control(self, method: str, name: str, body: bytes) -> object:
        data = json.loads(body or b"{}")
        if method == "GET" and name == "state":
            with self.lock:
                return {
                    "customers": self.customers,
                    "subscriptions": self.subscriptions,
                    "invoices": self.invoices,
                    "meter_events": self.meter_events,
                    "deliveries": self.deliveries,
                    "requests": dict(self.requests),
                }
        if method == "POST" and name == "invoice-period":
            return self.invoice_period(data["subscription"], pay=data.get("pay"))
        if method == "POST" and name == "fail-payments":
            self.fail_payments = bool(data.get("fail", True))
            return {"ok": True}
        raise Reply(404, {"error": {"type": "invalid_request_error", "message": "no such control"}})
