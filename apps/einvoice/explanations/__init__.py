"""Plain-language explanations of the validation rules, from the user's side.

Every rule id that fires on the official examples, their broken copies and the official Peppol
and CEN test files (the list ``apps/einvoice/fired_rules.txt``, made by
``scripts/fired_rules.py``) has a sentence saying what is wrong and what to do. The texts are in
``cen`` and ``peppol``; rules that share a cause share a text. A rule about the seller or the
buyer reads differently for the one who issued the document (``side=SALES``, the default: our
user is the seller) and for the one who received it (``side=RECEIVED``: our user is the buyer
and only the supplier can correct it).
"""

from pathlib import Path

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.einvoice.cii import profiles
from apps.einvoice.explanations import cen, peppol
from apps.einvoice.explanations.sides import RECEIVED, SALES, SIDES

__all__ = ["PARTY", "RECEIVED", "SALES", "TEXTS", "explain", "fired_rules"]

TEXTS: dict[str, Promise] = {**cen.TEXTS, **peppol.TEXTS}
# Rule families whose every member says the same: all 678 UBL-CR rules of the CEN UBL rules read
# "A UBL invoice should (or shall) not include ..." (the fired ones among them are in TEXTS too).
FAMILIES: dict[str, Promise] = {"UBL-CR-": cen.TEXTS["UBL-CR-679"]}
PARTY: dict[str, dict[str, Promise]] = {**cen.PARTY, **peppol.PARTY}

# Verdicts of our own (not a rule of an official rule set): the same words on either side.
OWN: dict[str, Promise] = {profiles.NOT_EN16931: profiles.NOT_EN16931_MESSAGE}

FIRED_RULES = Path(__file__).resolve().parent.parent / "fired_rules.txt"
_SUPPLIER_CORRECTS = _("Only the supplier can correct this: ask for a corrected invoice.")


def explain(rule: str, side: str = SALES) -> Promise | None:
    """Plain words for ``rule`` (lazy, in the active language), or None for a rule never seen.

    On a received document a rule about the invoice itself gets a second sentence saying who
    can correct it; a rule about a party has its own text for each side. ``side`` is SALES or
    RECEIVED, or the party the user is: "seller" (SALES) or "buyer" (RECEIVED).
    """
    if side not in SIDES:
        raise ValueError(f"unknown side {side!r}: one of {', '.join(SIDES)}")
    side = SIDES[side]
    if rule in OWN:
        return OWN[rule]
    party = PARTY.get(rule, {})
    if side in party:
        return party[side]
    text = TEXTS.get(rule) or party.get(SALES) or _family(rule)
    if text is None:
        return None
    if side == RECEIVED:
        return format_lazy("{} {}", text, _SUPPLIER_CORRECTS)
    return text


def _family(rule: str) -> Promise | None:
    return next((text for prefix, text in FAMILIES.items() if rule.startswith(prefix)), None)


def fired_rules() -> list[str]:
    """The rule ids seen firing, most frequent first (see scripts/fired_rules.py)."""
    return FIRED_RULES.read_text(encoding="utf-8").split()
