"""The Bank page: the company's accounts, statement imports and transactions."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.banking.errors import statement_error
from apps.banking.forms import BankAccountForm, StatementUploadForm
from apps.banking.models import BankAccount, BankTransaction, StatementFile
from apps.banking.services.accounts import bank_account_create
from apps.banking.services.statements import ImportResult, statement_import_upload
from apps.companies.access import Action, CompanyRequest
from apps.companies.decorators import company_view
from apps.core.archives import UnpackBudget
from apps.core.errors import DomainError
from apps.core.paging import page_of


def _overview_url(request: CompanyRequest) -> str:
    return reverse("banking:overview", kwargs={"company_id": request.company.public_id})


def _page(
    request: CompanyRequest,
    account_form: BankAccountForm | None = None,
    upload_form: StatementUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    company = request.company
    accounts = list(BankAccount.objects.filter(company=company))
    transactions = page_of(
        request,
        BankTransaction.objects.filter(company=company)
        .select_related("account")
        .order_by("-booking_date", "-id"),
    )
    files = [
        (kept, statement_error(kept.error_code, kept.error_params) if kept.error_code else "")
        for kept in StatementFile.objects.filter(company=company)[:5]
    ]
    return render(
        request,
        "banking/overview.html",
        {
            "accounts": accounts,
            "allowed": company.plan.bank_accounts,
            "transactions": transactions.rows,
            "pager": transactions,
            "files": files,
            "account_form": account_form or BankAccountForm(),
            "upload_form": upload_form or StatementUploadForm(),
            "can_edit": request.access.can(Action.EDIT_DATA),
            "can_manage": request.access.can(Action.MANAGE_COMPANY),
        },
        status=status,
    )


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
    return redirect(_overview_url(request))
