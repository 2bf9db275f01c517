"""Invoices and credit notes: the list (the Sales home), drafts with their lines, issuing,
sending, paid or not, crediting; the PDF and the UBL; the sales settings."""

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.companies.access import Action, CompanyRequest
from apps.companies.decorators import company_view
from apps.core.paging import page_of
from apps.core.views import refusal_as_message
from apps.peppol.selectors import transmission_get, transmissions_by_subject
from apps.sales.einvoicing import invoice_model
from apps.sales.forms.invoices import InvoiceForm, SalesSettingsForm
from apps.sales.forms.lines import line_formset, line_initial, with_one_more_line
from apps.sales.models import Customer, Dispatch, Invoice
from apps.sales.numbering import number_preview
from apps.sales.selectors import sales_settings_get
from apps.sales.services import invoices as services
from apps.sales.services.channel import invoice_channel
from apps.sales.services.sending import invoice_preview, invoice_send, invoice_subject

ISSUED = gettext_lazy("Issued. The invoice has its number; its PDF and UBL are ready to send.")
CREDIT_NOTE_ISSUED = gettext_lazy(
    "Issued. The credit note has its number; its PDF and UBL are ready to send."
)


def _issued(invoice: Invoice) -> str:
    return str(CREDIT_NOTE_ISSUED if invoice.is_credit_note else ISSUED)


OPEN = Q(status=Invoice.Status.ISSUED, kind=Invoice.Kind.INVOICE)
STATUS_FILTERS = {
    "draft": lambda today: Q(status=Invoice.Status.DRAFT),
    "open": lambda today: OPEN,
    "partly_paid": lambda today: OPEN & Q(paid_amount__gt=0),
    "overdue": lambda today: OPEN & Q(due_date__lt=today),
    "paid": lambda today: Q(status=Invoice.Status.PAID),
    "credit_notes": lambda today: Q(kind=Invoice.Kind.CREDIT_NOTE),
}


def _invoice_or_404(request: CompanyRequest, invoice_id: str) -> Invoice:
    invoice = (
        Invoice.objects.filter(company=request.company, public_id=invoice_id)
        .select_related("customer", "credited_invoice", "company")
        .first()
    )
    if invoice is None:
        raise Http404
    return invoice


def _detail_url(invoice: Invoice) -> str:
    return reverse(
        "sales:invoice-detail",
        kwargs={"company_id": invoice.company.public_id, "invoice_id": invoice.public_id},
    )


@company_view()
def invoice_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    status = request.GET.get("status", "")
    invoices = (
        Invoice.objects.filter(company=company)
        .select_related("customer")
        .order_by("-issue_date", "-id")
    )
    today = timezone.localdate()
    if status in STATUS_FILTERS:
        invoices = invoices.filter(STATUS_FILTERS[status](today))
    pager = page_of(request, invoices)
    subjects = {invoice_subject(invoice): invoice for invoice in pager.rows}
    found = transmissions_by_subject(company=company, subjects=subjects)
    for subject, invoice in subjects.items():
        invoice.transmission = found.get(subject)
    return render(
        request,
        "sales/invoice_list.html",
        {
            "invoices": pager.rows,
            "pager": pager,
            "status": status,
            "filters": [
                ("", _("All")),
                ("draft", _("Drafts")),
                ("open", _("To be paid")),
                ("partly_paid", _("Partly paid")),
                ("overdue", _("Overdue")),
                ("paid", _("Paid")),
                ("credit_notes", _("Credit notes")),
            ],
            "has_customers": Customer.objects.filter(company=company).exists(),
            "can_edit": request.access.can(Action.EDIT_DATA),
            "tab": "invoices",
        },
    )


def _draft_page(
    request: CompanyRequest, form: InvoiceForm, formset: Any, invoice: Invoice | None
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "formset": formset,
        "invoice": invoice,
        "can_edit": request.access.can(Action.EDIT_DATA),
        "tab": "invoices",
        # "Add a line" is not a submission: the half-typed new line shows no errors yet
        "hide_line_errors": request.POST.get("action") == "add_line",
    }
    if invoice is not None:
        context["check"] = check = services.invoice_check(invoice=invoice)
        context["model"] = check.model
    return render(request, "sales/invoice_form.html", context)


def _customer_from_query(request: HttpRequest, company: Any) -> Customer | None:
    """``?customer=<id>`` from the customer's page; anything else is ignored, not an error."""
    try:
        customer_id = uuid.UUID(request.GET.get("customer", ""))
    except ValueError:
        return None
    return Customer.objects.filter(company=company, public_id=customer_id).first()


