"""What keeps a document from being ready (the "review" catalogue of coded problems,
``apps.core.problems``); and notices, which flag something about a document without keeping
it from being ready. Amounts are formatted and field names translated for the reader.

A document's problems come from other catalogues too (PDF reading, e-invoice parsing, the
XML parser, the delivery): each is registered by its own module and shown by
``describe``.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core import problems as coded
from apps.core.money import format_money
from apps.core.problems import Problem, blocking, describe, describe_all
from apps.einvoice.explanations import explain

__all__ = ["Problem", "blocking", "describe", "describe_all", "make", "notice"]
REVIEW = "review"

REVIEW_MESSAGES: dict[str, Promise] = {
    "missing_fields": _("Please fill in %(fields)s."),
    "unsure_fields": _("Please check %(fields)s: OkiOki is not sure it read them right."),
    "new_counterparty": _(
        "The first document from %(name)s: please check what OkiOki read. Once you have "
        "saved it, the next documents from %(name)s go to your accountant by themselves."
    ),
    "totals_inconsistent": _("The totals don't add up: %(net)s + %(vat)s VAT is not %(gross)s."),
    "envelope_totals": _(
        "The amounts per VAT rate don't match the totals: they come to %(envelope_net)s + "
        "%(envelope_vat)s VAT = %(envelope_gross)s, the document says %(net)s + %(vat)s VAT = "
        "%(gross)s. Check the VAT rates and the totals."
    ),
    "vat_rates_unknown": _(
        "The amount excl. VAT per VAT rate is not known. Fill in the VAT rates and their amounts."
    ),
    "envelope_invalid": _("The UBL for your accountant is not valid yet: %(reasons)s"),
    "wrong_receiver": _(
        "This e-invoice came over Peppol addressed to %(receiver)s, which is not your "
        "company's Peppol ID. Check that it is yours: save it to send it on to your "
        "accountant, or delete it."
    ),
    "source_amounts_inconsistent": _(
        "The amounts on this e-invoice don't add up: %(items)s. Your accountant gets them as "
        "the sender stated them; ask the sender for a corrected invoice if they are wrong."
    ),
}

# Rules a person can fix on a received document (where the user is the buyer), with the
# field that fixes them: on the document's correction form, or "company" for the company's
# settings. OkiOki fills the envelope from these fields.
RECEIVED_ACTIONS: dict[str, tuple[str, Promise]] = {
    "PEPPOL-EN16931-R020": (
        "counterparty_enterprise_number",
        _(
            "The supplier's Peppol address is not known: fill in its Belgian enterprise number "
            "or its VAT number, OkiOki makes the address from it."
        ),
    ),
    "PEPPOL-EN16931-R010": (
        "company",
        _(
            "Your company's Peppol address is not known: fill in your enterprise number in the "
            "company settings."
        ),
    ),
}

# How the notice about a read e-invoice's amounts names each amount (EN 16931 terms).
AMOUNT_TERMS: dict[str, Promise] = {
    "BT-106": _("the sum of the lines"),
    "BT-107": _("the total of the allowances"),
    "BT-108": _("the total of the charges"),
    "BT-109": _("the total excl. VAT"),
    "BT-110": _("the VAT total"),
    "BT-112": _("the total incl. VAT"),
    "BT-115": _("the amount due"),
    "BT-116": _("the amount excl. VAT at %(rate)s %%"),
    "BT-117": _("the VAT at %(rate)s %%"),
}

# How review messages name the fields they ask about.
FIELD_NAMES: dict[str, Promise] = {
    "counterparty_name": _("the supplier or customer"),
    "counterparty_vat_id": _("the VAT number"),
    "number": _("the document number"),
    "issue_date": _("the date"),
    "total_excl_vat": _("the total excl. VAT"),
    "total_vat": _("the VAT"),
    "total_incl_vat": _("the total"),
    "vat_breakdown": _("the amounts per VAT rate"),
}

AMOUNT_PARAMS = {"net", "vat", "gross", "envelope_net", "envelope_vat", "envelope_gross"}


def make(code: str, catalogue: str = REVIEW, **params: Any) -> Problem:
    """A problem to store, of the review catalogue unless another is named."""
    return coded.make(code, catalogue, **params)


def notice(code: str, **params: Any) -> Problem:
    """A flag to show on the document that does not keep it from being ready."""
    return coded.notice(code, REVIEW, **params)


def _amount_items(params: dict[str, Any], currency: str) -> str:
    """Each amount that doesn't add up: what is stated and what the other amounts give."""
    described = []
    for item in params.get("items", []):
        name = AMOUNT_TERMS.get(item.get("term", ""))
        label = str(name) % {"rate": item.get("rate", "")} if name else item.get("term", "")
        described.append(
            gettext("%(amount)s is %(stated)s, the other amounts give %(computed)s")
            % {
                "amount": label,
                "stated": _amount(item.get("stated", ""), currency),
                "computed": _amount(item.get("computed", ""), currency),
            }
        )
    return "; ".join(described)


def _amount(value: Any, currency: str) -> str:
    try:
        return format_money(Decimal(str(value)), currency, (get_language() or "en")[:2])
    except (InvalidOperation, ValueError):
        return str(value)


def _reasons(params: dict[str, Any]) -> str:
    """Validation failures in plain words when we have them, else the rule and its text.

    On a received document (``side`` buyer) only what the buyer can act on is spelt out; the
    rest is counted, its details are on the page's technical details."""
    side = params.get("side", "seller")
    reasons, others = [], 0
    for failure in params.get("failures", []):
        rule, text = failure.get("rule", ""), failure.get("text", "")
        action = RECEIVED_ACTIONS.get(rule) if side == "buyer" else None
        explanation = action[1] if action else explain(rule, side)
        if explanation:
            reasons.append(str(explanation))
        elif side == "buyer":
            others += 1
        elif text.startswith(f"[{rule}]"):
            reasons.append(text)  # the official text already names its rule
        else:
            reasons.append(f"[{rule}] {text}".strip())
    if others:
        reasons.append(
            ngettext(
                "%(count)s rule the invoice as the supplier sent it doesn't meet (see the "
                "technical details; ask the supplier for a corrected invoice)",
                "%(count)s rules the invoice as the supplier sent it doesn't meet (see the "
                "technical details; ask the supplier for a corrected invoice)",
                others,
            )
            % {"count": others}
        )
    reasons.extend(str(error) for error in params.get("errors", []))
    return "; ".join(dict.fromkeys(reasons))


def _prepare(code: str, params: dict[str, Any]) -> dict[str, Any]:
    """The stored parameters of a review problem as its words show them."""
    currency = params.pop("currency", "EUR")
    for key in AMOUNT_PARAMS & params.keys():
        params[key] = _amount(params[key], currency)
    if "fields" in params:
        params["fields"] = ", ".join(
            str(FIELD_NAMES.get(name, name)) for name in params["fields"] or []
        )
    if code == "envelope_invalid":
        return {"reasons": _reasons(params)}
    if code == "source_amounts_inconsistent":
        return {"items": _amount_items(params, currency)}
    return params


coded.catalogue_register(REVIEW, REVIEW_MESSAGES, _prepare)
