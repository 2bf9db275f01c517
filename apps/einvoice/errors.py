"""One error family for e-invoices that can't be read, with messages people understand."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.core.errors import CodedError

MESSAGES = {
    "wrong_root": _(
        "This XML is not an e-invoice: its root element is %(root)s, not a UBL Invoice or "
        "CreditNote or a CII CrossIndustryInvoice."
    ),
    "zugferd1": _(
        "This is a ZUGFeRD 1.0 invoice, an older format that predates EN 16931; it is kept "
        "as it is but its data can't be read."
    ),
    "missing_header": _("The e-invoice has no number or no issue date."),
    "bad_number": _("The e-invoice has an invalid number %(value)s in %(field)s."),
    "bad_date": _("The e-invoice has an invalid date %(value)s in %(field)s."),
    "bad_attachment": _("The attachment %(id)s of the e-invoice is not valid base64."),
    "unreadable": _("The e-invoice cannot be read: %(detail)s"),
    "bad_characters": _(
        "The e-invoice contains characters that XML can't carry (control characters) in %(field)s."
    ),
    "missing_field": _(
        "This e-invoice can't be written as UBL: %(field)s is missing. Add it to the "
        "document and try again."
    ),
    "attachment_type": _(
        "The attachment %(id)s is a kind of file an e-invoice can't carry: Peppol allows PDF, "
        "PNG, JPEG, CSV, XLSX and ODS. Save it as one of these (a PDF, for instance) and try "
        "again."
    ),
    "attachment_picture": _(
        "The picture %(id)s is damaged or too large to be converted for an e-invoice."
    ),
    "pdf_too_large": _("The PDF is too large (more than %(limit)s MB)."),
    "pdf_unreadable": _("The PDF is damaged or is not a PDF, so no e-invoice can be read from it."),
    "pdf_without_xml": _(
        "This PDF carries no e-invoice: it has no Factur-X, ZUGFeRD or UBL XML attached."
    ),
}

# The business terms a "missing_field" error names: stored by id (a problem is stored as JSON
# and shown later in the reader's language), shown by name.
FIELDS = {
    "BT-5": _("BT-5 (invoice currency code)"),
    "BG-25": _("BG-25 (invoice line)"),
}


def message_params(code: str, params: dict[str, object]) -> dict[str, object]:
    """The parameters of a message as shown: a named business term in the active language."""
    if code == "missing_field" and params.get("field") in FIELDS:
        return {**params, "field": FIELDS[str(params["field"])]}
    return params


class EInvoiceError(CodedError, ValueError):
    """An e-invoice that can't be read (``message`` given: the parser's own words)."""

    MESSAGES = MESSAGES
    CATALOGUE = "einvoice"

    @classmethod
    def prepare(cls, code: str, params: dict[str, Any]) -> dict[str, Any]:
        return message_params(code, params)
