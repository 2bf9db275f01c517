"""A stand-in for Stripe, on loopback: Stripe faked at its HTTP boundary.

The official stripe-python library runs for real against it (its ``base_addresses`` point
here); it answers the routes ``apps/billing`` uses with objects built from the hand-kept
shapes of tests/fakes/stripe_contract/ (sources in its README), and holds every request to
what Stripe checks:

- ``Authorization: Bearer <secret key>``, and ``Stripe-Version`` the library's pinned
  version (2026-10-28.endive);
- every POST carries an ``Idempotency-Key`` (stricter than Stripe, which only recommends
  it): the same key with the same parameters replays the first answer
  (``Idempotent-Replayed: true``), with other parameters it is a 400 ``idempotency_error``;
- meter events: the event name of an active meter, a known customer, a whole value, a
  timestamp within the past 35 days and at most 5 minutes ahead; an identifier seen before
  is dropped (deduplicated);
- prices are immutable but for ``active``, ``metadata``, ``nickname``; a metered price needs
  an active meter; ``tiers`` come only with ``expand[]=tiers``.

Routes: ``/v1/customers``, ``/v1/products``, ``/v1/prices``, ``/v1/billing/meters``,
``/v1/billing/meter_events``, ``/v1/checkout/sessions``, ``/v1/billing_portal/sessions``,
``GET /v1/subscriptions/{id}``, ``GET /v1/invoices/{id}``.

Its Checkout session's ``url`` is a stand-in Checkout page here (``/checkout/{id}``): "Pay"
creates the subscription and its first invoice, and sends the signed webhooks
``checkout.session.completed``, ``customer.subscription.created``, ``invoice.finalized`` and
``invoice.paid`` (in that order, before the browser goes back to the success URL). The
portal session's ``url`` is a stand-in portal page (``/portal/{id}``): switch plan or
cancel at the period's end. ``invoice_period`` closes a subscription's period the way Stripe
does: base price plus the metered price applied (graduated tiers) to the meter's LAST value
in the period; then it is paid, or it fails (``fail_payments``).

Webhooks are signed like Stripe signs them (``stripe.WebhookSignature``: ``t=…,v1=``
HMAC-SHA256 of ``"{t}.{body}"``) and go to ``webhook_url`` over HTTP, or to ``deliver_to``
(a function: the tests hand it Django's test client).

Failure injection: ``outage`` (the next N API calls get a 503 before anything is done, not
kept under their key), ``lose_answers`` (the next N POSTs are done and kept, then the
connection closes without an answer, as when a network drops the reply).

Run alone (``make run``'s development stand-in)::

    python -m tests.fakes.stripe --port 8055 --webhook-url URL --secret-key K --webhook-secret S
"""

import argparse
import calendar
import copy
import datetime
import hashlib
import html
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import stripe

API_VERSION = stripe.api_version
SECRET_KEY = "sk_test_okioki_fake"
WEBHOOK_SECRET = "whsec_okioki_fake"
CONTRACT = Path(__file__).parent / "stripe_contract"
METER_EVENT_PAST = 35 * 86400
METER_EVENT_FUTURE = 5 * 60
IDENTIFIER_WINDOW = 24 * 3600
TAX_RATE = Decimal("0.21")  # the fake's "Stripe Tax": Belgian VAT, or reverse charge


def contract(name: str) -> dict[str, Any]:
    """A recorded shape of tests/fakes/stripe_contract/ (a fresh copy)."""
    return json.loads((CONTRACT / f"{name}.json").read_text(encoding="utf-8"))


def _now() -> int:
    return int(time.time())


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _add_month(moment: int) -> int:
    day = datetime.datetime.fromtimestamp(moment, tz=datetime.UTC)
    year, month = divmod(day.month, 12)
    year, month = day.year + year, month + 1
    last = calendar.monthrange(year, month)[1]
    return int(day.replace(year=year, month=month, day=min(day.day, last)).timestamp())


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding back into nested data: ``a[b][0][c]=v`` → ``{"a": {"b": [{"c":
    "v"}]}}`` (values stay strings, as on the wire)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head] + (
            [part.rstrip("]") for part in ("[" + rest).split("[")[1:]] if rest else []
        )
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def lists(value: Any) -> Any:
        if isinstance(value, dict):
            value = {key: lists(inner) for key, inner in value.items()}
            if value and all(key.isdigit() for key in value):
                return [value[key] for key in sorted(value, key=int)]
        return value

    return lists(root)


