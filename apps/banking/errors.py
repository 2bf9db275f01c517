"""Why a statement file was refused, in words (by the code the import recorded)."""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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
}


def statement_error(code: str, params: dict[str, Any]) -> str:
    message = STATEMENT_ERRORS.get(code, STATEMENT_ERRORS["malformed"])
    return str(message) % {"line": "?", "iban": "", "limit": "", **params}
