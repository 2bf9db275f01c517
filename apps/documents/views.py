import uuid
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from apps.billing.entitlements import CollectionPaused, collection_pause
from apps.companies.access import Action, CompanyRequest
from apps.companies.decorators import company_view
from apps.core.paging import page_of
from apps.core.views import refusal_as_message
from apps.documents import junk, selectors, services
from apps.documents.extraction.page_images import PAGE_KINDS, PAGE_WIDTH, PageNotFound, page_image
from apps.documents.forms import DocumentForm, FilterForm, UploadForm
from apps.documents.models import Document, Source

INLINE_KINDS = {"pdf", "png", "jpeg", "webp"}


def _document_or_404(request: CompanyRequest, document_id: str) -> Document:
    document = selectors.document_get(company=request.company, document_id=document_id)
    if document is None:
        raise Http404
    return document


@company_view()
def document_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = FilterForm(request.GET or None)
    pager = page_of(request, selectors.document_list(company=company, filters=form.filters()))
    # Each row shows its delivery to the accountant: one query for the page.
    prefetch_related_objects(pager.rows, "deliveries")
    return render(
        request,
        "documents/document_list.html",
        {
            "form": form,
            "documents": pager.rows,
            "pager": pager,
            "is_filtered": bool(
                form.is_bound and any(v for k, v in request.GET.items() if k != "page")
            ),
        },
    )


# The results of the last uploads, per company, kept in the session for their result page
# (``?batch=<id>``): the upload answers with a redirect, so refreshing never uploads again.
UPLOADS_SESSION_KEY = "okioki_uploads"
UPLOADS_KEPT = 5
READING = (Document.Status.RECEIVED, Document.Status.READING)


@dataclass
class UploadLine:
    """One line of an upload's result: what became of a file (said in the words of the
    moment of the upload), and its document as it is now."""

    filename: str
    document_id: str = ""
    error_code: str = ""
    error: str = ""
    notice: str = ""
    is_duplicate: bool = False
    is_statement: bool = False
    joined_with: str = ""
    document: Document | None = None

    @classmethod
    def of(cls, result: services.IngestResult) -> "UploadLine":
        return cls(
            filename=result.filename,
            document_id=str(result.document.public_id) if result.document else "",
            error_code=result.error_code,
            error=str(result.error),
            notice=str(result.notice),
            is_duplicate=result.is_duplicate,
            is_statement=result.is_statement,
            joined_with=result.joined_with,
        )

    def kept(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "document"}

    @property
    def is_reading(self) -> bool:
        return self.document is not None and self.document.status in READING


def _keep_results(request: CompanyRequest, lines: list[UploadLine]) -> str:
    """Keep an upload's lines in the session; the id of its result page."""
    batch = uuid.uuid4().hex
    kept = request.session.get(UPLOADS_SESSION_KEY, {})
    company = kept.get(str(request.company.public_id), {})
    company[batch] = [line.kept() for line in lines]
    kept[str(request.company.public_id)] = dict(list(company.items())[-UPLOADS_KEPT:])
    request.session[UPLOADS_SESSION_KEY] = kept
    return batch


def _kept_results(request: CompanyRequest, batch: str) -> list[UploadLine]:
    """The lines of the upload ``batch`` of this company, their documents read now."""
    company = request.session.get(UPLOADS_SESSION_KEY, {}).get(str(request.company.public_id))
    lines = [UploadLine(**line) for line in (company or {}).get(batch, [])]
    documents = selectors.document_statuses(
        company=request.company,
        document_ids=[line.document_id for line in lines if line.document_id],
    )
    for line in lines:
        line.document = documents.get(line.document_id)
    return lines