@company_view(Action.EDIT_DATA)
def invoice_create(request: CompanyRequest) -> HttpResponse:
    company = request.company
    initial: dict[str, Any] = {}
    customer = _customer_from_query(request, company)
    if customer is not None:
        initial = {"customer": customer, "vat_treatment": customer.vat_treatment}
    data = (
        with_one_more_line(request.POST)
        if request.POST.get("action") == "add_line"
        else request.POST or None
    )
    form = InvoiceForm(data, company=company, initial=initial)
    formset = line_formset(data, company=company)
    saving = request.method == "POST" and request.POST.get("action") != "add_line"
    if saving and form.is_valid() and formset.is_valid():
        fields = form.service_fields()
        lines = formset.lines()
        invoice = services.invoice_create(
            company=company, customer=fields.pop("customer"), lines=lines, **fields
        )
        messages.success(request, _("Draft saved. Check it, then issue it."))
        return redirect(_detail_url(invoice))
    return _draft_page(request, form, formset, None)


@company_view()
def invoice_detail(request: CompanyRequest, invoice_id: str) -> HttpResponse:
    invoice = _invoice_or_404(request, invoice_id)
    if not invoice.is_draft:
        if request.method == "POST":
            raise PermissionDenied
        lines = list(invoice.lines.all())
        model = invoice_model(invoice, lines=lines)
        dispatches = list(invoice.dispatches.select_related("sent_by"))
        left = services.amount_open(invoice) if invoice.paid_amount else None
        return render(
            request,
            "sales/invoice_detail.html",
            {
                "invoice": invoice,
                "model": model,
                "rows": list(zip(model.lines, lines, strict=True)),
                "dispatches": dispatches,
                "reminders": [d for d in dispatches if d.what == Dispatch.What.REMINDER],
                # after credit notes and the bank's payments (less than nothing: overpaid)
                "left_to_pay": left,
                "overpaid": -left if left is not None and left < 0 else None,
                "channel": invoice_channel(invoice),
                "transmission": transmission_get(
                    company=request.company, subject=invoice_subject(invoice)
                ),
                "credit_notes": list(invoice.credit_notes.all()),
                "can_edit": request.access.can(Action.EDIT_DATA),
                "tab": "invoices",
            },
        )
    if request.method == "POST" and not request.access.can(Action.EDIT_DATA):
        raise PermissionDenied
    company = request.company
    adding = request.POST.get("action") == "add_line"
    data = with_one_more_line(request.POST) if adding else request.POST or None
    form = InvoiceForm(data, instance=invoice, company=company)
    formset = line_formset(
        data,
        company=company,
        on=invoice.issue_date,
        initial=None if data else line_initial(invoice.lines.all()),
    )
    if request.method == "POST" and not adding and form.is_valid() and formset.is_valid():
        with refusal_as_message(request):
            lines = formset.lines()
            services.invoice_update(invoice=invoice, lines=lines, **form.service_fields())
            if request.POST.get("action") == "issue":
                # what is on the screen is saved first (nothing typed is lost), then the
                # summary asks to confirm: issuing cannot be undone
                return redirect(_issue_url(invoice))
            messages.success(request, _("Draft saved."))
        return redirect(_detail_url(invoice))
    return _draft_page(request, form, formset, invoice)


def _action(
    request: CompanyRequest, invoice_id: str, run: Any, done: str | Callable[[Invoice], str]
) -> HttpResponse:
    invoice = _invoice_or_404(request, invoice_id)
    with refusal_as_message(request):
        result = run(invoice)
        if done:
            messages.success(request, done(invoice) if callable(done) else done)
        return redirect(_detail_url(result if isinstance(result, Invoice) else invoice))
    return redirect(_detail_url(invoice))


def _issue_url(invoice: Invoice) -> str:
    return reverse(
        "sales:invoice-issue",
        kwargs={"company_id": invoice.company.public_id, "invoice_id": invoice.public_id},
    )


@require_http_methods(["GET", "POST"])
@company_view(Action.EDIT_DATA)
def invoice_issue(request: CompanyRequest, invoice_id: str) -> HttpResponse:
    """GET: the summary of what issuing will make (customer, dates, totals and VAT, the
    number it will be given), to confirm. POST: issue it."""
    if request.method == "POST":
        return _action(
            request,
            invoice_id,
            lambda invoice: services.invoice_issue(invoice=invoice, actor=request.user),
            _issued,
        )
    invoice = _invoice_or_404(request, invoice_id)
    if not invoice.is_draft:
        messages.info(request, _("This invoice is already issued."))
        return redirect(_detail_url(invoice))
    check = services.invoice_check(invoice=invoice)
    model = check.model
    return render(
        request,
        "sales/invoice_issue_confirm.html",
        {
            "invoice": invoice,
            "check": check,
            "model": model,
            "number": number_preview(
                company=request.company,
                kind=invoice.kind,
                year=model.issue_date.year if model else timezone.localdate().year,
            ),
            "tab": "invoices",
        },
    )


def _send_url(invoice: Invoice) -> str:
    return reverse(
        "sales:invoice-send",
        kwargs={"company_id": invoice.company.public_id, "invoice_id": invoice.public_id},
    )


