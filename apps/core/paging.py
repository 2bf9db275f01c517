"""One page of a list, without counting the whole list: ``?page=N`` and whether a next one
exists (the documents list does the same)."""

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


def page_of(request: HttpRequest, queryset: Any, *, per_page: int = PER_PAGE) -> Page:
    try:
        number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return Page(rows[:per_page], number, len(rows) > per_page, query.urlencode())
