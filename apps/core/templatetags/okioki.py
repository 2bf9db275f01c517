from decimal import Decimal

from django import template
from django.db.models import Model
from django.forms import BoundField
from django.utils.functional import Promise
from django.utils.translation import get_language

from apps.core.money import format_money
from apps.core.text import neutralise_bidi

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """Render an amount in the active language: ``{{ total|money }}`` or ``|money:"USD"``."""
    if amount is None or amount == "":
        return ""
    language = (get_language() or "en")[:2]
    return format_money(amount, currency, language)


@register.filter(is_safe=True)
def bidi_safe(value: object) -> object:
    """Outside text (a file name, a sender, a subject) with its bidi control characters shown
    as a marker, so that a right-to-left override can't disguise it: ``{{ name|bidi_safe }}``.
    An object is shown as its text (``{{ document|bidi_safe }}``)."""
    if isinstance(value, Model | Promise):
        value = str(value)
    return neutralise_bidi(value)


@register.simple_tag
def field_source(document: object, name: str) -> str:
    """Where a document field came from, for people: "from the e-invoice", "corrected by you"."""
    from django.utils.translation import gettext as _

    info = getattr(document, "field_sources", {}).get(name)
    if not info:
        return ""
    labels = {
        "xml": _("from the e-invoice"),
        "pdf_text": _("read from the PDF"),
        "ocr": _("recognised in the scan (check it)"),
        "user": _("entered by a person"),
        "supplier_memory": _("learned from your corrections for this supplier"),
    }
    label = labels.get(info.get("source", ""), "")
    confidence = info.get("confidence")
    if label and confidence is not None and confidence < 0.5:
        label = _("%(source)s, unsure") % {"source": label}
    return label


@register.filter
def iban(value: str) -> str:
    """BE71068246801369 -> BE71 0682 4680 1369, as banks print it."""
    compact = (value or "").replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


@register.filter
def ogm(value: str) -> str:
    """010806817183 -> +++010/8068/17183+++, the Belgian structured communication."""
    if len(value or "") != 12 or not value.isdigit():
        return value or ""
    return f"+++{value[:3]}/{value[3:7]}/{value[7:]}+++"


@register.filter
def accessible(field: BoundField) -> str:
    """Render a form field with ``aria-invalid`` and ``aria-describedby`` pointing at its error."""
    attrs: dict[str, str | bool] = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_helptext"
    return field.as_widget(attrs=attrs)
