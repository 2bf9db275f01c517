"""Why the reader could not read a file: the "pdf" catalogue of coded problems. Kept apart
from ``files`` (which loads the PDF and OCR machinery) so that start-up can register the
words without loading it."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import CodedError

MESSAGES = {
    "encrypted": _(
        "The PDF is protected with a password, so we can't read it. Fill in the "
        "details yourself; the original is kept."
    ),
    "malformed": _(
        "The PDF is damaged and can't be read. Fill in the details yourself; the original is kept."
    ),
    "too_many_pages": _(
        "The PDF has more than %(limit)s pages; we only read documents up to that size."
    ),
    "ocr_unavailable": _(
        "Text recognition (OCR) is not available on this server; fill in the details yourself."
    ),
    "ocr_failed": _("Text recognition failed on this picture; fill in the details yourself."),
    "unsupported_image": _("This picture can't be opened; fill in the details yourself."),
    "image_too_large": _(
        "The picture is too large (%(width)s × %(height)s pixels); we read pictures of up to "
        "%(limit)s megapixels. Fill in the details yourself; the original is kept."
    ),
    "read_timeout": _(
        "Reading this document took longer than %(seconds)s seconds and was stopped. Fill in "
        "the details yourself; the original is kept."
    ),
    "read_failed": _(
        "This document could not be read. Fill in the details yourself; the original is kept."
    ),
    "read_gave_up": _(
        "Reading this document failed %(attempts)s times (it took too long or stopped the "
        "reader). Fill in the details yourself; the original is kept."
    ),
}


class ExtractionError(CodedError):
    """A file the reader can't read (damaged, protected, too large, no OCR)."""

    MESSAGES = MESSAGES
    CATALOGUE = "pdf"
