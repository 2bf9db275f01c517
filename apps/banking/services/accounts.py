"""Bank accounts: added with their IBAN checked, within the plan."""

from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError

from apps.banking.models import BankAccount
from apps.companies.models import Company
from apps.core.errors import DomainError
from apps.core.iban import iban_check


def bank_account_create(
    *, company: Company, iban: str, name: str = "", currency: str = "EUR"
) -> BankAccount:
    """Add an account (its IBAN checked), within the plan's number of bank accounts."""
    try:
        number = iban_check(iban).number  # a bank code not listed yet is no error
    except ValidationError as error:
        raise DomainError(
            _("%(iban)s is not a valid IBAN.") % {"iban": iban}, code="iban_invalid", field="iban"
        ) from error
    allowed = company.plan.bank_accounts
    if BankAccount.objects.filter(company=company).count() >= allowed:
        raise DomainError(
            _(
                "Your plan %(plan)s includes %(allowed)s bank account(s) and all are in use. "
                "Choose a larger plan to add another one."
            )
            % {"plan": company.plan.name, "allowed": allowed},
            code="plan_limit",
        )
    if BankAccount.objects.filter(company=company, iban=number).exists():
        raise DomainError(_("This account is already there."), code="iban_exists", field="iban")
    return BankAccount.objects.create(
        company=company, iban=number, name=name.strip(), currency=currency
    )
