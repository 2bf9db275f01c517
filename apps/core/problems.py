"""Coded problems: what is wrong, stored as a code with parameters and worded when shown.

A worker finds the problem; a person reads it later, in their own language. So the database
holds ``{"catalogue", "code", "params"}`` (and ``"notice": True`` for a flag that does not
hold anything back), and the words are chosen at display time from the catalogue the code
belongs to. Each app registers its catalogue once, by name, with a function that prepares
the parameters for the words where needed (amounts formatted, field names translated); a
``CodedError`` subclass with a ``CATALOGUE`` registers its ``MESSAGES`` by itself. Nobody
imports another app's problems to show them.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise

Problem = dict[str, Any]
Prepare = Callable[[str, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Catalogue:
    messages: Mapping[str, str | Promise]
    prepare: Prepare | None = None  # (code, stored params) -> params for the words


_catalogues: dict[str, Catalogue] = {}


def catalogue_register(
    name: str, messages: Mapping[str, str | Promise], prepare: Prepare | None = None
) -> None:
    """The words of the codes of catalogue ``name`` (one registration per name)."""
    known = _catalogues.get(name)
    if known is not None and known.messages is not messages:
        raise ValueError(f"problem catalogue {name!r} is registered twice")
    _catalogues[name] = Catalogue(messages, prepare)


def make(code: str, catalogue: str, **params: Any) -> Problem:
    """A problem to store: JSON-safe parameters only (amounts as strings; a translatable text,
    which should be stored by id and named when shown, as the text of its language now)."""
    return {
        "catalogue": catalogue,
        "code": code,
        "params": {
            key: str(value) if isinstance(value, Decimal | Promise) else value
            for key, value in params.items()
        },
    }


def notice(code: str, catalogue: str, **params: Any) -> Problem:
    """A flag to show that does not keep anything from going ahead."""
    return {**make(code, catalogue, **params), "notice": True}


def blocking(found: list[Problem]) -> list[Problem]:
    """The problems that hold something back (all but the notices)."""
    return [problem for problem in found if not problem.get("notice")]


def describe(problem: Problem) -> str:
    """One problem in words, in the active language; its code when nobody knows the words."""
    if "code" not in problem:
        return str(problem.get("text", ""))
    catalogue = _catalogues.get(problem.get("catalogue", ""))
    template = catalogue.messages.get(problem["code"]) if catalogue is not None else None
    if catalogue is None or template is None:
        return str(problem.get("text") or problem["code"])
    params = worded(dict(problem.get("params") or {}))
    if catalogue.prepare is not None:
        params = catalogue.prepare(problem["code"], params)
    try:
        return str(template) % params if params else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


def is_problem(value: Any) -> bool:
    return isinstance(value, dict) and "catalogue" in value and "code" in value


def worded(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters with the ones that are coded problems themselves (the reason another app
    gave, stored as its code) in words, in the active language."""
    return {key: describe(value) if is_problem(value) else value for key, value in params.items()}


def describe_all(problems: list[Problem] | None) -> str:
    return " ".join(text for text in (describe(p) for p in problems or []) if text)
