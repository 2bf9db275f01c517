"""The company's forwarding address: mail sent or forwarded to it becomes documents.

One code path for every way such mail reaches us (the ``inbox_smtpd`` SMTP server behind the
MTA, or a provider's inbound webhook): ``forwarded_message_receive`` stores the e-mail as it
came and answers at once; a worker collects its documents (``message_collect``).
"""

import hashlib
import secrets
import time
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from apps.billing.entitlements import collection_allowed
from apps.billing.selectors import usage_get
from apps.companies.models import Company, Membership
from apps.companies.scoping import company_scope, no_company
from apps.inbox.mail import parse_message
from apps.inbox.messages import message_find, message_new
from apps.inbox.models import ForwardingAddress, InboundMessage


def forwarding_address_of(*, company: Company) -> ForwardingAddress | None:
    """The company's address; None before someone asked for one (a read never makes it)."""
    return ForwardingAddress.objects.filter(company=company).first()


def forwarding_address_create(*, company: Company) -> ForwardingAddress:
    """The company's address, made when first asked for: ``<slug>-<10 random hex>@<domain>``.
    Idempotent: an existing address is kept and returned, never replaced."""
    address = forwarding_address_of(company=company)
    if address is not None:
        return address
    base = slugify(company.slug)[:40].strip("-") or "company"
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return ForwardingAddress.objects.create(
                    company=company, local_part=f"{base}-{secrets.token_hex(5)}"
                )
        except IntegrityError:
            existing = ForwardingAddress.objects.filter(company=company).first()
            if existing is not None:
                return existing
    raise RuntimeError("Could not find a free forwarding address")


def forwarding_address_update(
    *, address: ForwardingAddress, only_allowed_senders: bool, allowed_senders: str
) -> ForwardingAddress:
    lines = [line.strip().lower() for line in allowed_senders.splitlines() if line.strip()]
    address.only_allowed_senders = only_allowed_senders
    address.allowed_senders = "\n".join(dict.fromkeys(lines))
    address.save(update_fields=["only_allowed_senders", "allowed_senders", "updated_at"])
    return address


def forwarding_address_find(recipient: str) -> ForwardingAddress | None:
    """The address a recipient names, if it is one of ours and its company is active.

    Listed bypass of the company scope: the recipient is what tells us the company.
    """
    local_part, _at, domain = parseaddr(recipient)[1].lower().rpartition("@")
    if not local_part or domain != settings.INBOUND_EMAIL_DOMAIN.lower():
        return None
    local_part = local_part.split("+", 1)[0]  # name+anything@ reaches name@
    with no_company():
        return (
            ForwardingAddress.objects.unscoped()
            .select_related("company")
            .filter(local_part=local_part, company__is_active=True)
            .first()
        )


def sender_allowed(address: ForwardingAddress, senders: list[str]) -> bool:
    if not address.only_allowed_senders:
        return True
    allowed = address.allowed_sender_list
    with company_scope(address.company):
        members = {
            email.lower()
            for email in Membership.objects.filter(company=address.company).values_list(
                "user__email", flat=True
            )
        }
    for sender in filter(None, (s.strip().lower() for s in senders)):
        domain = "@" + sender.rpartition("@")[2]
        if sender in members or sender in allowed or domain in allowed:
            return True
    return False


def over_ceiling(company: Company) -> bool:
    """The company collected so much this month that its address takes no more mail."""
    with company_scope(company):
        return usage_get(company=company).is_over_ceiling


def collection_paused(company: Company) -> bool:
    """The company's plan in force collects nothing (Start, or a payment overdue past its
    grace): its address takes no mail, and the sender keeps it."""
    with company_scope(company):
        return not collection_allowed(company)


