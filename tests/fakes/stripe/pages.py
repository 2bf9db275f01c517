"""The fake Stripe's stand-in pages: Checkout (pay) and the customer portal (switch plan,
cancel), plain HTML labelled as a stand-in."""

import datetime
import html
from typing import Any


class Pages:
    """Mixed into ``FakeStripe``."""

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
