"""Domain errors: raised by services, carrying a message a user can read in their language."""

from django.utils.functional import Promise


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
