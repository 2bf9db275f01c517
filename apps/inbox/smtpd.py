"""The SMTP receiver of the forwarding addresses (``manage.py inbox_smtpd``), on aiosmtpd.

It sits behind the MTA in production (which does TLS, spam and SPF checks and relays the
inbound domain here). Unknown recipients, and those of a company whose plan collects nothing
now, are refused at RCPT time (5xx: the sender keeps the mail), oversize mail by aiosmtpd's
size limit (552), and mail is answered 250 only once it is stored.
"""

import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from apps.inbox.forwarding import (
    REFUSALS,
    collection_paused,
    forwarded_message_receive,
    forwarding_address_find,
    over_ceiling,
)

logger = logging.getLogger(__name__)


def _refusal_at_rcpt(address: str) -> str:
    """Why mail to ``address`` is refused before its body is sent ("" when it is welcome)."""
    close_old_connections()
    found = forwarding_address_find(address)
    if found is None:
        return "unknown_address"
    if collection_paused(found.company):
        return "collection_paused"
    return "monthly_ceiling" if over_ceiling(found.company) else ""


def _receive(recipients: list[str], raw: bytes, sender: str) -> tuple[int, list[str]]:
    close_old_connections()
    accepted, refused = 0, []
    for recipient in recipients:
        outcome = forwarded_message_receive(recipient=recipient, raw=raw, envelope_sender=sender)
        if outcome.accepted:
            accepted += 1
        else:
            refused.append(outcome.reason)
    return accepted, refused


def refusal_reply(reasons: list[str]) -> str:
    """The SMTP answer when no recipient took the message: a temporary refusal (try later)
    wins over a permanent one, so that mail to a rate-limited address is retried."""
    replies = [REFUSALS.get(reason, REFUSALS["sender_not_allowed"]) for reason in reasons]
    code, status, text, _http = min(replies, key=lambda reply: reply[0] // 100)
    return f"{code} {status} {text}"


class InboundHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= 20:
            return "452 4.5.3 Too many recipients"
        refusal = await sync_to_async(_refusal_at_rcpt, thread_sensitive=True)(address)
        if refusal:
            return refusal_reply([refusal])
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            accepted, refused = await sync_to_async(_receive, thread_sensitive=True)(
                list(envelope.rcpt_tos), raw, envelope.mail_from or ""
            )
        except Exception:
            logger.exception("Could not store an inbound message")
            return "451 4.3.0 Could not store the message, try again later"
        if not accepted:
            return refusal_reply(refused)
        return "250 2.0.0 Message accepted"


def make_controller(*, host: str, port: int, **kwargs: Any) -> Controller:
    return Controller(
        InboundHandler(),
        hostname=host,
        port=port,
        data_size_limit=settings.INBOX_MAX_MESSAGE_SIZE,
        ident="OkiOki inbound",
        **kwargs,
    )
