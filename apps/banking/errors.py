"""Why a statement file was refused, in words (by the code the import recorded)."""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.archives import MESSAGES as ZIP_MESSAGES
from apps.core.problems import Problem, catalogue_register, make

# The catalogue of coded problems (``apps.core.problems``) a refused statement file is
# stored with where another app shows it (the e-mail it came with, the cloud folder's file).
CATALOGUE = "statement"

STATEMENT_ERRORS: dict[str, Promise] = {
    "iban_unknown": _(
        "This statement is for account %(iban)s, which is not one of this company's bank "
        "accounts. Add the account first, then import the statement again."
    ),
    "coda_version": _(
        "This is a CODA file of version 1, which cannot carry IBANs. Ask your bank for "
        "CODA version 2."
    ),
    "coda_balance": _(
        "The amounts in this CODA file don't add up to its balances (line %(line)s). The "
        "file may be damaged: export it again from your bank."
    ),
    "coda_globalisation": _(
        "The grouped payments in this CODA file don't add up to their total (line %(line)s). "
        "Export it again from your bank."
    ),
    "malformed": _("This file cannot be read as a bank statement (line %(line)s)."),
    "not_supported": _(
        "This is not a statement OkiOki can read. Export CODA (version 2) or CAMT.053 from "
        "your bank; MT940 and PDF statements are not supported."
    ),
    "too_large": _("This file is larger than %(limit)s MB."),
    # a file in a ZIP given on the Bank page
    "not_a_statement": _("This file in the ZIP is not a bank statement: it was left out."),
    **ZIP_MESSAGES,
}
_DEFAULTS = {"line": "?", "iban": "", "limit": ""}


def _prepare(code: str, params: dict[str, Any]) -> dict[str, Any]:
    return {**_DEFAULTS, **params}


catalogue_register(CATALOGUE, STATEMENT_ERRORS, _prepare)


# a CAMT.053 statement whose movements don't add up to its balances: imported, never silently
STATEMENT_WARNING = _(
    "Statement %(number)s of %(iban)s does not add up: its movements and its balances differ "
    "by %(difference)s. Some banks export part of a statement; check that every transaction "
    "is there."
)


def statement_error(code: str, params: dict[str, Any]) -> str:
    message = STATEMENT_ERRORS.get(code, STATEMENT_ERRORS["malformed"])
    return str(message) % _prepare(code, params)


def statement_problem(error: dict[str, Any]) -> Problem:
    """An error of ``ImportResult.errors`` as a coded problem, to be worded when shown."""
    params = {key: value for key, value in error.items() if key not in ("file", "code")}
    return make(error["code"], CATALOGUE, **params)
