"""The Bank page: the company's accounts, statement imports and transactions."""

import logging
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.banking import selectors
from apps.banking.cashflow.page import cashflow_page
from apps.banking.clients.ponto import WebhookRefused, ponto_client
from apps.banking.errors import STATEMENT_WARNING, statement_error
from apps.banking.forms import (
    AmountField,
    BankAccountForm,
    CashflowSettingsForm,
    ForecastItemForm,
    ForecastOneOffForm,
    StatementUploadForm,
)
from apps.banking.models import (
    BankAccount,
    BankTransaction,
    CashflowSettings,
    ForecastAdjustment,
    Match,
    MatchState,
    PendingTransaction,
    Statement,
    StatementFile,
)
from apps.banking.services.accounts import bank_account_create
from apps.banking.services.cashflow import (
    cashflow_settings_update,
    forecast_adjustment_remove,
    forecast_item_adjust,
    forecast_one_off_add,
)
from apps.banking.services.connections import (
    account_live_state,
    connection_alerts,
    connection_complete,
    connection_context,
    connection_start,
    reauthorization_start,
    webhook_receive,
)
from apps.banking.services.matches import (
    Part,
    match_confirm,
    match_manual,
    match_undo,
    transaction_ignore,
    transactions_match,
)
from apps.banking.services.statements import ImportResult, statement_import_upload
from apps.billing import entitlements
from apps.companies.access import Action, CompanyRequest
from apps.companies.decorators import company_view
from apps.core.archives import UnpackBudget
from apps.core.errors import DomainError
from apps.core.money import format_money
from apps.core.paging import page_of
from apps.core.views import refusal_as_message

logger = logging.getLogger(__name__)


def _overview_url(request: CompanyRequest) -> str:
    return reverse("banking:overview", kwargs={"company_id": request.company.public_id})


def _page(
    request: CompanyRequest,
    account_form: BankAccountForm | None = None,
    upload_form: StatementUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    company = request.company
    plan = entitlements.effective_plan(company)
    accounts = list(BankAccount.objects.filter(company=company).select_related("connection"))
    for account in accounts:
        account.live_state = account_live_state(account)  # type: ignore[attr-defined]
    state = request.GET.get("state", "")
    transactions = page_of(request, selectors.transaction_list(company=company, state=state))
    files = [
        (kept, statement_error(kept.error_code, kept.error_params) if kept.error_code else "")
        for kept in StatementFile.objects.filter(company=company).prefetch_related(
            Prefetch(
                "statements",
                queryset=Statement.objects.exclude(balance_difference=None).exclude(
                    balance_difference=0
                ),
                to_attr="not_adding_up",
            )
        )[:5]
    ]
    response = render(
        request,
        "banking/overview.html",
        {
            "accounts": accounts,
            **connection_context(accounts),
            "pending": (
                list(
                    PendingTransaction.objects.filter(company=company).select_related("account")[
                        :50
                    ]
                )
                if any(account.connection_id for account in accounts)
                else []
            ),
            "plan": plan,
            "allowed": plan.bank_accounts,
            "transactions": transactions.rows,
            "pager": transactions,
            "files": files,
            "account_form": account_form or BankAccountForm(),
            "upload_form": upload_form or StatementUploadForm(),
            "can_edit": request.access.can(Action.EDIT_DATA),
            "can_manage": request.access.can(Action.MANAGE_COMPANY),
            "state": state if state in selectors.STATE_FILTERS else "",
            "filters": [
                ("", _("All")),
                ("todo", _("To do")),
                ("matched", pgettext("transactions", "Matched")),
                ("ignored", pgettext("transactions", "Nothing to match")),
            ],
            "to_do": selectors.to_do(company=company),
            "overdue_invoices": list(
                selectors.overdue_invoices(company=company, today=timezone.localdate())[:10]
            ),
            "overdue_documents": list(
                selectors.overdue_documents(company=company, today=timezone.localdate())[:10]
            ),
        },
        status=status,
    )
    if settings.PONTO_CLIENT_ID:
        # "Connect your bank" and "Renew consent" are forms whose answer sends the browser on
        # to Ponto: the page's form-action must allow Ponto's authorisation site
        parts = urlsplit(settings.PONTO_AUTHORIZATION_URL)
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}  # type: ignore[attr-defined]
    return response


