"""Quote pages: the list, a new quote, the quote itself (editable while a draft), sending,
the PDF, turning an accepted quote into an invoice; and the customer's public page at
``/q/<token>/`` where they accept or decline, without an account."""

import datetime
import ipaddress
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.companies.access import Action, CompanyRequest
from apps.companies.decorators import company_view
from apps.companies.models import Company
from apps.companies.scoping import company_scope
from apps.core.errors import DomainError
from apps.core.paging import page_of
from apps.core.views import refusal_as_message
from apps.sales.einvoicing import quote_model
from apps.sales.forms.lines import line_formset, line_initial, with_one_more_line
from apps.sales.forms.quotes import QuoteForm
from apps.sales.models import Customer, Quote
from apps.sales.selectors import sales_settings_get
from apps.sales.services import quotes as services
from apps.sales.services import sending

LINES_PREFIX = "lines"
OPEN_STATUSES = (Quote.Status.DRAFT, Quote.Status.SENT)


def _url(name: str, request: CompanyRequest, **kwargs: Any) -> str:
    return reverse(name, kwargs={"company_id": request.company.public_id, **kwargs})


def _detail_url(request: CompanyRequest, quote: Quote) -> str:
    return _url("sales:quote-detail", request, quote_id=quote.public_id)


def public_url(quote: Quote) -> str:
    """The link the customer got by e-mail (the same as ``sending.quote_send`` writes)."""
    return settings.SITE_URL + reverse("sales:quote-public", kwargs={"token": quote.token})


# --- selectors -----------------------------------------------------------------------------------


def _quotes(*, company: Company, status: str | None) -> QuerySet[Quote]:
    quotes = Quote.objects.filter(company=company).select_related("customer")
    return quotes.filter(status=status) if status else quotes


def _quote_or_404(request: CompanyRequest, quote_id: Any) -> Quote:
    quote = (
        Quote.objects.filter(company=request.company, public_id=quote_id)
        .select_related("company", "customer", "invoice")
        .prefetch_related("lines")
        .first()
    )
    if quote is None:
        raise Http404
    return quote


def _quote_by_token(token: str) -> Quote | None:
    """Listed bypass of the company scope: the customer has no account and the URL names no
    company; the secret token is the key (like an invitation). The caller reads the lines in
    ``company_scope(quote.company)``."""
    return (
        Quote.objects.unscoped()
        .select_related("company", "customer")
        .filter(token=token, company__is_active=True)
        .first()
    )


# --- pieces shared by the pages ------------------------------------------------------------------


def _figures(quote: Quote) -> dict[str, Any]:
    """The lines beside their computed amounts, the VAT breakdown and the totals: computed by
    the e-invoice engine, as the PDF and the later invoice are."""
    model = quote_model(quote)
    return {
        "model": model,
        "rows": list(zip(quote.lines.all(), model.lines, strict=True)),
    }


def _is_expired(quote: Quote) -> bool:
    """Past its validity, also before the nightly sweep has marked it."""
    return quote.status == Quote.Status.EXPIRED or (
        quote.status == Quote.Status.SENT and quote.valid_until < timezone.localdate()
    )


def _status(quote: Quote) -> dict[str, str]:
    """The badge: a sent quote past its validity shows as expired."""
    if _is_expired(quote):
        return {
            "status_code": Quote.Status.EXPIRED,
            "status_label": str(Quote.Status.EXPIRED.label),
        }
    return {"status_code": quote.status, "status_label": quote.get_status_display()}


def _adding_line(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("action") == "add_line"


def _unsubmitted_form(request: HttpRequest, company: Company, quote: Quote | None) -> QuoteForm:
    """Adding a line is not a submission: what was typed comes back without errors yet."""
    fields = QuoteForm.base_fields
    return QuoteForm(
        company=company,
        quote=quote,
        initial={name: request.POST.get(name) for name in fields if name in request.POST},
    )


# --- company pages -------------------------------------------------------------------------------


@company_view()
def quote_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    status = request.GET.get("status") or None
    if status not in Quote.Status.values:
        status = None
    pager = page_of(request, _quotes(company=company, status=status))
    return render(
        request,
        "sales/quote_list.html",
        {
            "quotes": pager.rows,
            "pager": pager,
            "status": status,
            "filters": [("", _("All")), *Quote.Status.choices],
            "can_edit": request.access.can(Action.EDIT_DATA),
        },
    )


def _form_page(
    request: HttpRequest,
    template: str,
    form: QuoteForm,
    formset: Any,
    *,
    hide_line_errors: bool,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "form": form,
            "formset": formset,
            "hide_line_errors": hide_line_errors,
            **context,
        },
    )