@company_view(Action.EDIT_DATA)
def document_upload(request: CompanyRequest) -> HttpResponse:
    """The upload form; a POST ingests the files and redirects to the result page (the same
    page with ``?batch=``), which shows each file's reading live (htmx polls it)."""
    company = request.company
    pause = collection_pause(company)
    if pause is not None:
        # the plan in force collects nothing: the notice instead of the form, nothing taken
        return render(
            request,
            "documents/document_upload.html",
            {"pause": pause},
            status=403 if request.method == "POST" else 200,
        )
    upload_url = reverse("documents:document-upload", kwargs={"company_id": company.public_id})
    posted = request.method == "POST"  # an empty upload is said, not shown as a new page
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            ingested = services.document_ingest_uploads(
                company=company,
                uploads=form.cleaned_data["uploads"],
                source=Source.UPLOAD,
                details={"uploaded_by": request.user.email},
                actor=request.user,
            )
        except CollectionPaused as paused:  # paused since the check above
            return render(
                request, "documents/document_upload.html", {"pause": paused.pause}, status=403
            )
        results = _flatten(ingested)
        created = sum(1 for r in results if r.document and not r.is_duplicate and not r.joined_with)
        if created:
            messages.success(
                request,
                _("%(count)s document(s) received. OkiOki is reading them now.")
                % {"count": created},
            )
        # the lines of a ZIP's files, not the ZIP's own (it is no document)
        batch = _keep_results(request, [UploadLine.of(r) for r in results if not r.children])
        return redirect(f"{upload_url}?{urlencode({'batch': batch})}")
    lines = _kept_results(request, request.GET.get("batch", "")) if not posted else []
    return render(
        request,
        "documents/document_upload.html",
        {
            "form": form,
            "results": lines,
            "reading": any(line.is_reading for line in lines),
            "upload_url": upload_url,
        },
    )


def _flatten(results: list[services.IngestResult]) -> list[services.IngestResult]:
    flat: list[services.IngestResult] = []
    for result in results:
        flat.append(result)
        flat.extend(_flatten(result.children))
    return flat


@company_view()
def document_detail(request: CompanyRequest, document_id: str) -> HttpResponse:
    document = _document_or_404(request, document_id)
    access = request.access
    form = DocumentForm(request.POST or None, instance=document)
    # an invoice made in OkiOki says what its issued invoice says: corrected by a credit note
    correctable = access.can(Action.EDIT_DATA) and document.source != Source.SALES
    if request.method == "POST":
        if not correctable:
            raise PermissionDenied
        if form.is_valid():
            services.document_correct(
                document=document,
                actor=request.user,
                changes=form.cleaned_data,
            )
            messages.success(request, _("Your corrections are saved."))
            return redirect(
                "documents:document-detail",
                company_id=request.company.public_id,
                document_id=document.public_id,
            )
        # show the stored values beside the form, not the rejected input
        document.refresh_from_db()
    # ?field=number: the page the number was read on, its box drawn (the page works so
    # without JavaScript; static/js/boxes.js does the same in place)
    shown = selectors.document_field_box(document=document, name=request.GET.get("field", ""))
    return render(
        request,
        "documents/document_detail.html",
        {
            "document": document,
            "can_junk": access.can(Action.EDIT_DATA) and junk.junk_refusal(document) is None,
            "form": form if correctable else None,
            "can_edit": access.can(Action.EDIT_DATA),
            "events": selectors.document_events(document=document),
            "shows_pages": document.file_kind in PAGE_KINDS,
            "shown": shown if document.file_kind in PAGE_KINDS else None,
            "original_url": reverse(
                "documents:document-original",
                kwargs={"company_id": request.company.public_id, "document_id": document.public_id},
            ),
        },
    )


