"""The checks on a document as its reader sees them, from the stored verdict only.

The page never validates: it shows what the last assessment stored (``Document.validation``),
so a verdict changes only with an assessment, which writes its reason in the timeline. What
the user can act on is said in their language, next to the field that fixes it; the rest
(rules only the sender can fix, national rules, the official texts) goes to the technical
details. On a received document the user is the buyer: a rule about the seller is the
supplier's to fix, or OkiOki's to fill from what the user entered.
"""

from dataclasses import dataclass, field
from typing import Any

from apps.documents.models import Category, Document
from apps.documents.problems import RECEIVED_ACTIONS


@dataclass
class Action:
    text: str
    field: str  # a field of the document's correction form, or "company" for the settings


@dataclass
class Checks:
    checked: bool = False
    side: str = "seller"  # "buyer" on a received e-invoice
    is_valid: bool = False  # the envelope for the accountant, as stored
    as_sent: dict[str, Any] | None = None  # a received e-invoice as sent (for information)
    actions: list[Action] = field(default_factory=list)
    supplier_rules: bool = False  # failures only the sender can fix
    technical: list[dict[str, Any]] = field(default_factory=list)


def _technical(failures: list[dict[str, Any]], origin: str) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for failure in failures:
        rule = failure.get("rule", "")
        seen.setdefault(
            (rule, failure.get("text", "")),
            {
                "rule": rule,
                "layer": failure.get("layer", ""),
                "text": failure.get("text", ""),
                "severity": failure.get("severity", ""),
                "origin": origin,
            },
        )
    return list(seen.values())


def document_checks(document: Document) -> Checks:
    """The stored verdict of a document's envelope, split for its reader."""
    stored = document.validation or {}
    if "envelope_valid" not in stored and not stored.get("failures"):
        return Checks()
    if document.category == Category.MISCELLANEOUS and not document.envelope:
        return Checks()  # a letter or a contract goes as it is: no UBL to judge
    received = bool(document.xml) and document.category != Category.SALES
    checks = Checks(
        checked=True,
        side="seller" if document.category == Category.SALES else "buyer",
        # documents checked before the verdict was stored: the report's own verdict on the
        # layers that matter for the accountant
        is_valid=bool(stored.get("envelope_valid", not _blocking(stored))),
        as_sent=stored.get("as_sent") if received else None,
    )
    failures = [f for f in stored.get("failures", []) if f.get("severity", "fatal") == "fatal"]
    technical = []
    for failure in failures:
        action = RECEIVED_ACTIONS.get(failure.get("rule", "")) if received else None
        if action is not None:
            fix = Action(text=str(action[1]), field=action[0])
            if fix not in checks.actions:
                checks.actions.append(fix)
        else:
            technical.append(failure)
    checks.supplier_rules = received and not checks.is_valid and bool(technical)
    checks.technical = _technical(technical, "envelope")
    if checks.as_sent:
        checks.technical += _technical(checks.as_sent.get("failures", []), "as_sent")
    return checks


def _blocking(stored: dict[str, Any]) -> bool:
    return bool(stored.get("errors")) or any(
        f.get("severity", "fatal") == "fatal" and f.get("layer") in ("xsd", "en16931")
        for f in stored.get("failures", [])
    )
