"""Bank accounts: added with their IBAN checked, within the plan."""

from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError

from apps.banking.models import BankAccount
from apps.billing import entitlements
from apps.companies.models import Company
from apps.core.errors import DomainError
from apps.core.iban import iban_check


def bank_account_create(
    *, company: Company, iban: str, name: str = "", currency: str = "EUR"
) -> BankAccount:
    """Add an account (its IBAN checked), within the number of bank accounts of the plan in
    force (``apps.billing.entitlements``: ``LimitReached`` past it)."""
    try:
        number = iban_check(iban).number  # a bank code not listed yet is no error
    except ValidationError as error:
        raise DomainError(
            _("%(iban)s is not a valid IBAN.") % {"iban": iban}, code="iban_invalid", field="iban"
        ) from error
    entitlements.limit_check(
        company, "bank_accounts", used=BankAccount.objects.filter(company=company).count()
    )
    if BankAccount.objects.filter(company=company, iban=number).exists():
        raise DomainError(_("This account is already there."), code="iban_exists", field="iban")
    return BankAccount.objects.create(
        company=company, iban=number, name=name.strip(), currency=currency
    )
