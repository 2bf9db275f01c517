"""Bank accounts, the statement files imported for them, and their transactions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company, CompanyOwnedModel


def statement_path(instance: "StatementFile", filename: str) -> str:
    """Storage paths carry the company and opaque ids only."""
    return f"companies/{instance.company.public_id}/bank/{instance.public_id}/{filename}"


class BankAccount(CompanyOwnedModel):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    iban = models.CharField(_("IBAN"), max_length=34)  # normalised: no spaces, upper case
    name = models.CharField(_("name"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # from the newest statement imported
    balance = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    balance_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["name", "iban"]
        constraints = [
            models.UniqueConstraint(fields=["company", "iban"], name="bank_account_unique_iban")
        ]

    def __str__(self) -> str:
        return self.name or self.iban


class StatementFile(CompanyOwnedModel):
    """A file given as a bank statement, kept whatever became of it."""

    class Status(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Refused")

    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to=statement_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    # upload (the Bank page), command, or the way documents arrive: mailbox, forwarding,
    # cloud, upload (the Documents page), api
    source = models.CharField(max_length=20, default="upload")
    # where it came from: the e-mail's sender and subject, the cloud folder and path, the ZIP
    source_details = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)  # the line, the IBAN, …
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class Statement(CompanyOwnedModel):
    """One statement of one account (a file may hold several)."""

    class Format(models.TextChoices):
        CODA = "coda", "CODA"
        CAMT053 = "camt053", "CAMT.053"

    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="statements")
    file = models.ForeignKey(StatementFile, on_delete=models.PROTECT, related_name="statements")
    format = models.CharField(max_length=10, choices=Format.choices)
    number = models.CharField(max_length=50)
    date = models.DateField()
    opening_balance = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    closing_balance = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    # a CAMT.053 statement whose movements don't add up to its balances (partial exports):
    # imported, the difference shown
    balance_difference = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        ordering = ["-date", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "number", "date"], name="statement_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.number} ({self.date})"


class BankTransaction(CompanyOwnedModel):
    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="transactions")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="transactions")
    # what makes it the same movement when a statement is imported again or overlaps
    identity = models.CharField(max_length=100)
    booking_date = models.DateField()
    value_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)  # credit > 0, debit < 0
    currency = models.CharField(max_length=3, default="EUR")
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    counterparty_bic = models.CharField(max_length=11, blank=True)
    structured_reference = models.CharField(max_length=35, blank=True)  # OGM digits or RF
    free_text = models.TextField(blank=True)
    bank_reference = models.CharField(max_length=100, blank=True)
    sequence = models.CharField(max_length=20, blank=True)
    raw = models.TextField(blank=True)

    class Meta:
        ordering = ["-booking_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "identity"], name="bank_transaction_unique_identity"
            )
        ]
        indexes = [
            models.Index(fields=["company", "structured_reference"], name="bank_tx_reference"),
            models.Index(fields=["company", "-booking_date"], name="bank_tx_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.counterparty_name}"