@company_view()
def overview(request: CompanyRequest) -> HttpResponse:
    return _page(request)


@require_POST
@company_view(Action.MANAGE_COMPANY)
def account_create(request: CompanyRequest) -> HttpResponse:
    form = BankAccountForm(request.POST)
    if form.is_valid():
        try:
            account = bank_account_create(
                company=request.company,
                iban=form.cleaned_data["iban"],
                name=form.cleaned_data["name"],
                currency=form.cleaned_data["currency"] or "EUR",
            )
        except DomainError as error:
            form.add_error("iban" if error.field == "iban" else None, str(error.message))
        else:
            messages.success(request, _("Account %(iban)s is added.") % {"iban": account.iban})
            return redirect(_overview_url(request))
    return _page(request, account_form=form, status=400)


@require_POST
@company_view(Action.EDIT_DATA)
def statement_upload(request: CompanyRequest) -> HttpResponse:
    form = StatementUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, upload_form=form, status=400)
    result = ImportResult()
    budget = UnpackBudget()  # the ZIPs of one upload share it
    for upload in form.cleaned_data["statements"]:
        if upload.size > settings.MAX_UPLOAD_SIZE:
            limit = settings.MAX_UPLOAD_SIZE // (1024 * 1024)
            messages.error(
                request, f"{upload.name}: {statement_error('too_large', {'limit': limit})}"
            )
            continue
        statement_import_upload(
            company=request.company,
            data=upload.read(),
            filename=upload.name,
            actor=request.user,
            result=result,
            budget=budget,
        )
    for error in result.errors:
        messages.error(request, f"{error['file']}: {statement_error(error['code'], error)}")
    if result.statements:
        imported = _(
            "%(statements)s statement(s) imported: %(new)s new transaction(s), "
            "%(duplicates)s already there."
        )
        counts = {"statements": result.statements, "new": result.new}
        messages.success(request, imported % {**counts, "duplicates": result.duplicates})
    language = (get_language() or "en")[:2]
    for warning in result.warnings:
        difference = format_money(Decimal(warning["difference"]), warning["currency"], language)
        messages.warning(request, STATEMENT_WARNING % {**warning, "difference": difference})
    if result.new:
        messages.info(
            request,
            _("%(matched)s paid an invoice or document, %(suggested)s to confirm, %(left)s to do.")
            % {
                "matched": result.matched,
                "suggested": result.suggested,
                "left": result.unmatched,
            },
        )
    return redirect(_overview_url(request))


# one transaction: its matches, suggestions, and matching by hand ---------------------------


def _transaction_or_404(request: CompanyRequest, transaction_id: str) -> BankTransaction:
    row = selectors.transaction_get(company=request.company, public_id=transaction_id)
    if row is None:
        raise Http404
    return row


def _transaction_url(request: CompanyRequest, row: BankTransaction) -> str:
    return reverse(
        "banking:transaction-detail",
        kwargs={"company_id": request.company.public_id, "transaction_id": row.public_id},
    )


@company_view()
def transaction_detail(request: CompanyRequest, transaction_id: str) -> HttpResponse:
    row = _transaction_or_404(request, transaction_id)
    live = row.live_matches  # type: ignore[attr-defined]
    proposals: dict[int, list[Match]] = {}
    for match in live:
        if match.state == Match.State.SUGGESTED:
            proposals.setdefault(match.proposal, []).append(match)
    can_edit = request.access.can(Action.EDIT_DATA)
    query = request.GET.get("q", "")
    left = row.amount - row.matched_amount
    return render(
        request,
        "banking/transaction_detail.html",
        {
            "row": row,
            "matched": [m for m in live if m.state == Match.State.MATCHED],
            "proposals": sorted(proposals.items()),
            "left": left,
            "query": query,
            "candidates": (
                selectors.open_item_search(company=request.company, row=row, query=query)
                if can_edit and left and row.match_state != MatchState.IGNORED
                else []
            ),
            "can_edit": can_edit,
        },
    )