@csp_replace({"frame-ancestors": [SELF]})  # the document page shows it in a frame
@xframe_options_sameorigin
@company_view()
def document_original(request: CompanyRequest, document_id: str) -> FileResponse:
    """The original file, streamed after the access check (never a public URL)."""
    document = _document_or_404(request, document_id)
    inline = document.file_kind in INLINE_KINDS and "download" not in request.GET
    response = FileResponse(
        document.original.open("rb"),
        content_type=document.content_type,
        as_attachment=not inline,
        filename=document.original_filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@company_view()
def document_page_image(request: CompanyRequest, document_id: str, number: int) -> HttpResponse:
    """Page ``number`` (from 1) of the original as a picture (a PDF page as PNG, a photo
    upright as JPEG), for the review screen to draw the boxes of the fields over. The same
    original always gives the same picture: its ETag is the original's digest."""
    document = _document_or_404(request, document_id)
    if document.file_kind not in PAGE_KINDS:
        raise Http404
    etag = f'"{document.sha256[:32]}-{number}-{PAGE_WIDTH}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
    }
    if etag in request.headers.get("If-None-Match", ""):
        return HttpResponse(status=304, headers=headers)
    with document.original.open("rb") as original:
        data = original.read()
    try:
        image = page_image(data, file_kind=document.file_kind, number=number)
    except PageNotFound:
        raise Http404 from None
    return HttpResponse(image.data, content_type=image.content_type, headers=headers)


@company_view()
def document_ubl(request: CompanyRequest, document_id: str) -> FileResponse:
    document = _document_or_404(request, document_id)
    stored = document.envelope or document.xml
    if not stored:
        raise Http404
    name = f"{document.number or document.public_id}.xml".replace("/", "-")
    response = FileResponse(
        stored.open("rb"), content_type="application/xml", as_attachment=True, filename=name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@company_view()
def supplier_list(request: CompanyRequest) -> HttpResponse:
    """The suppliers OkiOki reads with what it learned from the corrections, to forget."""
    suppliers = selectors.supplier_list_learned(company=request.company)
    return render(request, "documents/supplier_list.html", {"suppliers": suppliers})


@require_POST
@company_view(Action.EDIT_DATA)
def supplier_forget(request: CompanyRequest, supplier_id: str) -> HttpResponse:
    """Forget where a supplier puts its details; back to the page the button was on."""
    company = request.company
    supplier = selectors.supplier_get(company=company, supplier_id=supplier_id)
    if supplier is None:
        raise Http404
    services.supplier_forget_layout(company=company, supplier=supplier)
    messages.success(
        request,
        _(
            "OkiOki forgot where %(supplier)s puts its details: its next documents are read "
            "like any other."
        )
        % {"supplier": supplier.name},
    )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("documents:supplier-list", company_id=company.public_id)


@require_POST
@company_view(Action.EDIT_DATA)
def document_paid(request: CompanyRequest, document_id: str, paid: bool) -> HttpResponse:
    """Mark a purchase invoice paid by hand (cash, a card) or undo that."""
    document = _document_or_404(request, document_id)
    with refusal_as_message(request):
        if paid:
            services.document_mark_paid(document=document, actor=request.user)
            messages.success(request, _("Marked paid."))
        else:
            services.document_mark_unpaid(document=document, actor=request.user)
            messages.success(request, _("Marked unpaid."))
    return redirect(
        "documents:document-detail",
        company_id=request.company.public_id,
        document_id=document.public_id,
    )


@company_view(Action.EDIT_DATA)
def document_junk(request: CompanyRequest, document_id: str) -> HttpResponse:
    """ "Delete as junk": the question first (GET, or a POST without ``confirmed``), then, once
    confirmed, the document leaves the lists and the transfer (``apps.documents.junk``)."""
    document = _document_or_404(request, document_id)
    detail = redirect(
        "documents:document-detail",
        company_id=request.company.public_id,
        document_id=document.public_id,
    )
    refusal = junk.junk_refusal(document)
    if refusal is not None:
        messages.error(request, str(refusal.message))
        return detail
    if request.method != "POST" or request.POST.get("confirmed") != "yes":
        return render(
            request,
            "documents/document_junk.html",
            {"document": document, "junk_grace_hours": settings.BILLING_JUNK_GRACE_HOURS},
        )
    with refusal_as_message(request):
        released = junk.document_junk(document=document, actor=request.user)
        messages.success(
            request,
            _("Deleted as junk: it is out of your documents and won't go to your accountant.")
            + (" " + _("It is not counted in your plan's documents.") if released else ""),
        )
        return redirect("documents:document-list", company_id=request.company.public_id)
    return detail
