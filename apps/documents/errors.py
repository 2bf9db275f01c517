"""Reasons a file can't become a document, as codes with messages users can read."""

from django.utils.translation import gettext_lazy as _

from apps.core.archives import MESSAGES as ZIP_MESSAGES

INGEST_ERRORS = {
    "empty": _("The file is empty."),
    "too_large": _("The file is larger than the limit of %(limit)s MB."),
    "unsupported": _(
        "This type of file is not supported. Send a PDF, a JPEG or PNG picture, "
        "an XML e-invoice (UBL or CII) or a ZIP file with these."
    ),
    # a bank statement file is no document: the bank import took it, and refused it (its
    # reason a coded problem of the bank import, worded when shown)
    "statement_refused": _("A bank statement, kept on the Bank page but not imported: %(reason)s"),
    **ZIP_MESSAGES,
}
