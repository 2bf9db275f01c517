"""Where documents go: which settings decide it, and the owners' notice when they change.

Changing the destination is the one setting that can send a company's documents to someone
else; only the owner or an accountant of an office the owner linked may do it (see
``Action.ROUTE_TRANSFER``), and every change is e-mailed to all the owners, old and new
addresses side by side, with who made it.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.companies.models import Company
from apps.companies.services import owners_notify
from apps.connections.models import Transfer

ADDRESS_FIELDS = ("general_address", "purchases_address", "sales_address", "miscellaneous_address")
# The preset (package), the addresses, and on/off: what decides where documents go.
DESTINATION_FIELDS = ("package", *ADDRESS_FIELDS, "is_active")
# What the owners' notice shows, in this order.
NOTICE_FIELDS = (
    ("general_address", _("address for everything")),
    ("purchases_address", _("purchases")),
    ("sales_address", _("sales")),
    ("miscellaneous_address", _("miscellaneous")),
    ("is_active", _("sending on")),
)


def destination(transfer: Transfer | None) -> dict[str, Any]:
    """The destination settings of a transfer (the defaults of a new one for None)."""
    current = transfer if transfer is not None else Transfer()
    return {name: getattr(current, name) for name in DESTINATION_FIELDS}


def asks_to_reroute(*, transfer: Transfer | None, posted: Mapping[str, Any]) -> bool:
    """Whether a raw form submission tries to change the destination. For a person who may
    not: their form has no destination fields, so any such value was crafted."""
    current = destination(transfer)
    for name in DESTINATION_FIELDS:
        if name not in posted:
            continue
        value = posted[name]
        if name == "is_active":
            if (str(value).lower() in ("on", "true", "1")) != current[name]:
                return True
        elif str(value).strip().lower() != str(current[name]).strip().lower():
            return True
    return False


def _show(value: Any) -> Any:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value or "—"


def destination_change_notify(
    *, company: Company, before: Mapping[str, Any], after: Mapping[str, Any], actor: User | None
) -> None:
    """E-mail every owner of the company, each in their language, that the addresses changed:
    old and new side by side, and who changed them. Sent once the change is committed;
    nothing when none of the fields it shows changed (the preset alone sends nowhere else)."""
    rows = [
        {
            "label": label,
            "old": _show(before.get(name)),
            "new": _show(after.get(name)),
            "changed": before.get(name) != after.get(name),
        }
        for name, label in NOTICE_FIELDS
    ]
    if not any(row["changed"] for row in rows):
        return
    owners_notify(
        company=company,
        template="connections/transfer_changed",
        context={
            "rows": rows,
            "who": f"{actor.get_full_name()} <{actor.email}>".strip() if actor else "OkiOki",
            "url": settings.SITE_URL
            + reverse("connections:transfer", kwargs={"company_id": company.public_id}),
        },
    )
