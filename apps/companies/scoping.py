"""The one mechanism that scopes tenant-owned data to a company, and fails closed.

Every tenant-owned model uses ``CompanyScopedManager`` as its default manager. It filters by the
company held in a context variable and raises ``NoCompanyScope`` when none is set, so a query
that forgot its tenant is an error, never a leak. The context is set once per entry point and
reset in ``finally``:

- web requests: ``apps.companies.middleware.CompanyScopeMiddleware`` (after the access check);
- the REST API: ``apps.companies.api.CompanyScopedAPIView``;
- Celery: ``apps.companies.tasks.CompanyTask`` (the task's first argument is ``company_id``);
- commands and scripts: ``with company_scope(company):``.

The only bypasses are ``Model.objects.unscoped()`` and ``all_companies()``; they are used in
few places, each listed with its reason in ``tests/companies/test_scoping_registry.py`` (the
access check itself, the platform admin, the accountant's client list, secret-token pages and
periodic sweepers that fan out per company): a new one fails that test until it is listed.
The same test checks that every model with a company column (invoice and quote lines too)
uses ``CompanyScopedManager``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Generic, TypeVar

from django.db import models

if TYPE_CHECKING:
    from apps.companies.models import Company


class _AllCompanies:
    def __repr__(self) -> str:
        return "<all companies>"


ALL_COMPANIES = _AllCompanies()

_scope: ContextVar["Company | _AllCompanies | None"] = ContextVar("okioki_company", default=None)


class NoCompanyScope(RuntimeError):
    """A tenant-owned model was queried with no company in scope."""


def current_scope() -> "Company | _AllCompanies | None":
    return _scope.get()


def current_company() -> "Company":
    scope = _scope.get()
    if scope is None or isinstance(scope, _AllCompanies):
        raise NoCompanyScope("No single company is in scope.")
    return scope


@contextmanager
def company_scope(company: "Company") -> Iterator["Company"]:
    """Scope every tenant-owned query in the block to ``company``."""
    if company is None or company.pk is None:
        raise NoCompanyScope("company_scope needs a saved company.")
    token = _scope.set(company)
    try:
        yield company
    finally:
        _scope.reset(token)


@contextmanager
def all_companies() -> Iterator[None]:
    """Lift scoping for the block. Platform admin and cross-company sweepers only."""
    token = _scope.set(ALL_COMPANIES)
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def no_company() -> Iterator[None]:
    """Clear any scope (an entry point that must start from nothing)."""
    token = _scope.set(None)
    try:
        yield
    finally:
        _scope.reset(token)


_M = TypeVar("_M", bound=models.Model)


def enter_scope(scope: "Company | None") -> Token:
    """Low-level: set the scope and get the token to reset it with. Prefer ``company_scope``;
    this is for entry points whose start and end are separate hooks (the DRF base view)."""
    return _scope.set(scope)


def exit_scope(token: Token) -> None:
    _scope.reset(token)


class CompanyScopedManager(models.Manager[_M], Generic[_M]):
    def get_queryset(self) -> models.QuerySet[_M]:
        scope = _scope.get()
        queryset = super().get_queryset()
        if scope is None:
            raise NoCompanyScope(
                f"{self.model.__name__} was queried outside a company scope; "
                "use company_scope(company) or an entry point that sets it."
            )
        if isinstance(scope, _AllCompanies):
            return queryset
        return queryset.filter(company_id=scope.pk)

    def unscoped(self) -> models.QuerySet[_M]:
        """Every company's rows. Listed bypass: say why at the call site."""
        return super().get_queryset()
