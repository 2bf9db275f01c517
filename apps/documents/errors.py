"""Reasons a file can't become a document, as codes with messages users can read."""

from django.utils.translation import gettext_lazy as _

INGEST_ERRORS = {
    "empty": _("The file is empty."),
    "too_large": _("The file is larger than the limit of %(limit)s MB."),
    "unsupported": _(
        "This type of file is not supported. Send a PDF, a JPEG or PNG picture, "
        "an XML e-invoice (UBL or CII) or a ZIP file with these."
    ),
    "bad_zip": _("The ZIP file is damaged and cannot be opened."),
    "zip_too_large": _(
        "The ZIP file unpacks to more than we accept (too many or too large files)."
    ),
    "nested_zip": _("ZIP files inside ZIP files are not unpacked."),
    "zip_too_many_files": _(
        "The ZIP file holds %(count)s files, more than the %(limit)s we unpack. Nothing was "
        "taken from it: send its files in smaller ZIP files."
    ),
    "zip_total_too_large": _(
        "The ZIP file unpacks to %(size)s MB, more than the %(left)s MB left of the %(limit)s MB "
        "we unpack per upload or e-mail. Nothing was taken from it: send its files in smaller "
        "parts."
    ),
}
