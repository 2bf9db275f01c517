"""A match's reasons in words, in the reader's language: "Structured communication
+++010/8068/17183+++ matches invoice 2026-014; amount €121.00 equals the open balance"."""

from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from apps.core.money import format_money

ITEMS: dict[str, Promise] = {
    "invoice": _("invoice %(number)s"),
    "invoice_credit": _("credit note %(number)s"),
    "document": _("purchase invoice %(number)s of %(party)s"),
    "document_credit": _("credit note %(number)s of %(party)s"),
}

SENTENCES: dict[str, Promise] = {
    "reference_structured": _("Structured communication %(reference)s matches %(item)s"),
    "reference_text": _(
        "The structured communication %(reference)s typed in the free text matches %(item)s"
    ),
    "amount_equal": _("amount %(amount)s equals the open balance"),
    "amount_partial": _("%(amount)s paid of an open balance of %(open)s: a partial payment"),
    "amount_over": _("%(amount)s is %(over)s more than the open balance of %(open)s"),
    "iban_known": _("account %(iban)s is known for %(party)s, whose only open %(item)s has it"),
    "number_in_text": _("the communication names %(item)s"),
    "name_similar": _("the name %(name)s resembles %(party)s (%(similarity)s %%), for %(item)s"),
    "combination": _("%(count)s open items of %(party)s add up to %(amount)s"),
    "manual": _("matched by hand"),
}

MONEY_KEYS = ("amount", "open", "over")


def _reference(value: str) -> str:
    if len(value) == 12 and value.isdigit():
        return f"+++{value[:3]}/{value[3:7]}/{value[7:]}+++"
    return value


def describe(reasons: list[dict[str, Any]], currency: str = "EUR") -> str:
    """The reasons as one sentence (unknown codes are left out, never shown raw)."""
    language = (get_language() or "en")[:2]
    parts = []
    for reason in reasons:
        rule = reason.get("rule", "")
        key = f"{rule}_{reason.get('where', '')}" if rule == "reference" else rule
        sentence = SENTENCES.get(key)
        if sentence is None:
            continue
        values = {name: str(value) for name, value in reason.items()}
        for name in MONEY_KEYS:
            if name in values:
                values[name] = format_money(Decimal(values[name]), currency, language)
        if "reference" in values:
            values["reference"] = _reference(values["reference"])
        if "item" in values:
            item = ITEMS.get(values["item"], ITEMS["invoice"])
            values["item"] = str(item) % {"number": values.get("number", ""), **values}
        parts.append(str(sentence) % values)
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]
