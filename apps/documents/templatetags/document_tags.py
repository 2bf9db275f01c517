"""Document pages: problems, field names and field confidence in the reader's language."""

from typing import Any

from django import template

from apps.documents.problems import describe_all

register = template.Library()


@register.filter
def problem_text(problems: list[dict[str, Any]] | None) -> str:
    """Stored problems (codes with parameters) in words, in the active language."""
    return describe_all(problems)


@register.filter
def without_envelope(problems: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The problems the page's checks block doesn't already say (the envelope's verdict)."""
    return [p for p in problems or [] if p.get("code") != "envelope_invalid"]


@register.simple_tag
def document_checks(document: Any) -> Any:
    """The stored checks of a document, split for its reader (see apps.documents.checks)."""
    from apps.documents.checks import document_checks as checks

    return checks(document)


@register.filter
def field_label(name: str) -> str:
    """A document field's name ("total_incl_vat") as people read it, in the active language."""
    from django.core.exceptions import FieldDoesNotExist

    from apps.documents.models import Document
    from apps.documents.problems import FIELD_NAMES

    if name == "vat_breakdown":
        return str(FIELD_NAMES[name])
    try:
        return str(getattr(Document._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name  # a label stored in words by an older version


@register.simple_tag
def field_confidence(document: object, name: str) -> dict[str, Any]:
    """How sure the reading of a field is: {"percent": 30, "unsure": True}; {} when unknown
    or entered by a person."""
    from apps.documents.extraction.text import SURE

    info = getattr(document, "field_sources", {}).get(name) or {}
    confidence = info.get("confidence")
    if confidence is None or info.get("source") == "user":
        return {}
    return {"percent": round(confidence * 100), "unsure": confidence < SURE}


@register.simple_tag
def field_box(document: Any, name: str) -> Any:
    """Where a field's value was read on the original (a FieldBox), or None."""
    from apps.documents.extraction.page_images import PAGE_KINDS
    from apps.documents.selectors import document_field_box

    if getattr(document, "file_kind", "") not in PAGE_KINDS:
        return None
    return document_field_box(document=document, name=name)
