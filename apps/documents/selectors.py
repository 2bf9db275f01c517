"""Reads of documents: the filtered list (fast at 100,000 per company) and one document."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.companies.models import Company
from apps.core.paging import page_slice
from apps.documents.models import Document, Event, Kind, Supplier

# By document date: its own date, or the day it arrived for a document without one (the list's
# date column shows the same, the arrival date greyed, so the column reads sorted). The stored
# ``document_date`` and the index ``document_dated`` serve it, one index scan for a page.
SORTS = {
    "date": ("-document_date", "-received_at", "-id"),
    "-date": ("document_date", "received_at", "id"),
    "received": ("-received_at", "-id"),
    "-received": ("received_at", "id"),
    "amount": ("-total_incl_vat", "-id"),
    "-amount": ("total_incl_vat", "id"),
    "counterparty": ("counterparty_name", "id"),
}


@dataclass(frozen=True)
class DocumentFilters:
    kind: str = ""
    category: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    counterparty: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    search: str = ""
    sort: str = "date"
    payment: str = ""  # to_pay, partly_paid, paid, overdue (purchase invoices)


LIST_FIELDS = (
    "id",
    "public_id",
    "company_id",
    "kind",
    "category",
    "status",
    "source",
    "received_at",
    "original_filename",
    "counterparty_name",
    "number",
    "issue_date",
    "currency",
    "total_incl_vat",
    "problem_code",
    "possible_duplicate_of_id",
    "paid_amount",
    "paid_on",
    "due_date",
)


UNPAID = Q(paid_on__isnull=True)
PAYMENT_FILTERS = {
    "to_pay": lambda today: UNPAID,
    "partly_paid": lambda today: UNPAID & Q(paid_amount__gt=0),
    "overdue": lambda today: UNPAID & Q(due_date__lt=today),
    "paid": lambda today: Q(paid_on__isnull=False),
}


# Large columns the API list leaves out (it gives every field of a document otherwise).
HEAVY_FIELDS = ("text", "lines", "validation", "source_details")


def document_list(
    *, company: Company, filters: DocumentFilters, every_field: bool = False
) -> QuerySet[Document]:
    """The company's documents (not those deleted as junk), filtered and sorted. Only the
    columns of the list page are loaded, or (``every_field``) all but the heavy ones, so
    that rows never load lazily."""
    queryset = Document.objects.filter(company=company, junk_at__isnull=True)
    queryset = queryset.defer(*HEAVY_FIELDS) if every_field else queryset.only(*LIST_FIELDS)
    conditions = {
        "kind": filters.kind,
        "category": filters.category,
        "status": filters.status,
        # the period as the date column shows it: an undated document by the day it arrived
        "document_date__gte": filters.date_from,
        "document_date__lte": filters.date_to,
        "counterparty_name__icontains": filters.counterparty,
        "total_incl_vat__gte": filters.amount_min,  # 0 is an amount; only None is no filter
        "total_incl_vat__lte": filters.amount_max,
    }
    queryset = queryset.filter(
        **{lookup: value for lookup, value in conditions.items() if value not in ("", None)}
    )
    if filters.payment in PAYMENT_FILTERS:
        queryset = queryset.filter(kind=Kind.PURCHASE_INVOICE).filter(
            PAYMENT_FILTERS[filters.payment](timezone.localdate())
        )
    if filters.search:
        term = filters.search.strip()
        queryset = queryset.filter(
            Q(number__icontains=term)
            | Q(counterparty_name__icontains=term)
            | Q(original_filename__icontains=term)
            | Q(counterparty_vat_id__icontains=term.replace(" ", "").replace(".", ""))
        )
    return queryset.order_by(*SORTS.get(filters.sort, SORTS["date"]))


def document_page(
    queryset: QuerySet[Document], *, page: int, per_page: int = 50
) -> tuple[list[Document], bool]:
    """One page and whether there is a next one; no COUNT(*) over the whole company."""
    return page_slice(queryset, page=page, per_page=per_page)


def document_get(*, company: Company, document_id: str) -> Document | None:
    """One document of the company; None for one deleted as junk (gone for its users)."""
    return (
        Document.objects.filter(company=company, public_id=document_id, junk_at__isnull=True)
        .select_related("supplier", "possible_duplicate_of")
        .first()
    )


def document_statuses(*, company: Company, document_ids: list[str]) -> dict[str, Document]:
    """The documents of an upload's result, by public id, with what their line shows (name,
    kind, status), in one query; another company's id finds nothing."""
    found = Document.objects.filter(company=company, public_id__in=document_ids).only(
        "public_id", "company_id", "status", "kind", "original_filename", "counterparty_name"
    )
    return {str(document.public_id): document for document in found}


