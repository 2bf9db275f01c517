"""The plan page (plan, status, next invoice, usage, OkiOki's invoices), the ways to Stripe
Checkout and the customer portal, and Stripe's webhook."""

import logging

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.billing import selectors
from apps.billing.clients.stripe import (
    SignatureVerificationError,
    event_verify,
    hosted_origins,
    is_configured,
)
from apps.billing.entitlements import effective_plan, override_active, payment_overdue
from apps.billing.models import BillingInvoice, Plan
from apps.billing.subscriptions import checkout_return, checkout_start, portal_start
from apps.billing.usage_reports import LIVE
from apps.billing.webhooks import stripe_event_receive
from apps.companies.access import Action, CompanyRequest
from apps.companies.decorators import company_view
from apps.core.errors import DomainError

logger = logging.getLogger(__name__)

WEBHOOK_MAX_BYTES = 512 * 1024  # an event carries one object (an invoice with its lines)


def _plan_url(request: CompanyRequest) -> str:
    return reverse("billing:plan", kwargs={"company_id": request.company.public_id})


@company_view()
def plan_page(request: CompanyRequest) -> HttpResponse:
    company = request.company
    can_manage = request.access.can(Action.MANAGE_BILLING)
    outcome = request.GET.get("checkout")
    if outcome == "done" and can_manage and is_configured():
        if checkout_return(company=company, session_id=request.GET.get("session", "")):
            messages.success(request, _("Thank you: your subscription is active."))
        else:
            messages.info(request, _("Your payment is being confirmed; this page shows it soon."))
        return redirect(_plan_url(request))
    if outcome == "cancelled":
        messages.info(request, _("Nothing was changed: you left the payment page."))
        return redirect(_plan_url(request))
    subscription = selectors.subscription_get(company=company)
    usage = selectors.usage_get(company=company)
    live = subscription is not None and subscription.status in LIVE
    estimate = None
    if live and subscription is not None and subscription.next_invoice_amount is not None:
        estimate = subscription.next_invoice_amount + usage.extra_cost
    response = render(
        request,
        "billing/plan.html",
        {
            "tab": "plan",
            "effective": effective_plan(company),
            "override": override_active(company),
            "overdue": payment_overdue(company),
            "subscription": subscription,
            "live": live,
            "usage": usage,
            "estimate": estimate,
            "plans": selectors.plan_list(),
            "invoices": selectors.billing_invoice_list(company=company),
            "configured": is_configured(),
            "standin": settings.STRIPE_STANDIN,
            "can_manage": can_manage,
        },
    )
    if is_configured():
        # Subscribe and Manage are forms whose answer sends the browser on to Stripe's pages
        response._csp_update = {"form-action": hosted_origins()}  # type: ignore[attr-defined]
    return response


@require_POST
@company_view(Action.MANAGE_BILLING)
def checkout(request: CompanyRequest) -> HttpResponse:
    """Off to Stripe Checkout for the chosen plan."""
    plan = Plan.objects.filter(code=request.POST.get("plan", ""), is_active=True).first()
    if plan is None:
        raise Http404
    try:
        target = checkout_start(company=request.company, plan=plan, email=request.user.email)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(_plan_url(request))
    return redirect(target)


@require_POST
@company_view(Action.MANAGE_BILLING)
def portal(request: CompanyRequest) -> HttpResponse:
    """Off to Stripe's customer portal (card, invoices, plan, cancellation)."""
    try:
        target = portal_start(company=request.company)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(_plan_url(request))
    return redirect(target)


@company_view()
def invoice_file(request: CompanyRequest, billing_invoice_id: str, kind: str) -> FileResponse:
    """OkiOki's own invoice to the company: its PDF (shown) or UBL (downloaded)."""
    try:
        invoice = selectors.billing_invoice_get(
            company=request.company, invoice_id=billing_invoice_id
        )
    except BillingInvoice.DoesNotExist:
        raise Http404 from None
    stored = invoice.pdf if kind == "pdf" else invoice.xml
    if not stored:
        raise Http404
    name = invoice.number or invoice.stripe_invoice_id
    return FileResponse(
        stored.open("rb"),
        as_attachment=kind != "pdf",
        filename=f"OkiOki-{name}.{'pdf' if kind == 'pdf' else 'xml'}",
        content_type="application/pdf" if kind == "pdf" else "application/xml",
    )


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events: verified on the raw body before anything is read (400 otherwise, and
    nothing changes); each processed once. No sign-in: the signature is the proof."""
    if not is_configured():
        raise Http404
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > WEBHOOK_MAX_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        event = event_verify(request.body, request.headers.get("Stripe-Signature", ""))
    except (SignatureVerificationError, ValueError) as refusal:
        logger.warning("Stripe webhook refused: %s", refusal)
        return JsonResponse({"error": "signature"}, status=400)
    try:
        outcome = stripe_event_receive(event=event)
    except Exception:  # noted on the event and logged: Stripe sends it again later
        return JsonResponse({"received": True, "outcome": "failed"}, status=500)
    return JsonResponse({"received": True, "outcome": outcome})
