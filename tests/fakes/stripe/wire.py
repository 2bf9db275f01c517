"""The wire of the fake Stripe: its constants, Stripe's form encoding, errors as Stripe
writes them, and the arithmetic of graduated tiers."""

import calendar
import datetime
import json
import secrets
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import stripe

from tests.fakes.http import Reply

API_VERSION = stripe.api_version
SECRET_KEY = "sk_test_okioki_fake"
WEBHOOK_SECRET = "whsec_okioki_fake"
CONTRACT = Path(__file__).resolve().parents[1] / "stripe_contract"
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
