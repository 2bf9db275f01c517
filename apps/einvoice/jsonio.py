"""The model as JSON: snake_case keys named after the business terms, amounts as decimal
strings, dates ISO. ``to_json`` is what ``manage.py einvoice parse`` prints and ``from_json``
reads it back (``manage.py einvoice build``); totals and breakdown may then be omitted."""

import dataclasses
import datetime
import functools
import types
import typing
from decimal import Decimal
from typing import Any

from apps.einvoice.encoding import decode_base64, encode_base64
from apps.einvoice.model import Document
from apps.einvoice.numbers import bounded_decimal


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


def to_json(document: Document, *, with_content: bool = True) -> dict[str, Any]:
    """The JSON of ``document``. Embedded attachments carry their bytes as ``content_base64``
    (so that ``build`` puts them back), unless ``with_content`` is False."""
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
            **(
                {"content_base64": encode_base64(attachment.content)}
                if with_content and attachment.content is not None
                else {}
            ),
        }
        for attachment in document.attachments
    ]
    return data


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _allows_none(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and type(
        None
    ) in typing.get_args(hint)


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
        number = None if isinstance(value, bool) else bounded_decimal(str(value).strip())
        if number is None:
            raise JSONModelError(
                f"{path} is not a plain number of a sane size: {str(value)[:40]!r}"
            )
        return number
    if hint is datetime.date:
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise JSONModelError(f"{path} is not an ISO date: {value!r}") from None
    if hint is bytes:
        content = decode_base64(value) if isinstance(value, str) else None
        if content is None:
            raise JSONModelError(f"{path} is not valid base64")
        return content
    if hint is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise JSONModelError(f"{path} must be true or false: {str(value)[:40]!r}")
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path)
    return str(value)


def _sided(data: dict[str, Any], path: str) -> dict[str, Any]:
    """``allowances`` and ``charges`` items with ``is_charge`` from the list they are in: an
    item may leave it out; one that says the opposite of its list is refused."""
    for key, is_charge in (("allowances", False), ("charges", True)):
        items = data.get(key)
        if not isinstance(items, list):
            continue
        sided = []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                stated = item.get("is_charge")
                if (
                    stated is not None
                    and _convert(bool, stated, f"{path}.{key}[{i}].is_charge") is not is_charge
                ):
                    raise JSONModelError(
                        f"{path}.{key}[{i}].is_charge is {stated!r} in {key}: "
                        f"move the item to {'allowances' if is_charge else 'charges'} "
                        "or leave is_charge out"
                    )
                item = {**item, "is_charge": is_charge}
            sided.append(item)
        data = {**data, key: sided}
    return data


def _build(cls: Any, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise JSONModelError(f"{path or 'document'} must be an object")
    hints = _hints(cls)
    if "allowances" in hints:  # a document or a line
        data = _sided(data, path)
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name not in data:
            continue
        value, hint = data[field.name], hints[field.name]
        if value is None:
            # null is kept where the model allows it (``VatBreakdown.rate`` of category O has
            # no default); elsewhere it means "not given" and the default applies.
            if _allows_none(hint):
                kwargs[field.name] = None
            continue
        kwargs[field.name] = _convert(hint, value, f"{path}.{field.name}")
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise JSONModelError(f"{path or 'document'}: {error}") from None


def from_json(data: dict[str, Any]) -> Document:
    """The model from the JSON of ``to_json`` (or a hand-written subset of it).

    Raises ``JSONModelError`` naming the first key that is wrong."""
    if not isinstance(data, dict):
        raise JSONModelError("document must be an object")
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
    for i, attachment in enumerate(data.get("attachments") or []):
        if not isinstance(attachment, dict):
            raise JSONModelError(f".attachments[{i}] must be an object")
        attachment = {k: v for k, v in attachment.items() if k != "size"}
        if "content_base64" in attachment:
            attachment["content"] = attachment.pop("content_base64")
        attachments.append(attachment)
    data["attachments"] = attachments
    document: Document = _build(Document, data, "")
    return document