@require_POST
@company_view(Action.EDIT_DATA)
def match_confirm_view(request: CompanyRequest, transaction_id: str) -> HttpResponse:
    row = _transaction_or_404(request, transaction_id)
    try:
        proposal = int(request.POST.get("proposal", ""))
    except ValueError:
        raise Http404 from None
    with refusal_as_message(request):
        match_confirm(
            company=request.company, transaction_row=row, proposal=proposal, actor=request.user
        )
        messages.success(request, _("Matched."))
    return redirect(_transaction_url(request, row))


@require_POST
@company_view(Action.EDIT_DATA)
def match_undo_view(request: CompanyRequest, transaction_id: str, match_id: str) -> HttpResponse:
    row = _transaction_or_404(request, transaction_id)
    match = next((m for m in row.live_matches if str(m.public_id) == str(match_id)), None)  # type: ignore[attr-defined]
    if match is None:
        raise Http404
    was_suggested = match.state == Match.State.SUGGESTED
    with refusal_as_message(request):
        match_undo(company=request.company, match=match, actor=request.user)
        messages.success(
            request, _("Suggestion dismissed.") if was_suggested else _("Match undone.")
        )
    return redirect(_transaction_url(request, row))


PART_AMOUNT = AmountField(max_digits=14, decimal_places=2)


def _parts(request: CompanyRequest) -> list[Part]:
    """The items ticked in the match-by-hand form, each with its amount."""
    parts = []
    for key in request.POST.getlist("item")[: selectors.SEARCH_LIMIT]:
        kind, _sep, public_id = key.partition(":")
        item = selectors.item_get(company=request.company, kind=kind, public_id=public_id)
        if item is None:
            raise Http404
        try:  # 1.234,56 as Belgians write it, or 1234.56
            amount = PART_AMOUNT.clean(request.POST.get(f"amount-{key}", ""))
        except ValidationError:
            raise DomainError(
                _("Enter the amount for %(item)s, like 121.00.") % {"item": item},
                code="amount",
            ) from None
        parts.append(Part(item, amount))
    return parts


@require_POST
@company_view(Action.EDIT_DATA)
def match_manual_view(request: CompanyRequest, transaction_id: str) -> HttpResponse:
    row = _transaction_or_404(request, transaction_id)
    with refusal_as_message(request):
        match_manual(
            company=request.company,
            transaction_row=row,
            parts=_parts(request),
            actor=request.user,
        )
        messages.success(request, _("Matched."))
    return redirect(_transaction_url(request, row))


@require_POST
@company_view(Action.EDIT_DATA)
def transaction_ignore_view(request: CompanyRequest, transaction_id: str) -> HttpResponse:
    row = _transaction_or_404(request, transaction_id)
    ignore = request.POST.get("ignore") != "0"
    with refusal_as_message(request):
        transaction_ignore(
            company=request.company, transaction_row=row, actor=request.user, ignore=ignore
        )
        messages.success(
            request, _("Off the to-do list.") if ignore else _("Back on the to-do list.")
        )
    return redirect(_transaction_url(request, row))


@require_POST
@company_view(Action.EDIT_DATA)
def match_again(request: CompanyRequest) -> HttpResponse:
    """The rules again over the transactions still unmatched (invoices and documents may
    have arrived since)."""
    counts = transactions_match(company=request.company)
    messages.success(
        request,
        _("%(matched)s matched, %(suggested)s to confirm.")
        % {"matched": counts.matched, "suggested": counts.suggested},
    )
    return redirect(_overview_url(request) + "?state=todo")


# live bank connection (Ponto) -----------------------------------------------------------------

PONTO_SESSION_KEY = "banking_ponto_company"
WEBHOOK_MAX_BYTES = 64 * 1024  # an event names what changed; it never carries transactions


