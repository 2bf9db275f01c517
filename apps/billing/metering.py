"""What OkiOki bills: the one rule of a billable document, and nothing else.

A **billable document** is a document OkiOki collected for the company: it came by a
mailbox, the forwarding address, a cloud folder, an upload or the API. Not billable:

- a duplicate (the same file again: the company has it already);
- a document the user deletes as junk within ``BILLING_JUNK_GRACE_HOURS`` of its arrival
  (its count is given back to its month, see ``usage_release``);
- an e-invoice received over Peppol (the company's own post, not collected);
- a document OkiOki made (a sales invoice or credit note issued in OkiOki);
- a bank statement file (CODA, CAMT, MT940: it goes to the bank import, no document).

Every decision to count a document, or to give its count back, asks ``is_billable`` with
the facts it knows; ``apps.documents`` calls it where documents arrive and are junked.
Billing sits below documents, so the facts come as plain values (a source is the value of
``apps.documents.models.Source``).
"""

from datetime import timedelta

from django.conf import settings

# The sources by which OkiOki collects a document for the company (values of Source).
COLLECTED_SOURCES = frozenset({"mailbox", "forwarding", "cloud", "upload", "api"})
# The other sources, not collected: received over Peppol, made in OkiOki (sales).
UNCOLLECTED_SOURCES = frozenset({"peppol", "sales"})


def junk_grace() -> timedelta:
    """How long after its arrival a document deleted as junk is not billed."""
    return timedelta(hours=settings.BILLING_JUNK_GRACE_HOURS)


def is_billable(
    *,
    source: str,
    is_duplicate: bool = False,
    is_bank_statement: bool = False,
    junked_after: timedelta | None = None,
) -> bool:
    """Does this document count against the company's month (and so get billed past the
    plan's included number)?

    ``source``: how it arrived (a ``Source`` value); ``is_duplicate``: the same file arrived
    before; ``is_bank_statement``: a bank statement file; ``junked_after``: the user deleted
    it as junk this long after its arrival (None: not junked)."""
    if source not in COLLECTED_SOURCES:
        return False  # received over Peppol, or made in OkiOki
    if is_duplicate or is_bank_statement:
        return False
    return junked_after is None or junked_after > junk_grace()