def sender_over_rate(address: ForwardingAddress, sender: str) -> bool:
    """Count one more message from ``sender`` to this address; True past
    ``INBOUND_SENDER_MESSAGES_PER_HOUR`` in the last hour (refused ones count too: a flood
    stays refused).

    A sliding window over two hourly counters: the previous hour counts for the part of it
    still inside the last sixty minutes, so a flood split across a full hour (59:59, then
    00:00) is not let through twice."""
    now = time.time()
    hour, elapsed = divmod(now, 3600)
    who = hashlib.sha256(sender.strip().lower().encode()).hexdigest()[:24]
    prefix = f"okioki:inbound-rate:{address.company_id}:{who}"
    key = f"{prefix}:{int(hour)}"
    cache.add(key, 0, timeout=2 * 3600 + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=2 * 3600 + 60)
        count = 1
    previous = cache.get(f"{prefix}:{int(hour) - 1}", 0)
    return count + previous * (1 - elapsed / 3600) > settings.INBOUND_SENDER_MESSAGES_PER_HOUR


# What the SMTP receiver and the webhook answer to each refusal, said the same way.
REFUSALS = {
    "unknown_address": (550, "5.1.1", "No such address here", 404),
    "sender_not_allowed": (550, "5.7.1", "Sender not allowed for this address", 403),
    "rate_limited": (
        450,
        "4.7.1",
        "Too many messages from this sender to this address this hour, try again later",
        429,
    ),
    "collection_paused": (
        550,
        "5.7.1",
        "OkiOki collects no documents for this company on its current plan (or while a "
        "payment is overdue); nothing was stored, please keep this message",
        403,
    ),
    "monthly_ceiling": (
        552,
        "5.2.2",
        "This address received far more documents this month than its plan allows and takes "
        "no more mail until next month",
        429,
    ),
}


@dataclass
class Received:
    accepted: bool
    reason: str = ""  # a key of REFUSALS
    message: InboundMessage | None = None
    is_duplicate: bool = False


def forwarded_message_receive(*, recipient: str, raw: bytes, envelope_sender: str) -> Received:
    """Accept an e-mail for one recipient: stored as it came, its documents collected after
    commit. Refuses unknown addresses, mail for a company whose plan in force collects
    nothing (the sender keeps it) and, when the company asks, unknown senders."""
    address = forwarding_address_find(recipient)
    if address is None:
        return Received(accepted=False, reason="unknown_address")
    company = address.company
    if collection_paused(company):
        return Received(accepted=False, reason="collection_paused")
    header_end = raw.find(b"\r\n\r\n")
    head = raw[: header_end if header_end >= 0 else 64 * 1024]
    parsed = parse_message(head + b"\r\n\r\n")
    if not sender_allowed(address, [envelope_sender, parsed.sender_address]):
        return Received(accepted=False, reason="sender_not_allowed")
    if over_ceiling(company):
        return Received(accepted=False, reason="monthly_ceiling")
    if sender_over_rate(address, envelope_sender or parsed.sender_address):
        return Received(accepted=False, reason="rate_limited")
    with company_scope(company), transaction.atomic():
        existing = message_find(company=company, mailbox=None, key=parsed.key)
        if existing is not None:
            return Received(accepted=True, message=existing, is_duplicate=True)  # a retry
        message = message_new(
            company=company,
            channel=InboundMessage.Channel.FORWARDING,
            parsed=parsed,
            raw=raw,
            details={"to": recipient, "envelope_sender": envelope_sender},
        )
        message.raw.save("message.eml", ContentFile(raw), save=False)
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            message.raw.delete(save=False)
            return Received(accepted=True, is_duplicate=True)
        ForwardingAddress.objects.filter(pk=address.pk).update(
            messages_received=F("messages_received") + 1, last_received_at=timezone.now()
        )
        transaction.on_commit(lambda: _enqueue_collect(message))
    return Received(accepted=True, message=message)


def _enqueue_collect(message: InboundMessage) -> None:
    from apps.inbox.tasks import message_collect

    message_collect.delay(message.company_id, message.pk)
