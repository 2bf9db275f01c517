"""The fake Stripe's catalogue and meters: customers, products, prices, billing meters and
meter events, and the Checkout and portal sessions (the objects, checked as Stripe checks
them)."""

import copy
import secrets
from typing import Any

from tests.fakes.stripe.wire import (
    IDENTIFIER_WINDOW,
    METER_EVENT_FUTURE,
    METER_EVENT_PAST,
    _bool,
    _invalid,
    _missing,
    _new_id,
    _now,
    contract,
)


class Catalog:
    """Mixed into ``FakeStripe`` (its tables and lock)."""

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
