"""Who reads what the dashboard gathers from the company's work.

The dashboard is the company's page, but what needs the user now (documents to review,
invoices overdue, bank matches to confirm…) lives in the apps above this one. So
``apps.flows`` registers, once at start-up, the selector that reads it all in a few
queries; the dashboard view calls it. Until one is registered, the dashboard shows the
company alone.
"""

from collections.abc import Callable
from typing import Any

from apps.companies.access import Access
from apps.companies.models import Company

# (company, the user's access to it) -> what the dashboard template shows as ``board``
DashboardReader = Callable[[Company, Access], Any]

_reader: DashboardReader | None = None


def dashboard_register(reader: DashboardReader) -> None:
    global _reader
    if _reader is not None and _reader is not reader:
        raise ValueError("another dashboard reader is registered already")
    _reader = reader


def dashboard_read(*, company: Company, access: Access) -> Any:
    """What needs the user, this month's figures and the setup left to do; None when no
    reader is registered."""
    return _reader(company, access) if _reader is not None else None