@company_view(Action.EDIT_DATA)
def quote_create(request: CompanyRequest) -> HttpResponse:
    company = request.company
    has_customers = Customer.objects.filter(company=company).exists()
    formset: Any  # a LineFormSet (formset_factory's class is not typed with its methods)
    if _adding_line(request):
        form = _unsubmitted_form(request, company, None)
        formset = line_formset(
            with_one_more_line(request.POST, LINES_PREFIX), company=company, prefix=LINES_PREFIX
        )
        return _form_page(
            request,
            "sales/quote_create.html",
            form,
            formset,
            hide_line_errors=True,
            has_customers=has_customers,
        )
    if request.method == "POST":
        form = QuoteForm(request.POST, company=company)
        formset = line_formset(request.POST, company=company, prefix=LINES_PREFIX)
        if form.is_valid() and formset.is_valid():
            try:
                quote = services.quote_create(
                    company=company, lines=formset.lines(), **form.service_fields()
                )
            except DomainError as error:
                form.add_error(error.field, str(error.message))
            else:
                messages.success(request, _("The quote is saved as a draft."))
                return redirect(_detail_url(request, quote))
    else:
        today = timezone.localdate()
        validity = sales_settings_get(company=company).quote_validity_days
        form = QuoteForm(
            company=company,
            initial={
                "customer": request.GET.get("customer") or None,
                "issue_date": today,
                "valid_until": today + datetime.timedelta(days=validity),
            },
        )
        formset = line_formset(company=company, prefix=LINES_PREFIX)
    return _form_page(
        request,
        "sales/quote_create.html",
        form,
        formset,
        hide_line_errors=False,
        has_customers=has_customers,
    )


@company_view()
def quote_detail(request: CompanyRequest, quote_id: Any) -> HttpResponse:
    """A draft is edited here (form and lines); a sent or decided quote is read-only."""
    company = request.company
    quote = _quote_or_404(request, quote_id)
    editable = quote.status == Quote.Status.DRAFT and request.access.can(Action.EDIT_DATA)
    if request.method == "POST" and not request.access.can(Action.EDIT_DATA):
        raise PermissionDenied
    form: QuoteForm | None = None
    formset: Any = None
    hide_line_errors = False
    if editable and _adding_line(request):
        form = _unsubmitted_form(request, company, quote)
        formset = line_formset(
            with_one_more_line(request.POST, LINES_PREFIX),
            company=company,
            on=quote.issue_date,
            prefix=LINES_PREFIX,
        )
        hide_line_errors = True
    elif editable and request.method == "POST":
        form = QuoteForm(request.POST, company=company, quote=quote)
        formset = line_formset(
            request.POST, company=company, on=quote.issue_date, prefix=LINES_PREFIX
        )
        if form.is_valid() and formset.is_valid():
            try:
                services.quote_update(quote=quote, lines=formset.lines(), **form.service_fields())
            except DomainError as error:
                form.add_error(error.field, str(error.message))
            else:
                messages.success(request, _("The quote is saved."))
                return redirect(_detail_url(request, quote))
    elif editable:
        form = QuoteForm(company=company, quote=quote)
        formset = line_formset(
            company=company,
            on=quote.issue_date,
            initial=line_initial(quote.lines.all()),
            prefix=LINES_PREFIX,
        )
    elif request.method == "POST":
        messages.error(request, _("A sent quote can no longer be changed."))
        return redirect(_detail_url(request, quote))
    return render(
        request,
        "sales/quote_detail.html",
        {
            "quote": quote,
            "form": form,
            "formset": formset,
            "hide_line_errors": hide_line_errors,
            **_status(quote),
            "public_url": public_url(quote) if request.access.can(Action.EDIT_DATA) else None,
            "dispatches": list(quote.dispatches.select_related("sent_by")),
            "can_edit": request.access.can(Action.EDIT_DATA),
            # An expired quote is not sent again: its link could no longer be used.
            "can_send": request.access.can(Action.EDIT_DATA)
            and quote.status in OPEN_STATUSES
            and not _is_expired(quote),
            **_figures(quote),
        },
    )


