"""Domain errors: raised by services, carrying a message a user can read in their language."""

from collections.abc import Mapping
from typing import Any, ClassVar

from django.utils.functional import Promise

from apps.core.problems import catalogue_register


class DomainError(Exception):
    """A business rule said no. ``message`` is translated (lazily) and safe to show."""

    def __init__(self, message: str | Promise, *, code: str = "invalid", field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field


class PermissionDenied(DomainError):
    def __init__(self, message: str | Promise, *, code: str = "permission_denied"):
        super().__init__(message, code=code)


class LimitReached(DomainError):
    def __init__(self, message: str | Promise, *, code: str = "limit_reached"):
        super().__init__(message, code=code)


class CodedError(Exception):
    """Something we won't or can't do with a file or a message, told by a stable ``code``
    (stored with a document's problems, shown later in the reader's language) and a
    ``message`` for people: the subclass's ``MESSAGES[code]`` filled with ``params``, unless
    the words are given (another error's, passed on)."""

    MESSAGES: ClassVar[Mapping[str, str | Promise]] = {}
    # The name of its codes' catalogue: a problem stored with this name is shown in these
    # words (``apps.core.problems``); registered when the subclass is made.
    CATALOGUE: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.CATALOGUE:
            catalogue_register(cls.CATALOGUE, cls.MESSAGES, cls.prepare)

    @classmethod
    def prepare(cls, code: str, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters as the words show them (a subclass names a field, formats...)."""
        return params

    def __init__(self, code: str, *, message: str = "", **params: object):
        self.code = code
        self.params = params
        self.message = message or self.render(code, params)
        super().__init__(f"{code}: {self.message}")

    @classmethod
    def render(cls, code: str, params: dict[str, object]) -> str:
        template = cls.MESSAGES[code]
        params = cls.prepare(code, params)
        return str(template) % params if params else str(template)