def _bool(value: Any) -> bool:
    return str(value).lower() == "true"


class Reply(Exception):
    def __init__(
        self,
        status: int,
        body: object,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type


def _invalid(message: str, param: str = "", code: str = "") -> Reply:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if param:
        error["param"] = param
    if code:
        error["code"] = code
    return Reply(400, {"error": error})


def _missing(kind: str, object_id: str, param: str = "id") -> Reply:
    body = contract("error_missing")
    body["error"]["message"] = f"No such {kind}: '{object_id}'"
    body["error"]["param"] = param
    return Reply(404, body)


def _tax(cents: int) -> int:
    return int((Decimal(cents) * TAX_RATE).quantize(Decimal(1), ROUND_HALF_UP))


def tiered_amount(tiers: list[dict[str, Any]], quantity: int) -> int:
    """A graduated price's amount (cents) for ``quantity``: each tier's units at its price."""
    total, below = 0, 0
    for tier in tiers:
        top = tier["up_to"]
        units = max(0, (quantity if top is None else min(quantity, top)) - below)
        total += units * (tier.get("unit_amount") or 0) + (
            tier.get("flat_amount") or 0 if units else 0
        )
        if top is None or quantity <= top:
            break
        below = top
    return total


@dataclass
class FakeStripe:
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

    # --- objects ----------------------------------------------------------------------------

    def customer_create(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = contract("customer")
        customer.update(
            id=_new_id("cus"),
            created=_now(),
            email=params.get("email"),
            name=params.get("name"),
            metadata=params.get("metadata") or {},
            preferred_locales=params.get("preferred_locales") or [],
            address=None,
            invoice_prefix=secrets.token_hex(4).upper(),
        )
        self.customers[customer["id"]] = customer
        return customer

    def product_create(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("name"):
            raise _invalid("Missing required param: name.", "name")
        product = contract("product")
        product.update(
            id=_new_id("prod"),
            created=_now(),
            updated=_now(),
            name=params["name"],
            description=params.get("description") or None,
            active=_bool(params.get("active", "true")),
            metadata=params.get("metadata") or {},
            tax_code=params.get("tax_code"),
        )
        self.products[product["id"]] = product
        return product

    def product_update(self, product: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        for name in ("name", "tax_code"):
            if name in params:
                product[name] = params[name]
        if "description" in params:
            product["description"] = params["description"] or None
        if "active" in params:
            product["active"] = _bool(params["active"])
        if "metadata" in params:
            product["metadata"] = {**product["metadata"], **(params["metadata"] or {})}
        product["updated"] = _now()
        return product

    def price_create(self, params: dict[str, Any]) -> dict[str, Any]:
        product = params.get("product")
        if product not in self.products:
            raise _missing("product", str(product), "product")
        recurring = params.get("recurring") or {}
        usage = recurring.get("usage_type", "licensed")
        meter = recurring.get("meter")
        if usage == "metered" and (
            meter not in self.meters or self.meters[meter]["status"] != "active"
        ):
            raise _invalid(
                "A metered price needs an active meter (recurring[meter]).", "recurring[meter]"
            )
        scheme = params.get("billing_scheme", "per_unit")
        price = contract("price_metered" if scheme == "tiered" else "price")
        tiers = None
        if scheme == "tiered":
            given = params.get("tiers") or []
            if params.get("tiers_mode") not in ("graduated", "volume") or not given:
                raise _invalid("Tiered prices need tiers_mode and tiers.", "tiers")
            tiers = []
            for tier in given:
                amount = int(tier.get("unit_amount", 0))
                tiers.append(
                    {
                        "flat_amount": None,
                        "flat_amount_decimal": None,
                        "unit_amount": amount,
                        "unit_amount_decimal": str(amount),
                        "up_to": None if tier["up_to"] == "inf" else int(tier["up_to"]),
                    }
                )
            if tiers[-1]["up_to"] is not None:
                raise _invalid("The last tier must go up to inf.", "tiers")
            unit = None
        else:
            unit = int(params["unit_amount"])
        price.update(
            id=_new_id("price"),
            created=_now(),
            active=_bool(params.get("active", "true")),
            billing_scheme=scheme,
            currency=params.get("currency", "eur"),
            metadata=params.get("metadata") or {},
            nickname=params.get("nickname"),
            product=product,
            recurring={
                "interval": recurring.get("interval", "month"),
                "interval_count": int(recurring.get("interval_count", 1)),
                "meter": meter if usage == "metered" else None,
                "trial_period_days": None,
                "usage_type": usage,
            }
            if recurring
            else None,
            tax_behavior=params.get("tax_behavior", "unspecified"),
            tiers_mode=params.get("tiers_mode") if tiers else None,
            type="recurring" if recurring else "one_time",
            unit_amount=unit,
            unit_amount_decimal=None if unit is None else str(unit),
        )
        if tiers is not None:
            price["tiers"] = tiers
        self.prices[price["id"]] = price
        return self._price_out(price, {})

    def price_update(self, price: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        allowed = {"active", "metadata", "nickname", "lookup_key", "tax_behavior", "expand"}
        changed = set(params) - allowed
        if changed:
            raise _invalid(f"Received unknown parameter: {sorted(changed)[0]}", sorted(changed)[0])
        if "active" in params:
            price["active"] = _bool(params["active"])
        if "nickname" in params:
            price["nickname"] = params["nickname"] or None
        if "metadata" in params:
            price["metadata"] = {**price["metadata"], **(params["metadata"] or {})}
        return price

    def _price_out(self, price: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """The price as answered: ``tiers`` only when expanded."""
        out = copy.deepcopy(price)
        if "tiers" not in (params.get("expand") or []):
            out.pop("tiers", None)
        return out

    def price_list(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [
            self._price_out(price, params)
            for price in self.prices.values()
            if (not params.get("product") or price["product"] == params["product"])
            and ("active" not in params or price["active"] == _bool(params["active"]))
        ]
        return self._list("/v1/prices", found)

    def meter_create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("event_name") or ""
        formula = (params.get("default_aggregation") or {}).get("formula")
        if formula not in ("count", "sum", "last"):
            raise _invalid("Invalid default_aggregation[formula].", "default_aggregation[formula]")
        if any(m["event_name"] == name and m["status"] == "active" for m in self.meters.values()):
            raise _invalid(
                f"An active meter with event_name {name!r} already exists.", "event_name"
            )
        meter = contract("meter")
        meter.update(
            id=_new_id("mtr_test"),
            created=_now(),
            updated=_now(),
            display_name=params.get("display_name"),
            event_name=name,
            default_aggregation={"formula": formula},
            customer_mapping=params.get("customer_mapping")
            or {"event_payload_key": "stripe_customer_id", "type": "by_id"},
            value_settings=params.get("value_settings") or {"event_payload_key": "value"},
        )
        self.meters[meter["id"]] = meter
        return meter

    def meter_event_create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("event_name")
        meter = next(
            (
                m
                for m in self.meters.values()
                if m["event_name"] == name and m["status"] == "active"
            ),
            None,
        )
        if meter is None:
            raise _invalid(f"No active meter was found for event_name {name!r}.", "event_name")
        payload = params.get("payload") or {}
        customer = payload.get(meter["customer_mapping"]["event_payload_key"])
        if customer not in self.customers:
            raise _invalid(f"No such customer: {customer!r}", "payload[stripe_customer_id]")
        value = payload.get(meter["value_settings"]["event_payload_key"])
        if value is None or not str(value).lstrip("-").isdigit():
            raise _invalid("The payload's value must be a whole number.", "payload[value]")
        now = _now()
        timestamp = int(params.get("timestamp") or now)
        if timestamp < now - METER_EVENT_PAST or timestamp > now + METER_EVENT_FUTURE:
            raise _invalid(
                "The timestamp must be within the past 35 days and at most 5 minutes ahead.",
                "timestamp",
            )
        identifier = params.get("identifier") or _new_id("ident")
        event = contract("meter_event")
        event.update(
            created=now,
            event_name=name,
            identifier=identifier,
            payload=payload,
            timestamp=timestamp,
        )
        seen = any(
            kept["identifier"] == identifier and kept["created"] > now - IDENTIFIER_WINDOW
            for kept in self.meter_events
        )
        if seen:
            self.duplicates += 1
        else:
            self.meter_events.append(event)
        return event

    def meter_value(self, customer: str, start: int, end: int) -> int | None:
        """The meter's LAST value for ``customer`` in ``[start, end)`` (by timestamp; the later
        accepted one when two share it); None without events."""
        found = [
            (event["timestamp"], index, int(event["payload"]["value"]))
            for index, event in enumerate(self.meter_events)
            if event["payload"].get("stripe_customer_id") == customer
            and start <= event["timestamp"] < end
        ]
        return max(found)[2] if found else None

    # --- Checkout and the portal ------------------------------------------------------------------

    def checkout_create(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("mode") != "subscription":
            raise _invalid("The fake knows subscription mode only.", "mode")
        customer = params.get("customer")
        if customer not in self.customers:
            raise _missing("customer", str(customer), "customer")
        items = params.get("line_items") or []
        for index, item in enumerate(items):
            price = self.prices.get(item.get("price"))
            if price is None or not price["active"]:
                raise _invalid(
                    f"No such active price: {item.get('price')!r}", f"line_items[{index}][price]"
                )
            metered = (price["recurring"] or {}).get("usage_type") == "metered"
            if metered and "quantity" in item:
                raise _invalid(
                    "Quantity should not be specified where usage_type is `metered`.",
                    f"line_items[{index}][quantity]",
                )
        anchor = (params.get("subscription_data") or {}).get("billing_cycle_anchor")
        if anchor is not None and int(anchor) <= _now():
            raise _invalid(
                "billing_cycle_anchor must be in the future.",
                "subscription_data[billing_cycle_anchor]",
            )
        for name in ("success_url", "cancel_url"):
            if not params.get(name):
                raise _invalid(f"Missing required param: {name}.", name)
        session = contract("checkout_session")
        session_id = _new_id("cs_test")
        session.update(
            id=session_id,
            created=_now(),
            expires_at=_now() + 86400,
            customer=customer,
            client_reference_id=params.get("client_reference_id"),
            mode="subscription",
            locale=params.get("locale"),
            metadata=params.get("metadata") or {},
            billing_address_collection=params.get("billing_address_collection"),
            automatic_tax={
                **session["automatic_tax"],
                "enabled": _bool((params.get("automatic_tax") or {}).get("enabled")),
            },
            tax_id_collection={
                "enabled": _bool((params.get("tax_id_collection") or {}).get("enabled")),
                "required": "never",
            },
            success_url=params["success_url"],
            cancel_url=params["cancel_url"],
            status="open",
            payment_status="unpaid",
            subscription=None,
            invoice=None,
            amount_subtotal=None,
            amount_total=None,
            total_details=None,
            customer_details=None,
            url=f"{self.base_url}/checkout/{session_id}",
        )
        self.sessions[session_id] = session
        self.session_items[session_id] = [
            {**item, "subscription_data": params.get("subscription_data") or {}} for item in items
        ]
        return session

    def portal_create(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = params.get("customer")
        if customer not in self.customers:
            raise _missing("customer", str(customer), "customer")
        session = contract("billing_portal_session")
        session_id = _new_id("bps")
        session.update(
            id=session_id,
            created=_now(),
            customer=customer,
            locale=params.get("locale"),
            return_url=params.get("return_url"),
            url=f"{self.base_url}/portal/{session_id}",
        )
        self.portal_sessions[session_id] = session
        return session

    def checkout_complete(
        self, session_id: str, *, country: str = "BE", vat_number: str = "", name: str = ""
    ) -> dict[str, Any]:
        """The customer paid on the Checkout page: the subscription, its first invoice (paid),
        and the webhooks, in Stripe's order."""
        with self.lock:
            session = self.sessions[session_id]
            if session["status"] != "open":
                return session
            customer = self.customers[session["customer"]]
            customer["address"] = {
                "city": None,
                "country": country,
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            }
            if name:
                customer["name"] = name
            customer["tax_ids"] = [{"type": "eu_vat", "value": vat_number}] if vat_number else []
            items = self.session_items[session_id]
            data = items[0]["subscription_data"] if items else {}
            now = _now()
            anchor = int(data.get("billing_cycle_anchor") or _add_month(now))
            subscription = self._subscription_new(
                customer["id"], items, now, anchor, data.get("metadata") or {}
            )
            invoice = self._invoice_new(
                subscription, now, anchor, billing_reason="subscription_create", prorate=True
            )
            self._invoice_pay(invoice)
            subscription["latest_invoice"] = invoice["id"]
            session.update(
                status="complete",
                payment_status="paid",
                subscription=subscription["id"],
                invoice=invoice["id"],
                amount_subtotal=invoice["subtotal"],
                amount_total=invoice["total"],
                total_details={
                    "amount_discount": 0,
                    "amount_shipping": 0,
                    "amount_tax": invoice["total"] - invoice["subtotal"],
                },
                customer_details={
                    "address": customer["address"],
                    "email": customer["email"],
                    "name": customer["name"],
                    "tax_exempt": "none",
                    "tax_ids": customer["tax_ids"],
                },
            )
            finalized = {
                **copy.deepcopy(invoice),
                "status": "open",
                "amount_paid": 0,
                "amount_remaining": invoice["amount_due"],
            }
            finalized["status_transitions"] = {**finalized["status_transitions"], "paid_at": None}
            events = [
                self.event("checkout.session.completed", session),
                self.event("customer.subscription.created", subscription),
                self.event("invoice.finalized", finalized),
                self.event("invoice.paid", invoice),
            ]
        self.send(events)
        return session

    def _subscription_new(
        self,
        customer: str,
        items: list[dict[str, Any]],
        now: int,
        anchor: int,
        metadata: dict[str, Any],
    ) -> dict[str, Any]:
        subscription = contract("subscription")
        subscription_id = _new_id("sub")
        template = subscription["items"]["data"][0]
        data = []
        for item in items:
            price = self._price_out(self.prices[item["price"]], {})
            metered = price["recurring"]["usage_type"] == "metered"
            line = copy.deepcopy(template)
            line.update(
                id=_new_id("si"),
                created=now,
                current_period_start=now,
                current_period_end=anchor,
                price=price,
                quantity=None if metered else int(item.get("quantity") or 1),
                subscription=subscription_id,
            )
            line["plan"].update(
                id=price["id"],
                amount=price["unit_amount"],
                amount_decimal=price["unit_amount_decimal"],
                billing_scheme=price["billing_scheme"],
                meter=price["recurring"]["meter"],
                product=price["product"],
                tiers_mode=price["tiers_mode"],
                usage_type=price["recurring"]["usage_type"],
            )
            data.append(line)
        subscription.update(
            id=subscription_id,
            created=now,
            start_date=now,
            billing_cycle_anchor=anchor,
            customer=customer,
            metadata=metadata,
            status="active",
            items={
                **subscription["items"],
                "data": data,
                "total_count": len(data),
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
        )
        self.subscriptions[subscription_id] = subscription
        return subscription

    def _invoice_new(
        self,
        subscription: dict[str, Any],
        start: int,
        end: int,
        *,
        billing_reason: str,
        prorate: bool = False,
    ) -> dict[str, Any]:
        invoice = contract("invoice")
        invoice_id = _new_id("in")
        customer = self.customers[subscription["customer"]]
        template = invoice["lines"]["data"][0]
        lines, subtotal = [], 0
        for item in subscription["items"]["data"]:
            price = self.prices[item["price"]["id"]]
            product = self.products[price["product"]]
            if price["recurring"]["usage_type"] == "metered":
                quantity = self.meter_value(customer["id"], start, end) or 0
                amount = (
                    tiered_amount(price["tiers"], quantity)
                    if price.get("tiers")
                    else quantity * (price["unit_amount"] or 0)
                )
                description = f"{product['name']}: {quantity} documents (graduated tiers)"
            else:
                quantity = item["quantity"] or 1
                amount = quantity * price["unit_amount"]
                description = (
                    f"{quantity} × {product['name']} (at €{price['unit_amount'] / 100:.2f} / month)"
                )
                if prorate:
                    month = max(1, _add_month(start) - start)
                    amount = round(amount * min(1, (end - start) / month))
                    description = f"Remaining time on {description}"
            line = copy.deepcopy(template)
            line.update(
                id=_new_id("il"),
                amount=amount,
                subtotal=amount,
                description=description,
                invoice=invoice_id,
                period={"start": start, "end": end},
                quantity=quantity,
                quantity_decimal=str(quantity),
                subscription=subscription["id"],
            )
            line["parent"]["subscription_item_details"].update(
                subscription=subscription["id"], subscription_item=item["id"], proration=prorate
            )
            line["pricing"] = {
                "price_details": {"price": price["id"], "product": price["product"]},
                "type": "price_details",
                "unit_amount_decimal": price["unit_amount_decimal"],
            }
            lines.append(line)
            subtotal += amount
        country = (customer.get("address") or {}).get("country") or "BE"
        tax_ids = customer.get("tax_ids") or []
        reverse = country != "BE" and bool(tax_ids)
        tax = 0 if reverse else _tax(subtotal)
        reason = "reverse_charge" if reverse else "standard_rated"
        for line in lines:
            line_tax = 0 if reverse else _tax(line["amount"])
            line["taxes"] = [
                {
                    "amount": line_tax,
                    "tax_behavior": "exclusive",
                    "tax_rate_details": None,
                    "taxability_reason": reason,
                    "taxable_amount": line["amount"],
                    "type": "tax_rate_details",
                }
            ]
        now = _now()
        invoice.update(
            id=invoice_id,
            created=now,
            effective_at=now,
            customer=customer["id"],
            customer_email=customer["email"],
            customer_name=customer["name"],
            customer_address=customer.get("address"),
            customer_tax_ids=tax_ids,
            billing_reason=billing_reason,
            number=f"{customer['invoice_prefix']}-{self._invoice_count(customer['id']) + 1:04d}",
            lines={
                **invoice["lines"],
                "data": lines,
                "total_count": len(lines),
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            parent={
                "quote_details": None,
                "subscription_details": {
                    "metadata": subscription["metadata"],
                    "subscription": subscription["id"],
                },
                "type": "subscription_details",
            },
            period_start=start,
            period_end=end,
            subtotal=subtotal,
            subtotal_excluding_tax=subtotal,
            total_excluding_tax=subtotal,
            total=subtotal + tax,
            amount_due=subtotal + tax,
            amount_paid=0,
            amount_remaining=subtotal + tax,
            total_taxes=[
                {
                    "amount": tax,
                    "tax_behavior": "exclusive",
                    "tax_rate_details": None,
                    "taxability_reason": reason,
                    "taxable_amount": subtotal,
                    "type": "tax_rate_details",
                }
            ],
            status="open",
            status_transitions={
                "finalized_at": now,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            hosted_invoice_url=f"{self.base_url}/invoice/{invoice_id}",
            invoice_pdf=f"{self.base_url}/invoice/{invoice_id}/pdf",
            attempt_count=0,
            attempted=False,
        )
        self.invoices[invoice_id] = invoice
        return invoice

    def _invoice_count(self, customer: str) -> int:
        return len([i for i in self.invoices.values() if i["customer"] == customer])

    def _invoice_pay(self, invoice: dict[str, Any]) -> None:
        now = _now()
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            attempted=True,
            attempt_count=invoice["attempt_count"] + 1,
        )
        invoice["status_transitions"] = {**invoice["status_transitions"], "paid_at": now}

    def invoice_period(self, subscription_id: str, *, pay: bool | None = None) -> dict[str, Any]:
        """Close the subscription's current period as Stripe does at its end: an invoice of the
        base price and the metered price on the meter's last value in the period, finalized,
        then paid (or its payment fails: ``pay=False`` or ``fail_payments``); the period moves
        on. Sends the webhooks; returns the invoice."""
        with self.lock:
            subscription = self.subscriptions[subscription_id]
            start = subscription["items"]["data"][0]["current_period_start"]
            end = subscription["items"]["data"][0]["current_period_end"]
            invoice = self._invoice_new(
                subscription, start, end, billing_reason="subscription_cycle"
            )
            for item in subscription["items"]["data"]:
                item["current_period_start"], item["current_period_end"] = end, _add_month(end)
            subscription["latest_invoice"] = invoice["id"]
            events = [self.event("invoice.finalized", invoice)]
            paid = (not self.fail_payments) if pay is None else pay
            if paid:
                self._invoice_pay(invoice)
                events.append(self.event("invoice.paid", invoice))
            else:
                invoice.update(
                    attempted=True,
                    attempt_count=invoice["attempt_count"] + 1,
                    next_payment_attempt=_now() + 3 * 86400,
                )
                events.append(self.event("invoice.payment_failed", invoice))
                previous = subscription["status"]
                subscription["status"] = "past_due"
                events.append(
                    self.event("customer.subscription.updated", subscription, {"status": previous})
                )
        self.send(events)
        return invoice

    def invoice_settle(self, invoice_id: str) -> dict[str, Any]:
        """An open invoice paid after all (a new card, the retry went through)."""
        with self.lock:
            invoice = self.invoices[invoice_id]
            self._invoice_pay(invoice)
            events = [self.event("invoice.paid", invoice)]
            subscription_id = invoice["parent"]["subscription_details"]["subscription"]
            subscription = self.subscriptions[subscription_id]
            if subscription["status"] != "active":
                previous = subscription["status"]
                subscription["status"] = "active"
                events.append(
                    self.event("customer.subscription.updated", subscription, {"status": previous})
                )
        self.send(events)
        return invoice

    def subscription_switch(self, subscription_id: str, product_id: str) -> dict[str, Any]:
        """The portal's plan change: both items move to the product's active prices."""
        with self.lock:
            subscription = self.subscriptions[subscription_id]
            active = [p for p in self.prices.values() if p["product"] == product_id and p["active"]]
            for item in subscription["items"]["data"]:
                usage = item["price"]["recurring"]["usage_type"]
                price = next((p for p in active if p["recurring"]["usage_type"] == usage), None)
                if price is not None:
                    item["price"] = self._price_out(price, {})
                    item["plan"].update(
                        id=price["id"], product=product_id, amount=price["unit_amount"]
                    )
            subscription["items"]["data"] = [
                item
                for item in subscription["items"]["data"]
                if item["price"]["product"] == product_id
            ]
            event = self.event("customer.subscription.updated", subscription, {"items": {}})
        self.send([event])
        return subscription

    def subscription_cancel(self, subscription_id: str, *, now: bool = False) -> dict[str, Any]:
        """Cancelled at the period's end (the portal's way), or at once (``now``)."""
        with self.lock:
            subscription = self.subscriptions[subscription_id]
            if now:
                subscription.update(status="canceled", canceled_at=_now(), ended_at=_now())
                event = self.event("customer.subscription.deleted", subscription)
            else:
                end = subscription["items"]["data"][0]["current_period_end"]
                subscription.update(cancel_at_period_end=True, cancel_at=end, canceled_at=_now())
                event = self.event(
                    "customer.subscription.updated", subscription, {"cancel_at_period_end": False}
                )
        self.send([event])
        return subscription

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

    # --- the stand-in pages -------------------------------------------------------------------

    def page(self, method: str, path: str, form: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
        parts = path.strip("/").split("/")
        if parts[0] == "checkout" and len(parts) >= 2 and parts[1] in self.sessions:
            session = self.sessions[parts[1]]
            if method == "POST" and parts[2:] == ["pay"]:
                self.checkout_complete(
                    parts[1],
                    country=str(form.get("country") or "BE"),
                    vat_number=str(form.get("vat_number") or ""),
                    name=str(form.get("name") or ""),
                )
                target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
                return 303, "", {"Location": target}
            return 200, self._checkout_page(session), {}
        if parts[0] == "portal" and len(parts) >= 2 and parts[1] in self.portal_sessions:
            session = self.portal_sessions[parts[1]]
            mine = [
                s
                for s in self.subscriptions.values()
                if s["customer"] == session["customer"] and s["status"] != "canceled"
            ]
            if method == "POST" and mine and parts[2:] == ["cancel"]:
                self.subscription_cancel(mine[0]["id"])
                return 303, "", {"Location": session["return_url"]}
            if method == "POST" and mine and parts[2:] == ["switch"]:
                self.subscription_switch(mine[0]["id"], str(form.get("product")))
                return 303, "", {"Location": session["return_url"]}
            return 200, self._portal_page(session, mine), {}
        return 404, self._html("Not found", "<p>No such page.</p>"), {}

    def _html(self, title: str, body: str) -> str:
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<link rel='icon' href='data:,'>"
            f"<title>{html.escape(title)}</title><style>"
            "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;"
            "padding:0 1rem;color:#1d2433}"
            ".standin{background:#fff3dc;color:#8a5300;padding:.5rem .75rem;border-radius:.5rem}"
            "label{display:block;margin:.75rem 0 .25rem}"
            "input,select{width:100%;padding:.5rem;box-sizing:border-box}"
            "button{margin-top:1rem;padding:.6rem 1.2rem;background:#635bff;color:#fff;border:0;"
            "border-radius:.4rem;font-size:1rem}"
            "table{width:100%;border-collapse:collapse}td{padding:.3rem 0}td.num{text-align:right}"
            "</style></head><body><p class='standin' id='standin'>"
            "Stand-in for Stripe on this computer: no real payment is made.</p>"
            f"{body}</body></html>"
        )

    def _checkout_page(self, session: dict[str, Any]) -> str:
        customer = self.customers[session["customer"]]
        rows = []
        for item in self.session_items[session["id"]]:
            price = self.prices[item["price"]]
            product = self.products[price["product"]]
            if price["recurring"]["usage_type"] == "metered":
                paid = (
                    ", ".join(
                        f"{'first ' + str(t['up_to']) if t['up_to'] else 'then'}"
                        f" at €{t['unit_amount'] / 100:.2f}"
                        for t in price.get("tiers") or []
                    )
                    or f"€{(price['unit_amount'] or 0) / 100:.2f} each"
                )
                label, amount = f"{product['name']}: documents", paid
            else:
                label, amount = product["name"], f"€{price['unit_amount'] / 100:.2f} / month"
            rows.append(
                f"<tr><td>{html.escape(label)}</td><td class='num'>{html.escape(amount)}</td></tr>"
            )
        if session["status"] != "open":
            return self._html("Checkout", "<h1>Checkout</h1><p>This session is complete.</p>")
        body = (
            "<h1>Subscribe</h1>"
            f"<table id='items'>{''.join(rows)}</table>"
            "<p>Excl. VAT; Belgian VAT or reverse charge computed at payment.</p>"
            f"<form method='post' action='/checkout/{session['id']}/pay'>"
            "<label for='name'>Name</label>"
            f"<input id='name' name='name' value='{html.escape(customer['name'] or '')}'>"
            "<label for='country'>Country</label><select id='country' name='country'>"
            "<option value='BE'>Belgium</option><option value='NL'>Netherlands</option>"
            "<option value='FR'>France</option></select>"
            "<label for='vat_number'>VAT number (optional)</label>"
            "<input id='vat_number' name='vat_number'>"
            "<label for='card'>Card</label><input id='card' value='4242 4242 4242 4242' readonly>"
            "<button type='submit' id='pay'>Pay</button></form>"
            f"<p><a href='{html.escape(session['cancel_url'])}' id='cancel'>Back</a></p>"
        )
        return self._html("Checkout", body)

    def _portal_page(self, session: dict[str, Any], mine: list[dict[str, Any]]) -> str:
        if not mine:
            body = "<h1>Your subscription</h1><p>No subscription.</p>"
        else:
            subscription = mine[0]
            product_id = subscription["items"]["data"][0]["price"]["product"]
            current = self.products[product_id]
            end = datetime.datetime.fromtimestamp(
                subscription["items"]["data"][0]["current_period_end"], tz=datetime.UTC
            )
            others = [
                p
                for p in self.products.values()
                if p["active"]
                and p["id"] != product_id
                and any(pr["product"] == p["id"] and pr["active"] for pr in self.prices.values())
            ]
            switch = "".join(
                f"<form method='post' action='/portal/{session['id']}/switch'>"
                f"<input type='hidden' name='product' value='{p['id']}'>"
                f"<button type='submit' class='switch'>Switch to {html.escape(p['name'])}</button>"
                "</form>"
                for p in sorted(others, key=lambda p: p["name"])
            )
            ending = " (ends then)" if subscription["cancel_at_period_end"] else ""
            body = (
                f"<h1>Your subscription</h1><p id='current'>{html.escape(current['name'])}: "
                f"{subscription['status']}, renews on {end:%Y-%m-%d}{ending}</p>"
                "<h2>Payment method</h2><p>Visa ending 4242</p>"
                f"<h2>Change plan</h2>{switch}"
                f"<h2>Cancel</h2><form method='post' action='/portal/{session['id']}/cancel'>"
                "<button type='submit' id='cancel-subscription'>"
                "Cancel at the end of the period</button></form>"
            )
        body += (
            f"<p><a href='{html.escape(session['return_url'])}' id='return'>Back to OkiOki</a></p>"
        )
        return self._html("Customer portal", body)

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


if __name__ == "__main__":
    main()