@require_http_methods(["GET", "POST"])
@company_view(Action.EDIT_DATA)
def quote_send(request: CompanyRequest, quote_id: Any) -> HttpResponse:
    """GET: the e-mail as it will go (recipient, subject, body, the PDF), to confirm.
    POST: send it."""
    quote = _quote_or_404(request, quote_id)
    with refusal_as_message(request):
        if request.method == "GET":
            if _is_expired(quote):
                raise DomainError(_("This quote is past its validity."), code="expired")
            preview = sending.quote_preview(quote=quote)
            return render(
                request,
                "sales/send_preview.html",
                {
                    "preview": preview,
                    "title": _("Quote %(number)s") % {"number": preview.number},
                    "send_url": _url("sales:quote-send", request, quote_id=quote.public_id),
                    "back_url": _detail_url(request, quote),
                    "by_email": False,
                    "number_at_sending": not quote.number,
                    "tab": "quotes",
                },
            )
        dispatch = sending.quote_send(quote=quote, actor=request.user)
        messages.success(request, _("The quote is sent to %(to)s.") % {"to": dispatch.to})
    return redirect(_detail_url(request, quote))


@require_POST
@company_view(Action.EDIT_DATA)
def quote_to_invoice(request: CompanyRequest, quote_id: Any) -> HttpResponse:
    """An accepted quote becomes a draft invoice, once: a second click opens the same one."""
    quote = _quote_or_404(request, quote_id)
    had_invoice = quote.invoice_id is not None
    with refusal_as_message(request):
        invoice = services.quote_to_invoice(quote=quote, actor=request.user)
        if had_invoice:
            messages.info(request, _("This quote already has its invoice."))
        else:
            messages.success(
                request, _("A draft invoice is made from this quote. Check it and issue it.")
            )
        return redirect(_url("sales:invoice-detail", request, invoice_id=invoice.public_id))
    return redirect(_detail_url(request, quote))


@require_GET
@company_view()
def quote_pdf(request: CompanyRequest, quote_id: Any) -> HttpResponse:
    from apps.sales.pdf import quote_pdf as render_pdf

    quote = _quote_or_404(request, quote_id)
    content = render_pdf(quote, quote_model(quote))
    response = HttpResponse(content, content_type="application/pdf")
    filename = quote.number or f"quote-{quote.public_id}"
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the customer's page -------------------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str | None:
    """The address the request came from. Only REMOTE_ADDR: X-Forwarded-For is whatever the
    client wrote unless a proxy we run sets it, and no setting says one does. Behind a
    proxy, the app server is configured to put the real address in REMOTE_ADDR."""
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def quote_public(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the secret link from the e-mail shows the quote in the customer's language,
    with Accept and Decline while it is open."""
    quote = _quote_by_token(token)
    if quote is None or quote.status == Quote.Status.DRAFT:
        raise Http404  # a draft was never sent: its link is not known yet, and it may change
    language = quote.customer.language or "nl"
    with translation.override(language):
        if request.method == "POST":
            decision = request.POST.get("decision")
            if decision not in ("accept", "decline"):
                return redirect(request.path)
            with refusal_as_message(request):
                services.quote_decide(
                    token=token, accept=decision == "accept", ip=_client_ip(request)
                )
                messages.success(request, _("Thank you. Your answer is recorded."))
            return redirect(request.path)
        with company_scope(quote.company):
            figures = _figures(quote)
        response = render(
            request,
            "sales/quote_public.html",
            {
                "quote": quote,
                "company": quote.company,
                "is_open": quote.status == Quote.Status.SENT and not _is_expired(quote),
                "is_expired": _is_expired(quote),
                **figures,
            },
        )
    response["Content-Language"] = language
    # The page carries a secret: not for shared caches, and no referrer to outside links.
    response["Cache-Control"] = "private, no-store"
    # same-origin, not no-referrer: the link does not leak to other sites, and the browser
    # still sends the Origin that Django's CSRF check needs for Accept and Decline
    response["Referrer-Policy"] = "same-origin"
    return response


QUOTES = "c/<uuid:company_id>/sales/quotes/"
QUOTE = QUOTES + "<uuid:quote_id>/"

urls = [
    path(QUOTES, quote_list, name="quote-list"),
    path(QUOTES + "new/", quote_create, name="quote-create"),
    path(QUOTE, quote_detail, name="quote-detail"),
    path(QUOTE + "send/", quote_send, name="quote-send"),
    path(QUOTE + "invoice/", quote_to_invoice, name="quote-to-invoice"),
    path(QUOTE + "pdf/", quote_pdf, name="quote-pdf"),
    path("q/<str:token>/", quote_public, name="quote-public"),
]
