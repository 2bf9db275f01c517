"""One page of a list, without counting the whole list: ``?page=N`` and whether a next one
exists. Every list page and the documents API page this way."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    number: int
    has_next: bool
    query: str  # the other query parameters, for the links

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_slice(queryset: Any, *, page: int, per_page: int = PER_PAGE) -> tuple[list[Any], bool]:
    """The rows of page ``page`` (from 1) and whether there is a next one; no COUNT(*)."""
    start = (max(page, 1) - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return rows[:per_page], len(rows) > per_page


def page_of(request: HttpRequest, queryset: Any, *, per_page: int = PER_PAGE) -> Page:
    try:
        number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        number = 1
    rows, has_next = page_slice(queryset, page=number, per_page=per_page)
    query = request.GET.copy()
    query.pop("page", None)
    return Page(rows, number, has_next, query.urlencode())
