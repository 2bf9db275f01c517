"""The fake Stripe's billing cycle: a paid Checkout becomes a subscription and its first
invoice; a period closes into an invoice of the base price and the metered price on the
meter's last value; payments succeed or fail; the portal switches plans or cancels."""

import copy
from typing import Any

from tests.fakes.stripe.wire import _add_month, _new_id, _now, _tax, contract, tiered_amount


class Cycle:
    """Mixed into ``FakeStripe`` (its tables, lock and webhooks)."""

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
