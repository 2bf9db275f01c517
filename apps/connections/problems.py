"""Why a delivery is not sent, stored as codes with parameters and worded for the reader.

The "delivery" catalogue of coded problems (``apps.core.problems``); a delivery whose UBL
does not validate carries the documents' own ``envelope_invalid`` problem, in its words.
"""

import contextlib
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.problems import Problem, catalogue_register, describe_all, make

MESSAGES: dict[str, Promise] = {
    "rejected": _("The accountant's mail server refused the e-mail: %(response)s"),
    "gave_up": _(
        "The accountant's mail server could not be reached for a day (last answer: "
        "%(response)s). Check the address, then try again."
    ),
    "not_ready": _("The document needs review before it can be sent."),
    "no_file": _("The document's file is missing; upload it again."),
    "no_envelope": _("The UBL for the accountant has not been made yet; check the document."),
    "too_large": _(
        "The e-mail would be %(size)s MB, more than the %(limit)s MB the transfer allows. "
        "Split the document or send it to your accountant another way."
    ),
    "superseded": _("Replaced by a newer delivery of the same document."),
    "before_send_from": _(
        "Not sent: the document is dated before %(date)s, the day from which documents are "
        "sent to your accountant."
    ),
    "junk": _("The document was deleted as junk: it is not sent."),
}


def _prepare(code: str, params: dict[str, Any]) -> dict[str, Any]:
    """A stored ISO date in the reader's way of writing dates."""
    if "date" in params:
        with contextlib.suppress(TypeError, ValueError):
            params = {**params, "date": date_format(date.fromisoformat(params["date"]))}
    return params


CATALOGUE = "delivery"
catalogue_register(CATALOGUE, MESSAGES, _prepare)


def problem(code: str, **params: Any) -> Problem:
    return make(code, CATALOGUE, **params)


__all__ = ["MESSAGES", "describe_all", "problem"]