@require_POST
@company_view(Action.MANAGE_COMPANY)
def connection_start_view(request: CompanyRequest) -> HttpResponse:
    """Off to Ponto, where the user picks their bank and accounts."""
    try:
        target = connection_start(company=request.company, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(_overview_url(request))
    request.session[PONTO_SESSION_KEY] = str(request.company.public_id)
    return redirect(target)


@login_required
def connection_callback(request: HttpRequest) -> HttpResponse:
    """Ponto sends the user back here (one address for every company, as registered with
    Ponto): on to the company that started, where the answer is checked with its access."""
    company_id = request.session.pop(PONTO_SESSION_KEY, "")
    if not company_id:
        raise Http404
    target = reverse("banking:connection-complete", kwargs={"company_id": company_id})
    query = {key: request.GET.get(key, "") for key in ("code", "state", "error")}
    return redirect(f"{target}?{urlencode(query)}")


@company_view(Action.MANAGE_COMPANY)
def connection_complete_view(request: CompanyRequest) -> HttpResponse:
    with refusal_as_message(request):
        result = connection_complete(
            company=request.company,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
            actor=request.user,
        )
        connected = len(result.linked) + len(result.added)
        messages.success(
            request,
            ngettext(
                "Your bank is connected: %(count)s account. Its transactions arrive in a moment.",
                "Your bank is connected: %(count)s accounts. Their transactions arrive in a "
                "moment.",
                connected,
            )
            % {"count": connected},
        )
        if result.left_out:
            plan = entitlements.effective_plan(request.company)
            messages.warning(
                request,
                _(
                    "Not added: %(ibans)s. Your plan %(plan)s includes %(allowed)s bank "
                    "account(s); choose a larger plan to add more."
                )
                % {
                    "ibans": ", ".join(result.left_out),
                    "plan": plan.name,
                    "allowed": plan.bank_accounts,
                },
            )
    return redirect(_overview_url(request))


@require_POST
@company_view(Action.MANAGE_COMPANY)
def account_reauthorize(request: CompanyRequest, account_id: str) -> HttpResponse:
    """One click: Ponto's page where the bank's consent is renewed."""
    account = BankAccount.objects.filter(company=request.company, public_id=account_id).first()
    if account is None:
        raise Http404
    try:
        target = reauthorization_start(company=request.company, account=account)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(_overview_url(request))
    return redirect(target)


@csrf_exempt
@require_POST
def ponto_webhook(request: HttpRequest) -> HttpResponse:
    """Verified on its raw body (Ponto's signed JWT) before anything is read or stored;
    answered at once, the work is left to a task."""
    client = ponto_client()
    if client is None:
        raise Http404
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > WEBHOOK_MAX_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        event = client.verify_webhook(request.headers, request.body)
    except WebhookRefused as refusal:
        logger.warning("Ponto webhook refused: %s", refusal)
        return JsonResponse({"error": "signature"}, status=401)
    done = webhook_receive(event=event)
    return JsonResponse({"received": True, "done": done})


# cash flow ---------------------------------------------------------------------------------


def _cashflow_url(request: CompanyRequest) -> str:
    return reverse("banking:cashflow", kwargs={"company_id": request.company.public_id})


def _cashflow_page(
    request: CompanyRequest,
    settings_form: CashflowSettingsForm | None = None,
    one_off_form: ForecastOneOffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    company = request.company
    page = cashflow_page(company, timezone.localdate())
    if settings_form is None:
        found = page.settings
        settings_form = CashflowSettingsForm(
            initial={
                "vat_filer": found.vat_filer if found else CashflowSettings.VatFiler.QUARTERLY,
                "makes_advance_payments": found.makes_advance_payments if found else False,
                "advance_payment_1": found.advance_payment_1 if found else None,
                "advance_payment_2": found.advance_payment_2 if found else None,
                "advance_payment_3": found.advance_payment_3 if found else None,
                "advance_payment_4": found.advance_payment_4 if found else None,
                "threshold": found.threshold if found else None,
            }
        )
    language = (get_language() or "en")[:2]
    chart = {
        **page.chart,
        "locale": {"nl": "nl-BE", "fr": "fr-BE"}.get(language, "en-GB"),
        # amounts as the rest of the pages write them (apps.core.money): 1.234,56 € in both
        "money_locale": "de-BE" if language in ("nl", "fr") else "en-GB",
        "currency": "EUR",
        "words": {
            "history": _("Balance"),
            "forecast": _("Expected balance"),
            "threshold": _("Your threshold"),
            "in": _("Money in"),
            "out": _("Money out"),
            "expected_in": _("Expected in"),
            "expected_out": _("Expected out"),
        },
    }
    return render(
        request,
        "banking/cashflow.html",
        {
            "page": page,
            "history": page.history,
            "forecast": page.forecast,
            "chart": chart,
            "settings_form": settings_form,
            "one_off_form": one_off_form or ForecastOneOffForm(),
            "can_edit": request.access.can(Action.EDIT_DATA),
            # a connected account whose data is out of date or about to be: said by its balance
            "connection_alerts": connection_alerts(request.company),
        },
        status=status,
    )


@company_view()
def cashflow(request: CompanyRequest) -> HttpResponse:
    return _cashflow_page(request)


@require_POST
@company_view(Action.EDIT_DATA)
def cashflow_settings(request: CompanyRequest) -> HttpResponse:
    form = CashflowSettingsForm(request.POST)
    if not form.is_valid():
        return _cashflow_page(request, settings_form=form, status=400)
    data = form.cleaned_data
    cashflow_settings_update(
        company=request.company,
        vat_filer=data["vat_filer"],
        makes_advance_payments=data["makes_advance_payments"],
        advance_payments=tuple(  # type: ignore[arg-type]
            data[f"advance_payment_{n}"] or Decimal("0") for n in range(1, 5)
        ),
        threshold=data["threshold"],
    )
    messages.success(request, _("Cash-flow settings saved."))
    return redirect(_cashflow_url(request) + "#settings")


@require_POST
@company_view(Action.EDIT_DATA)
def cashflow_item(request: CompanyRequest) -> HttpResponse:
    """Move a forecast line to another day, or leave it out (one, or every occurrence of a
    recurring debit)."""
    form = ForecastItemForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(_cashflow_url(request) + "#lines")
    data = form.cleaned_data
    item, action = data["item"], data["action"]
    if action == "exclude_all":
        # every occurrence of a recurring debit: its pattern's key, without the date
        source, _sep, rest = item.partition(":")
        item = f"{source}:{rest.split(':', 1)[0]}" if source == "recurring" else item
        action = ForecastAdjustment.Kind.EXCLUDE
    with refusal_as_message(request):
        forecast_item_adjust(
            company=request.company, item=item, kind=action, day=data["day"], actor=request.user
        )
        messages.success(
            request,
            _("The line is left out of the forecast.")
            if action == ForecastAdjustment.Kind.EXCLUDE
            else _("The line is moved."),
        )
    return redirect(_cashflow_url(request) + "#lines")


@require_POST
@company_view(Action.EDIT_DATA)
def cashflow_one_off(request: CompanyRequest) -> HttpResponse:
    form = ForecastOneOffForm(request.POST)
    if not form.is_valid():
        return _cashflow_page(request, one_off_form=form, status=400)
    data = form.cleaned_data
    amount = data["amount"] if data["direction"] == "in" else -data["amount"]
    with refusal_as_message(request):
        forecast_one_off_add(
            company=request.company,
            day=data["day"],
            amount=amount,
            label=data["label"],
            actor=request.user,
        )
        messages.success(request, _("Your line is added to the forecast."))
    return redirect(_cashflow_url(request) + "#lines")


@require_POST
@company_view(Action.EDIT_DATA)
def cashflow_adjustment_remove(request: CompanyRequest, adjustment_id: str) -> HttpResponse:
    adjustment = ForecastAdjustment.objects.filter(
        company=request.company, public_id=adjustment_id
    ).first()
    if adjustment is None:
        raise Http404
    forecast_adjustment_remove(company=request.company, adjustment=adjustment)
    messages.success(request, _("Undone."))
    return redirect(_cashflow_url(request) + "#lines")
