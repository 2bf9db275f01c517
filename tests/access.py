"""The access matrix every view gets (STYLE.md, Tests): each role calls the view and gets the
status the matrix says; a refused call changes nothing, an allowed write really writes.

A matrix is a list of rows ``(view, method, …, statuses)``, the statuses in the order of
``ROLES`` (or the roles a test names). ``cases`` turns it into one test a role, and
``check_access`` makes the call and the checks::

    @pytest.mark.parametrize(("view", "method", "role", "expected"), cases(MATRIX))
    def test_access_matrix(view, method, role, expected, request, company):
        check_access(request, role, method, url, data, expected=expected,
                     unchanged=_snapshot, wrote=lambda: ...)
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import reverse

from apps.companies.scoping import all_companies

# who calls: nobody signed in, a user of no company, an accountant of another office (linked
# to another company), a member, the accountant of the linked office, the owner
ROLES = ("anonymous", "outsider", "other_accountant", "member", "accountant", "owner")
# the answers that refuse: not signed in (API), not allowed, not found (another company's
# object, or a company that is not yours), no such method
REFUSED = (401, 403, 404, 405)


def cases(
    matrix: Iterable[Sequence[Any]],
    *,
    roles: Sequence[str] = ROLES,
    label: Callable[[Sequence[Any]], str] | None = None,
) -> list[Any]:
    """One ``pytest.param(*row, role, status)`` a row and role. Named ``label(row)`` and the
    role; by default the row's words (its names and Nones, not its data)."""
    params = []
    for *row, statuses in matrix:
        name = (
            label(row)
            if label
            else "-".join(str(v) for v in row if v is None or isinstance(v, str))
        )
        for role, status in zip(roles, statuses, strict=True):
            params.append(pytest.param(*row, role, status, id=f"{name}-{role}"))
    return params


def user_of(role: str, request: pytest.FixtureRequest) -> Any:
    """The user of ``role`` (a fixture's name); None for ``anonymous``."""
    return None if role == "anonymous" else request.getfixturevalue(role)


def check_access(
    request: pytest.FixtureRequest,
    role: str,
    method: str,
    url: str,
    data: Any = None,
    *,
    expected: int,
    unchanged: Callable[[], object],
    wrote: Callable[[], bool] | None = None,
    client_for: Callable[[Any], Any] | None = None,
    **extra: Any,
) -> HttpResponse:
    """``role`` calls ``url`` with ``method`` (and ``data``, and ``extra`` for the client), and
    gets ``expected``. Then:

    - refused (anonymous, or one of ``REFUSED``): what ``unchanged()`` returns is as before,
      and ``wrote()`` does not hold;
    - allowed, with ``wrote``: ``wrote()`` holds (it did not before the call);
    - allowed, without ``wrote`` (a read, a form shown again): nothing changed either.

    ``unchanged`` and ``wrote`` read across companies (a refusal changes no company's data).
    ``client_for`` makes the client of a user (the ``client_for`` fixture unless given, e.g.
    an API client). Returns the response for the test's own checks."""
    make_client = client_for or request.getfixturevalue("client_for")
    client = make_client(user_of(role, request))
    before = _across_companies(unchanged)
    if wrote is not None:
        assert not _across_companies(wrote), "the write's check holds before the call"

    response = getattr(client, method)(url, {} if data is None else data, **extra)

    assert response.status_code == expected
    refused = role == "anonymous" or expected in REFUSED
    if refused and expected == 302:
        assert response["Location"].startswith(reverse("account_login"))
    if refused or wrote is None:
        assert _across_companies(unchanged) == before
    if wrote is not None and refused:
        assert not _across_companies(wrote), "a refused call wrote"
    elif wrote is not None:
        assert _across_companies(wrote), "an allowed write wrote nothing"
    return response


def _across_companies(read: Callable[[], Any]) -> Any:
    with all_companies():
        return read()
