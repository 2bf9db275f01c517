"""The model as JSON: snake_case keys named after the business terms, amounts as decimal
strings, dates ISO. ``to_json`` is what ``manage.py einvoice parse`` prints and ``from_json``
reads it back (``manage.py einvoice build``); totals and breakdown may then be omitted."""

import base64
import dataclasses
import datetime
import types
import typing
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.einvoice.model import Document


class JSONModelError(ValueError):
    pass


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def to_json(document: Document) -> dict[str, Any]:
    data = _plain(document)
    data["note"] = "\n".join(document.notes)
    first = document.preceding_invoices[0] if document.preceding_invoices else None
    data["preceding_invoice"] = _plain(first) if first else None
    delivery = document.delivery
    data["delivery"] = (
        {
            **_plain(delivery),
            "country": delivery.address.country if delivery.address else "",
        }
        if delivery
        else None
    )
    data["attachments"] = [
        {
            "id": attachment.id,
            "filename": attachment.filename,
            "mime_code": attachment.mime_code,
            "size": len(attachment.content) if attachment.content is not None else 0,
            "description": attachment.description,
            "uri": attachment.uri,
            "type_code": attachment.type_code,
        }
        for attachment in document.attachments
    ]
    return data


def _convert(hint: Any, value: Any, path: str) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _convert(options[0], value, path)
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise JSONModelError(f"{path} must be a list")
        return [_convert(item_hint, item, f"{path}[{i}]") for i, item in enumerate(value)]
    if hint is Decimal:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise JSONModelError(f"{path} is not a number: {value!r}") from None
    if hint is datetime.date:
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise JSONModelError(f"{path} is not an ISO date: {value!r}") from None
    if hint is bytes:
        return base64.b64decode(value)
    if hint is bool:
        return bool(value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path)
    return str(value)


def _build(cls: Any, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise JSONModelError(f"{path or 'document'} must be an object")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for field in dataclasses.fields(cls):
        if field.name in data and data[field.name] is not None:
            kwargs[field.name] = _convert(
                hints[field.name], data[field.name], f"{path}.{field.name}"
            )
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise JSONModelError(f"{path or 'document'}: {error}") from None


def from_json(data: dict[str, Any]) -> Document:
    """The model from the JSON of ``to_json`` (or a hand-written subset of it)."""
    data = dict(data)
    if data.get("note") and not data.get("notes"):
        data["notes"] = [data["note"]]
    if data.get("preceding_invoice") and not data.get("preceding_invoices"):
        data["preceding_invoices"] = [data["preceding_invoice"]]
    delivery = data.get("delivery")
    if isinstance(delivery, dict) and delivery.get("country") and not delivery.get("address"):
        delivery = {**delivery, "address": {"country": delivery["country"]}}
        data["delivery"] = delivery
    attachments = []
    for attachment in data.get("attachments") or []:
        attachment = {k: v for k, v in attachment.items() if k != "size"}
        if "content_base64" in attachment:
            attachment["content"] = attachment.pop("content_base64")
        attachments.append(attachment)
    data["attachments"] = attachments
    document: Document = _build(Document, data, "")
    return document