@require_http_methods(["GET", "POST"])
@company_view(Action.EDIT_DATA)
def invoice_send_view(request: CompanyRequest, invoice_id: str) -> HttpResponse:
    """GET: the preview of the sending (the e-mail as it will go: recipient, subject, body,
    attachments; or over Peppol, to whom), to confirm. POST: send it."""
    by_email = (request.POST if request.method == "POST" else request.GET).get("by_email") == "1"
    if request.method == "GET":
        invoice = _invoice_or_404(request, invoice_id)
        with refusal_as_message(request):
            preview = invoice_preview(invoice=invoice, by_email=by_email)
            return render(
                request,
                "sales/send_preview.html",
                {
                    "preview": preview,
                    "title": _title(invoice),
                    "send_url": _send_url(invoice),
                    "back_url": _detail_url(invoice),
                    "by_email": by_email or preview.channel == Invoice.Channel.EMAIL,
                    "tab": "invoices",
                },
            )
        return redirect(_detail_url(invoice))

    def send(invoice: Invoice) -> Invoice:
        dispatch = invoice_send(invoice=invoice, actor=request.user, by_email=by_email)
        if dispatch.channel == Invoice.Channel.PEPPOL:
            messages.success(request, _("On its way over Peppol to %(to)s.") % {"to": dispatch.to})
        else:
            messages.success(request, _("Sent to %(to)s.") % {"to": dispatch.to})
        return invoice

    return _action(request, invoice_id, send, "")


def _title(invoice: Invoice) -> str:
    if invoice.is_credit_note:
        return _("Credit note %(number)s") % {"number": invoice.number}
    return _("Invoice %(number)s") % {"number": invoice.number}


@require_POST
@company_view(Action.EDIT_DATA)
def invoice_paid(request: CompanyRequest, invoice_id: str, paid: bool) -> HttpResponse:
    if paid:
        return _action(
            request,
            invoice_id,
            lambda invoice: services.invoice_mark_paid(invoice=invoice, actor=request.user),
            _("Marked paid."),
        )
    return _action(
        request,
        invoice_id,
        lambda invoice: services.invoice_mark_unpaid(invoice=invoice, actor=request.user),
        _("Marked unpaid."),
    )


@require_POST
@company_view(Action.EDIT_DATA)
def invoice_credit(request: CompanyRequest, invoice_id: str) -> HttpResponse:
    return _action(
        request,
        invoice_id,
        lambda invoice: services.credit_note_create(invoice=invoice),
        _("A draft credit note for the whole invoice; change its lines to credit a part."),
    )


@require_POST
@company_view(Action.EDIT_DATA)
def invoice_delete(request: CompanyRequest, invoice_id: str) -> HttpResponse:
    invoice = _invoice_or_404(request, invoice_id)
    with refusal_as_message(request):
        services.invoice_delete_draft(invoice=invoice)
        messages.success(request, _("The draft is deleted."))
        return redirect(
            reverse("sales:invoice-list", kwargs={"company_id": request.company.public_id})
        )
    return redirect(_detail_url(invoice))


@company_view()
def invoice_file(request: CompanyRequest, invoice_id: str, kind: str) -> FileResponse:
    invoice = _invoice_or_404(request, invoice_id)
    stored = invoice.pdf if kind == "pdf" else invoice.ubl
    if not stored:
        raise Http404
    return FileResponse(
        stored.open("rb"),
        as_attachment=kind != "pdf" or request.GET.get("download") == "1",
        filename=f"{invoice.number}.{'pdf' if kind == 'pdf' else 'xml'}",
        content_type="application/pdf" if kind == "pdf" else "application/xml",
    )


@company_view()
def sales_settings(request: CompanyRequest) -> HttpResponse:
    company = request.company
    settings = sales_settings_get(company=company)
    can_manage = bool(request.access.can(Action.MANAGE_COMPANY))
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = SalesSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect(reverse("sales:settings", kwargs={"company_id": company.public_id}))
    return render(
        request,
        "sales/sales_settings.html",
        {"form": form, "can_manage": can_manage, "tab": "settings"},
    )


company = "c/<uuid:company_id>/sales/"
invoice = company + "invoices/<uuid:invoice_id>/"

urls = [
    path(company, invoice_list, name="invoice-list"),
    path(company + "invoices/new/", invoice_create, name="invoice-create"),
    path(invoice, invoice_detail, name="invoice-detail"),
    path(invoice + "issue/", invoice_issue, name="invoice-issue"),
    path(invoice + "send/", invoice_send_view, name="invoice-send"),
    path(invoice + "paid/", invoice_paid, {"paid": True}, name="invoice-paid"),
    path(invoice + "unpaid/", invoice_paid, {"paid": False}, name="invoice-unpaid"),
    path(invoice + "credit/", invoice_credit, name="invoice-credit"),
    path(invoice + "delete/", invoice_delete, name="invoice-delete"),
    path(invoice + "pdf/", invoice_file, {"kind": "pdf"}, name="invoice-pdf"),
    path(invoice + "ubl/", invoice_file, {"kind": "ubl"}, name="invoice-ubl"),
    path(company + "settings/", sales_settings, name="settings"),
]
