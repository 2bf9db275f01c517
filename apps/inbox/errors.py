"""What can go wrong while collecting, as codes with messages a user can act on."""

from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.errors import DomainError
from apps.core.problems import worded
from apps.documents.errors import INGEST_ERRORS

CONNECTION_ERRORS: dict[str, Promise] = {
    "wrong_password": _(
        "The server refused the user name or password. Check them; with two-step verification "
        "on (Gmail, Microsoft 365), create an app password and use that."
    ),
    "host_not_found": _("The server name can't be found. Check the spelling of the host."),
    "refused": _("The server refused the connection. Check the host and the port."),
    "timeout": _("The server did not answer in time. Check the host and port, or try later."),
    "tls_failed": _(
        "The secure connection failed (TLS). Check the security setting and the port: "
        "SSL/TLS is usually port 993, STARTTLS port 143."
    ),
    # one answer for every refused destination, given before any packet is sent
    "not_allowed": _(
        "This server address is not allowed. OkiOki only connects to servers on the internet."
    ),
    "plain_not_allowed": _(
        "A connection without encryption is only allowed to this computer (localhost)."
    ),
    "folder_missing": _("The folder %(folder)s does not exist in this mailbox."),
    "connection_lost": _("The connection was lost during the scan; it resumes at the next one."),
    "protocol": _("The server answered something unexpected: %(detail)s"),
    "secret_unreadable": _("The stored password can't be read any more. Enter it again."),
    "not_webdav": _("This address does not answer as a WebDAV folder. Check the URL."),
    "cloud_folder_missing": _("The folder %(folder)s does not exist (any more) on the server."),
    "http_error": _("The server answered with an error (HTTP %(status)s)."),
    "forbidden": _("The server does not allow this account to read the folder."),
    "rate_limited": _(
        "%(provider)s asked OkiOki to slow down (too many requests); the next scan goes on."
    ),
    # signed in with Google or Microsoft (OAuth2)
    "oauth_revoked": _(
        "%(provider)s no longer lets OkiOki read this mailbox: the access was revoked or has "
        "expired. Reconnect it to resume collecting."
    ),
    "oauth_unavailable": _(
        "%(provider)s could not be reached to renew OkiOki's access; the next scan tries again."
    ),
    "oauth_refused": _("%(provider)s refused to renew OkiOki's access: %(detail)s"),
    "oauth_imap_refused": _(
        "%(provider)s signed OkiOki in, but the mailbox does not allow reading it over IMAP. "
        "Check that IMAP is on for this account (Gmail: Settings, Forwarding and POP/IMAP; "
        "Microsoft 365: ask your administrator)."
    ),
    # read through Microsoft Graph (a Microsoft 365 account whose IMAP is off)
    "graph_busy": _(
        "Microsoft asked OkiOki to wait (too many requests); the scan resumes at the next one."
    ),
    "graph_consent": _(
        "Microsoft 365 no longer allows IMAP for this account; reconnect once so OkiOki may "
        "read it through Microsoft Graph."
    ),
    "graph_forbidden": _(
        "Microsoft Graph does not let OkiOki read this mailbox (%(detail)s). Sign in again and "
        "allow reading mail, or ask your administrator to allow it."
    ),
    "graph_refused": _(
        "Microsoft Graph refused OkiOki's access to this mailbox (%(detail)s). Sign in again."
    ),
    "oauth_files_refused": _(
        "%(provider)s signed OkiOki in, but refuses it access to the files. Reconnect the "
        "folder; if that does not help, ask your administrator whether OkiOki may read files."
    ),
    "oauth_token_refused": _(
        "%(provider)s refused OkiOki's access even after it was renewed; the next scan tries "
        "again. If it goes on, disconnect and connect the folder again."
    ),
    "oauth_not_configured": _(
        "Sign-in with %(provider)s is not configured on this OkiOki server (any more)."
    ),
}

# Why a message or file did not (fully) become documents.
ITEM_PROBLEMS: dict[str, Promise] = {
    "too_large": _("The message is larger than the limit of %(limit)s MB and was not read."),
    "broken_mime": _(
        "The message is damaged (broken MIME structure); whatever could be read was kept."
    ),
    "unreadable": _("The message can't be read as an e-mail."),
    "no_documents": _("No invoice or receipt in this message."),
    "attachment_failed": _("Some attachments could not be used: %(details)s"),
    "body_pdf_failed": _("The invoice in the body of the message could not be turned into a PDF."),
    "sender_not_allowed": _("The sender is not allowed to send documents to this company."),
    "file_failed": _(
        "This file could not be collected because of an error on our side; it is tried again "
        "when it changes."
    ),
    "tnef_unsupported": _(
        "The winmail.dat attachment (Outlook's TNEF format) could not be opened or holds no "
        "file. The e-mail was kept as it came: ask the sender to attach the invoice as a PDF."
    ),
    "move_refused": _(
        "Collected, but could not be moved to %(folder)s: the account may not change files here."
    ),
    "too_deep": _(
        "The message is nested more than %(limit)s levels deep, too deep to be read safely. "
        "It was kept as it came."
    ),
    "too_many_parts": _(
        "The message has more than %(limit)s parts, too many to be read safely. "
        "It was kept as it came."
    ),
}


def _too_many_attachments(params: dict[str, object]) -> str:
    found, taken = int(str(params.get("found", 0))), int(str(params.get("taken", 0)))
    return ngettext(
        "%(found)s attachment, the first %(taken)s taken. The e-mail was kept as it came.",
        "%(found)s attachments, the first %(taken)s taken. The e-mail was kept as it came.",
        found,
    ) % {
        "found": number_format(found, force_grouping=True),
        "taken": number_format(taken, force_grouping=True),
    }


def describe(code: str, params: dict[str, object] | None = None) -> str:
    """The message of a stored code, in the language active now (the reader's, not the worker's)."""
    if code == "too_many_attachments":
        return _too_many_attachments(params or {})
    template = CONNECTION_ERRORS.get(code) or ITEM_PROBLEMS.get(code) or INGEST_ERRORS.get(code)
    if code == "too_large" and not params:
        params = {"limit": settings.MAX_UPLOAD_SIZE // (1024 * 1024)}
    if template is None:
        return code
    try:
        return str(template) % worded(params) if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


class InboxError(DomainError):
    """A connection problem: a code from CONNECTION_ERRORS and its parameters. Stored as both,
    so the message is rendered later in the language of whoever reads it."""

    def __init__(self, code: str, **params: object):
        super().__init__(describe(code, params), code=code)
        self.params = params

    @property
    def is_authentication(self) -> bool:
        """The server refused the password, or a drive its access token."""
        return self.code in ("wrong_password", "oauth_token_refused")
