"""The scoping mechanism covers every tenant-owned table, and its bypasses are the listed ones.

Each model with a company column uses ``CompanyScopedManager`` (so ``Model.objects`` can never
return another company's rows), and the places that lift scoping (``unscoped()``,
``all_companies()``, the base manager) are exactly the ones listed here with their reason: a
new bypass fails this test until it is listed, and a removed one until it is struck off."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

from apps.companies.models import Company
from apps.companies.scoping import CompanyScopedManager, NoCompanyScope, company_scope
from apps.sales.models import InvoiceLine, QuoteLine
from tests import factories

APPS = Path(__file__).resolve().parents[2] / "apps"

# (file under apps/, enclosing function) -> why it may see every company's rows
BYPASSES = {
    ("banking/services/connections.py", "_connection_for_event"): (
        "Ponto's verified event names the account or organisation"
    ),
    ("banking/services/connections.py", "connections_sweep"): (
        "periodic sweeper, fans out per company"
    ),
    ("banking/services/connections.py", "consent_check_sweep"): (
        "periodic sweeper, fans out per company"
    ),
    ("billing/subscriptions.py", "fallback_due"): "periodic sweeper, fans out per company",
    ("billing/usage_reports.py", "usage_report_due"): "periodic sweeper, fans out per company",
    ("billing/webhooks.py", "_company_of"): "Stripe's verified event names the customer",
    ("billing/selectors.py", "usage_period_totals"): (
        "the period's usage report, one row per company (Stripe, OkiOki's invoices, console)"
    ),
    ("companies/access.py", "access_for"): "the access check itself: whose company is it",
    ("companies/middleware.py", "CompanyScopeMiddleware.__call__"): (
        "the platform admin and the staff console (staff only)"
    ),
    ("companies/selectors.py", "company_list_for_user"): "a person's companies, to pick from",
    ("companies/selectors.py", "office_client_list"): "an accountant's client files",
    ("companies/selectors.py", "invitation_get_by_token"): "the secret token is the key",
    ("companies/services.py", "invitation_accept"): "the secret token is the key",
    ("connections/selectors.py", "office_transfer_overview"): "an accountant's client files",
    ("connections/services.py", "delivery_sweep"): "periodic sweeper, fans out per company",
    ("documents/reading.py", "document_read_sweep"): "periodic sweeper, fans out per company",
    ("inbox/forwarding.py", "forwarding_address_find"): "an e-mail's address names the company",
    ("inbox/tasks.py", "inbox_sweep"): "periodic sweeper, fans out per company",
    ("outbox/services.py", "event_dispatch"): "the event says its company; handlers run in it",
    ("outbox/services.py", "_failed"): "records a dispatch error on the event it found",
    ("outbox/services.py", "outbox_sweep"): "periodic sweeper, fans out per company",
    ("peppol/services.py", "inbound_fetch"): "the partner says whose document it is",
    ("peppol/services.py", "inbound_poll"): "periodic sweeper over every registration",
    ("peppol/services.py", "transmissions_sweep"): "periodic sweeper, fans out per company",
    ("sales/services/quotes.py", "quote_decide"): "the customer's secret token is the key",
    ("sales/services/quotes.py", "quotes_expire"): "periodic sweeper over every company",
    ("sales/views/quotes.py", "_quote_by_token"): "the customer's secret token is the key",
}
BYPASS_CALLS = {"unscoped", "all_companies"}
BYPASS_ATTRIBUTES = {"_base_manager"}


def _bypassing_functions(node: ast.AST, names: tuple[str, ...] = ()) -> set[str]:
    """The dotted names of the functions under ``node`` that lift the scope."""
    found = set()
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found |= _bypassing_functions(child, (*names, child.name))
            continue
        called = None
        if isinstance(child, ast.Call):
            function = child.func
            if isinstance(function, ast.Attribute):
                called = function.attr
            elif isinstance(function, ast.Name):
                called = function.id
        if called in BYPASS_CALLS or (
            isinstance(child, ast.Attribute) and child.attr in BYPASS_ATTRIBUTES
        ):
            found.add(".".join(names))
        found |= _bypassing_functions(child, names)
    return found


def _bypasses() -> set[tuple[str, str]]:
    found = set()
    for path in APPS.rglob("*.py"):
        if "migrations" not in path.parts:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = path.relative_to(APPS).as_posix()
            found |= {(where, name) for name in _bypassing_functions(tree)}
    return found


def test_every_bypass_of_the_company_scope_is_listed_with_its_reason():
    assert _bypasses() == set(BYPASSES)


def test_every_model_with_a_company_column_is_scoped():
    unscoped = [
        model._meta.label
        for model in apps.get_models()
        if any(
            field.name == "company" and field.related_model is Company
            for field in model._meta.concrete_fields
        )
        and not isinstance(model._default_manager, CompanyScopedManager)
    ]
    assert unscoped == []


@pytest.mark.parametrize("model", [InvoiceLine, QuoteLine])
def test_document_lines_are_scoped_to_their_company(model, company, other_company):
    # given a document with a line in each of two companies
    for owner in (company, other_company):
        if model is InvoiceLine:
            factories.InvoiceFactory(company=owner)  # with its line
        else:
            factories.QuoteLineFactory(quote=factories.QuoteFactory(company=owner))
    # then the lines need a scope, and a scope shows its own company's lines only
    with pytest.raises(NoCompanyScope):
        list(model.objects.all())
    with company_scope(company):
        assert [line.company_id for line in model.objects.all()] == [company.pk]
