"""The e-mail channel: hand one e-mail to the outgoing SMTP server and say exactly what it
answered.

Django's SMTP backend only says "sent" or raises; the transfer needs the server's words (the
"250 2.0.0 OK queued as …" line is the proof of delivery, a 4xx means try again, a 5xx means
stop). So with the SMTP backend the conversation is driven here on the backend's connection;
with any other backend (files in development, locmem in unit tests) the message is handed
to it and the outcome says which backend took it.
"""

import contextlib
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.translation import gettext as _

from apps.connections.transports.base import Outcome, Parcel

KEPT_BY_BACKEND = "okioki:kept-by:"


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:1000]


def _refused(code: int, response: bytes | str) -> Outcome:
    return Outcome(accepted=False, temporary=400 <= code < 500, code=code, response=_text(response))


def message_for(parcel: Parcel) -> EmailMessage:
    """The e-mail of a parcel: its subject, body and attachments, to its destination."""
    message = EmailMessage(
        subject=parcel.subject,
        body=parcel.body,
        from_email=parcel.sender,
        to=[parcel.destination],
        reply_to=[parcel.reply_to] if parcel.reply_to else None,
        headers={
            **({"Message-ID": parcel.message_id} if parcel.message_id else {}),
            **parcel.headers,
        },
    )
    for name, content, mime in parcel.attachments:
        message.attach(name, content, mime)
    return message


class EmailTransport:
    name = "email"

    def send(self, parcel: Parcel) -> Outcome:
        return send(message_for(parcel))

    def describe(self, answer: str) -> str:
        """The server's answer; without a mail server (development), where the e-mail went,
        in plain words."""
        if answer.startswith(KEPT_BY_BACKEND):
            if answer.endswith(":filebased"):
                return _(
                    "Not really sent: no mail server is set up, so the e-mail was kept as a "
                    "file in %(path)s."
                ) % {"path": settings.EMAIL_FILE_PATH}
            return _("Not really sent: no mail server is set up.")
        if answer and not answer[:3].isdigit():
            # no answer at all: the connection failed (the technical detail in brackets)
            return _("The mail server could not be reached (%(detail)s).") % {"detail": answer}
        return answer


EMAIL = EmailTransport()


def send(message: EmailMessage) -> Outcome:
    """Send ``message`` (one recipient) and return the server's answer. Never raises for
    anything the server or the network does."""
    backend = get_connection(fail_silently=False)
    if not isinstance(backend, SmtpBackend):
        sent = backend.send_messages([message])
        # A marker, not words: the pages say it in the reader's language (describe).
        response = f"{KEPT_BY_BACKEND}{type(backend).__module__.rsplit('.', 1)[-1]}"
        return Outcome(accepted=bool(sent), temporary=not sent, code=None, response=response)
    try:
        backend.open()
        assert backend.connection is not None
        return _converse(backend.connection, message)
    except smtplib.SMTPResponseException as error:
        return _refused(error.smtp_code, error.smtp_error)
    except (smtplib.SMTPException, OSError) as error:  # refused, reset, timeout, TLS
        name = type(error).__name__
        return Outcome(
            accepted=False,
            temporary=True,
            code=None,
            response=_text(f"{name}: {error}" if str(error) else name),
        )
    finally:
        # Closing a broken connection must not hide the outcome.
        with contextlib.suppress(Exception):
            backend.close()


def _converse(smtp: smtplib.SMTP, message: EmailMessage) -> Outcome:
    envelope_from = parseaddr(message.from_email)[1]
    recipients = message.recipients()
    smtp.ehlo_or_helo_if_needed()
    code, response = smtp.mail(envelope_from)
    if code != 250:
        return _refused(code, response)
    for recipient in recipients:
        code, response = smtp.rcpt(recipient)
        if code not in (250, 251):
            smtp.rset()
            return _refused(code, response)
    # As Django's SMTP backend does: smtplib sends bytes as they are, and SMTP wants CRLF.
    data = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
    code, response = smtp.data(data)
    if code != 250:
        return _refused(code, response)
    return Outcome(accepted=True, temporary=False, code=code, response=_text(response))
