"""The seeded plans' names and descriptions, for the translators.

Plans are rows an admin edits, in English; the seeded ones (migrations 0002 and 0003) are
shown in the reader's language through these messages. A name or description an admin
wrote differently is shown as written."""

from django.utils.translation import gettext, gettext_noop

SEEDED = (
    gettext_noop("Start"),
    gettext_noop("Collect 25"),
    gettext_noop("Collect 70"),
    gettext_noop("Collect 200"),
    gettext_noop(
        "E-invoicing: quotes, sending and receiving e-invoices (PDF and Peppol), "
        "and everything to your accountant."
    ),
    gettext_noop(
        "Everything in Start, plus 25 documents a month collected for you from your mailboxes, "
        "your forwarding address and cloud folders."
    ),
    gettext_noop(
        "Everything in Start, plus 70 documents a month collected for you from your mailboxes, "
        "your forwarding address and cloud folders."
    ),
    gettext_noop(
        "Everything in Start, plus 200 documents a month collected for you from your mailboxes, "
        "your forwarding address and cloud folders."
    ),
)


def plan_text(value: str) -> str:
    """A plan's name or description in the active language (as written when not seeded)."""
    return gettext(value) if value in SEEDED else value
