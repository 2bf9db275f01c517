"""Deleting a document as junk: a person says a collected file is no document of theirs
(an advertisement, a newsletter's PDF, a picture of the wrong thing).

The document leaves every list and the transfer to the accountant; its original stays (it
is marked, never deleted), and a junk document never comes back. Within the junk grace
period after its arrival it is not billable (``apps.billing.metering``): its count is given
back to the month it was counted in, once. A document the accountant already received
can't be junked (the accountant has it; they are told to ignore it instead), nor one being
read right now, nor an invoice made in OkiOki (a credit note corrects that one).
"""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.billing.metering import is_billable
from apps.billing.services import usage_release
from apps.core.errors import DomainError
from apps.documents.models import Document, Event, Source

# Takes a junked document out of the transfer to the accountant (cancels what waits to be
# sent; raises DomainError when a copy is on its way or sent): ``apps.connections``,
# registered once at start-up by ``apps.flows`` (documents knows nothing of the transfer).
TransferWithdraw = Callable[[Document], None]
_withdraw: TransferWithdraw | None = None


def transfer_withdraw_register(withdraw: TransferWithdraw) -> None:
    global _withdraw
    if _withdraw is not None and _withdraw is not withdraw:
        raise ValueError("another transfer withdrawal is registered already")
    _withdraw = withdraw


def junk_refusal(document: Document) -> DomainError | None:
    """Why ``document`` can't be deleted as junk (the page says it before asking), or None."""
    if document.junk_at is not None:
        return DomainError(_("This document is deleted as junk already."), code="junk_already")
    if document.source == Source.SALES:
        return DomainError(
            _("An invoice made in OkiOki can't be deleted: correct it with a credit note."),
            code="junk_sales",
        )
    if document.delivered_at is not None or document.status == Document.Status.DELIVERED:
        return DomainError(
            _(
                "This document was already sent to your accountant, so it can't be deleted "
                "as junk. Ask your accountant to ignore it."
            ),
            code="junk_delivered",
        )
    if document.status == Document.Status.READING:
        return DomainError(
            _("OkiOki is reading this document right now. Try again in a minute."),
            code="junk_reading",
        )
    return None


@transaction.atomic
def document_junk(*, document: Document, actor: User) -> bool:
    """Delete ``document`` as junk (see the module). True when its count was given back to
    its month (junked within the grace period); a junk document is junked once, so its
    count is given back once at most."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    refusal = junk_refusal(document)
    if refusal is not None:
        raise refusal
    if _withdraw is not None:
        _withdraw(document)  # nothing more goes to the accountant (or the refusal, all undone)
    now = timezone.now()
    released = False
    month = document.counted_month
    if month is not None and not is_billable(
        source=document.source, junked_after=now - document.received_at
    ):
        released = usage_release(company=document.company, month=month)
        document.counted_month = None
    document.junk_at, document.junked_by = now, actor
    document.save(update_fields=["junk_at", "junked_by", "counted_month", "updated_at"])
    Event.objects.create(
        company=document.company,
        document=document,
        action=Event.Action.JUNKED,
        actor=actor,
        data={"month": month.isoformat() if month else "", "released": released},
    )
    return released
