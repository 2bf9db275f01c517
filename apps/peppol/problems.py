"""What can go wrong on Peppol, as codes worded when read, in the reader's language.

An adapter says what happened as a code and its parameters (the partner's name, an HTTP
status, an exception's name, and ``detail``: the partner's own words, quoted as they came);
a transmission stores both, and the page words them in the language of whoever reads it. The
partner's words are the partner's: never translated, never rewritten, only quoted.
"""

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.problems import worded

DETAIL_CHARACTERS = 500  # the partner's words are kept up to this length

MESSAGES: dict[str, Promise] = {
    # the request never reached the partner (refused connection, DNS, TLS)
    "not_reached": _("%(partner)s, the Peppol access point, could not be reached (%(error)s)."),
    # the request left, the answer did not come back (timeout, reset)
    "no_answer": _("The answer of %(partner)s, the Peppol access point, was lost (%(error)s)."),
    "unreadable": _("%(partner)s, the Peppol access point, answered something OkiOki can't read."),
    "incomplete": _("The answer of %(partner)s, the Peppol access point, is incomplete."),
    "server_error": _("%(partner)s, the Peppol access point, had an error (HTTP %(status)s)."),
    "rate_limited": _(
        "%(partner)s, the Peppol access point, asked OkiOki to slow down (too many requests)."
    ),
    "refused": _("%(partner)s, the Peppol access point, refused it: “%(detail)s”"),
    "refused_status": _(
        "%(partner)s, the Peppol access point, refused it (HTTP %(status)s): “%(detail)s”"
    ),
    "refused_http": _("%(partner)s, the Peppol access point, refused it (HTTP %(status)s)."),
    "not_sent_over_peppol": _("%(partner)s recorded the document but did not send it over Peppol."),
    "not_utf8": _("The e-invoice is not encoded in UTF-8, so it can't be sent."),
    "unknown_company": _("%(partner)s, the Peppol access point, does not know this company."),
    "no_identifier": _("%(partner)s has no Peppol identifier %(participant)s for this company."),
    "migration_refused": _("%(partner)s did not move %(participant)s: “%(detail)s”"),
    "migration_failed": _("%(partner)s did not move %(participant)s."),
    "too_many_matches": _(
        "%(partner)s has more than %(count)s sent documents that look like %(reference)s: "
        "OkiOki can't tell whether this one went out."
    ),
    "no_reference": _("A document without a number can't be looked up at %(partner)s."),
    "not_incoming": _("Document %(document)s at %(partner)s is not a received one."),
    "no_xml": _("%(partner)s has no XML for document %(document)s."),
    # a reason stored before reasons were codes, not recognised: the stored text as it was
    "other": _("The Peppol access point said: “%(detail)s”"),
}


def describe(code: str, params: Mapping[str, object] | None = None) -> str:
    """The words of a stored code, in the language active now; the code itself when nobody
    knows it (never an empty line where something went wrong)."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    try:
        return str(template) % worded(dict(params or {}))
    except (KeyError, TypeError, ValueError):
        return str(template)


def detail(text: str) -> str:
    """The partner's words, as they came, within the length kept."""
    return " ".join(text.split())[:DETAIL_CHARACTERS]
