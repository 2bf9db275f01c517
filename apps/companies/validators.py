"""Belgian identifiers, checked with python-stdnum and normalised for storage."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat


def normalize_enterprise_number(value: str) -> str:
    """``BE 0123.456.749`` → ``0123456749``; raises ValidationError with a clear message."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter the enterprise number."), code="required")
    try:
        return str(be_vat.validate(raw))
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(
            _("This enterprise number is not valid: its check digits do not match."),
            code="checksum",
        ) from None
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("An enterprise number has 10 digits and starts with 0 or 1, e.g. 0123.456.749."),
            code="format",
        ) from None


def validate_enterprise_number(value: str) -> None:
    """Model-level check (admin, ModelForms): a valid number, stored as its 10 digits."""
    if normalize_enterprise_number(value) != value:
        raise ValidationError(
            _("Store the enterprise number as its 10 digits, without dots or spaces."),
            code="not_compact",
        )


def normalize_vat_number(value: str) -> str:
    """A European VAT number in compact form with its country prefix (``BE0123456749``)."""
    raw = (value or "").strip().upper()
    if not raw:
        return ""
    if raw[:2].isdigit():
        raw = "BE" + raw
    try:
        return str(eu_vat.validate(raw))
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(
            _("This VAT number is not valid: its check digits do not match."), code="checksum"
        ) from None
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("Enter a VAT number with its country code, e.g. BE0123456749."), code="format"
        ) from None