def document_events(*, document: Document) -> QuerySet[Event]:
    return Event.objects.filter(document=document).select_related("actor")


@dataclass(frozen=True)
class FieldBox:
    """Where a field's value was read: page ``page`` (from 1) of ``page_width`` ×
    ``page_height`` (the page's own unit: points of a PDF, pixels of a picture), and the
    rectangle around the value, a little wider so that the value stands inside its edge.
    Numbers as text for SVG attributes (never localised: "12.5", not "12,5")."""

    name: str
    page: int
    page_width: str
    page_height: str
    view_box: str
    x: str
    y: str
    width: str
    height: str


def document_field_box(*, document: Document, name: str) -> FieldBox | None:
    """The box of a field as the reader stored it, or None (no box, a value a person entered,
    or a box that makes no sense)."""
    info = (document.field_sources or {}).get(name)
    if not isinstance(info, dict) or info.get("source") == "user":
        return None
    box = info.get("box")
    if not isinstance(box, dict):
        return None
    try:
        page = int(box["page"])
        x0, top, x1, bottom = (float(box[key]) for key in ("x0", "top", "x1", "bottom"))
        page_width, page_height = float(box["page_width"]), float(box["page_height"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (page >= 0 and page_width > 0 and page_height > 0 and x0 <= x1 and top <= bottom):
        return None
    pad = 0.005 * max(page_width, page_height)
    x0, top = max(0.0, x0 - pad), max(0.0, top - pad)
    x1, bottom = min(page_width, x1 + pad), min(page_height, bottom + pad)

    def number(value: float) -> str:
        return f"{value:.1f}"

    return FieldBox(
        name=name,
        page=page + 1,
        page_width=number(page_width),
        page_height=number(page_height),
        view_box=f"0 0 {number(page_width)} {number(page_height)}",
        x=number(x0),
        y=number(top),
        width=number(x1 - x0),
        height=number(bottom - top),
    )


def supplier_find(*, company: Company, vat_id: str, iban: str, name: str) -> Supplier | None:
    """The company's supplier of a document: by its VAT number, else by its account (an
    account has one holder, even when the VAT number read is the wrong one), else by its name
    when neither side has a VAT number that says otherwise. Only ``company``'s suppliers:
    another company's supplier with the same VAT number is another supplier."""
    suppliers = Supplier.objects.filter(company=company)
    if vat_id:
        supplier = suppliers.filter(vat_id=vat_id).first()
        if supplier is not None:
            return supplier
    if iban:
        supplier = suppliers.filter(iban=iban).first()
        if supplier is not None:
            return supplier
    if name:
        by_name = suppliers.filter(name__iexact=name)
        return (by_name.filter(vat_id="") if vat_id else by_name).first()
    return None


def supplier_list_learned(*, company: Company) -> QuerySet[Supplier]:
    """The company's suppliers OkiOki has learned a layout of, by name."""
    return Supplier.objects.filter(company=company).exclude(layout={}).order_by("name", "id")


def supplier_get(*, company: Company, supplier_id: str) -> Supplier | None:
    return Supplier.objects.filter(company=company, public_id=supplier_id).first()
