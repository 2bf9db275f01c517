"""One page of a list, without counting the whole list: ``?page=N`` and whether a next one
exists. Every list page and the documents API page this way."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PER_PAGE = 50
# No list has this many pages; a larger number would overflow the database's OFFSET.
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    number: int
    has_next: bool
    query: str  # the other query parameters, for the links

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_number(value: str | None) -> int | None:
    """The page asked for in ``?page=``: a whole number from 1 to MAX_PAGE, else None."""
    if value is None:
        return 1
    value = value.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(MAX_PAGE))):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_PAGE else None


def query_text(request: HttpRequest, name: str, *, max_length: int = 100) -> str:
    """A free-text parameter of a list (``?q=``): trimmed, shortened, without the NUL
    characters a database refuses in a string."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_length]


def page_slice(queryset: Any, *, page: int, per_page: int = PER_PAGE) -> tuple[list[Any], bool]:
    """The rows of page ``page`` (from 1) and whether there is a next one; no COUNT(*)."""
    start = (min(max(page, 1), MAX_PAGE) - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return rows[:per_page], len(rows) > per_page


def page_of(request: HttpRequest, queryset: Any, *, per_page: int = PER_PAGE) -> Page:
    number = page_number(request.GET.get("page")) or 1  # a page that can't be: the first
    rows, has_next = page_slice(queryset, page=number, per_page=per_page)
    query = request.GET.copy()
    query.pop("page", None)
    return Page(rows, number, has_next, query.urlencode())
