"""Bank accounts, the statement files imported for them, their transactions, and the
matches of those transactions with sales invoices and purchase documents."""

from decimal import Decimal

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
    # a live connection (Ponto): the provider's id of the account, the consent's expected
    # end (authorizationExpirationExpectedAt), the last successful synchronisation
    connection = models.ForeignKey(
        "banking.BankConnection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
    )
    provider_account_id = models.CharField(max_length=100, blank=True)
    consent_expires_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # the consent warnings already sent (14 and 3 days before), so each goes once
    consent_warned_days = models.PositiveSmallIntegerField(null=True, blank=True)

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
        PONTO = "ponto", "Ponto"  # the booked transactions of one synchronisation

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


class MatchState(models.TextChoices):
    UNMATCHED = "unmatched", _("Not matched")
    SUGGESTED = "suggested", _("To confirm")
    PARTLY = "partly", _("Partly matched")
    MATCHED = "matched", _("Matched")
    IGNORED = "ignored", _("Nothing to match")


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
    # where matching left it (kept with its matches by services.matches)
    match_state = models.CharField(
        _("match"), max_length=20, choices=MatchState.choices, default=MatchState.UNMATCHED
    )
    matched_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

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
            models.Index(fields=["company", "match_state"], name="bank_tx_match_state"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.counterparty_name}"


class Match(CompanyOwnedModel):
    """A bank transaction (or a part of it) paying one sales invoice or purchase document.

    The rules suggest or match (``automatic``); a person confirms, matches by hand, splits a
    transaction over several items, or undoes a match: an undone match stays, rejected, so
    that the rules never propose it again. ``amount`` is the part of the transaction for this
    item, signed like the money: + received (a sales invoice, a supplier's credit note netted
    or refunded), - paid (a purchase invoice); the item's paid amount is the sum's size.
    Suggestions with the same ``proposal`` number go together (a combination)."""

    class State(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        MATCHED = "matched", _("Matched")
        REJECTED = "rejected", _("Undone")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    transaction = models.ForeignKey(
        BankTransaction, on_delete=models.CASCADE, related_name="matches"
    )
    invoice = models.ForeignKey(
        "sales.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    document = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    state = models.CharField(max_length=20, choices=State.choices)
    proposal = models.PositiveSmallIntegerField(default=1)
    automatic = models.BooleanField(default=False)
    score = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    # why, as codes with their values (worded when shown, in the reader's language)
    reasons = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["transaction_id", "proposal", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(invoice__isnull=False, document__isnull=True)
                    | models.Q(invoice__isnull=True, document__isnull=False)
                ),
                name="match_one_item",
            ),
            models.UniqueConstraint(
                fields=["transaction", "invoice"],
                condition=~models.Q(state="rejected") & models.Q(invoice__isnull=False),
                name="match_once_per_invoice",
            ),
            models.UniqueConstraint(
                fields=["transaction", "document"],
                condition=~models.Q(state="rejected") & models.Q(document__isnull=False),
                name="match_once_per_document",
            ),
        ]
        indexes = [models.Index(fields=["company", "state"], name="match_state")]

    def __str__(self) -> str:
        return f"{self.transaction} → {self.invoice or self.document}"


class BankConnection(CompanyOwnedModel):
    """A company's access to its bank accounts through an aggregator (Ponto Connect).

    Tokens are encrypted at rest (apps.core.crypto), like mailbox passwords. A connection
    is ``pending`` from the start of the OAuth flow (its ``state`` and PKCE verifier kept
    here) until the callback; afterwards ``status`` says whether its data still flows, and
    ``reason`` why not, in the provider's or our words."""

    class Provider(models.TextChoices):
        PONTO = "ponto", "Ponto"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the bank")
        ACTIVE = "active", _("Connected")
        REAUTH_NEEDED = "reauth_needed", _("Reconnect needed")
        REVOKED = "revoked", _("Access revoked")
        BLOCKED = "blocked", _("Blocked by Ponto")

    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.PONTO)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=300, blank=True)
    organization_id = models.CharField(max_length=100, blank=True, db_index=True)
    access_token = models.TextField(blank=True)  # encrypted
    refresh_token = models.TextField(blank=True)  # encrypted
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # the OAuth flow under way: state and the PKCE verifier (encrypted)
    state = models.CharField(max_length=100, blank=True)
    code_verifier = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} ({self.get_status_display()})"


class PendingTransaction(CompanyOwnedModel):
    """A movement the bank has not booked yet: shown apart, never matched, replaced whole at
    each synchronisation of its account."""

    account = models.ForeignKey(
        BankAccount, on_delete=models.CASCADE, related_name="pending_transactions"
    )
    provider_id = models.CharField(max_length=100)
    date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_iban = models.CharField(max_length=34, blank=True)
    free_text = models.TextField(blank=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.counterparty_name}"


class CashflowSettings(CompanyOwnedModel):
    """What the cash-flow forecast needs to know of a company's taxes, and the balance below
    which it warns."""

    class VatFiler(models.TextChoices):
        MONTHLY = "monthly", _("Monthly VAT returns")
        QUARTERLY = "quarterly", _("Quarterly VAT returns")
        NONE = "none", _("No VAT returns (exempt)")

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="cashflow_settings"
    )
    vat_filer = models.CharField(
        _("VAT returns"), max_length=10, choices=VatFiler.choices, default=VatFiler.QUARTERLY
    )
    makes_advance_payments = models.BooleanField(
        _("I make advance payments of corporate tax"), default=False
    )
    advance_payment_1 = models.DecimalField(
        _("advance payment 1 (April)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    advance_payment_2 = models.DecimalField(
        _("advance payment 2 (July)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    advance_payment_3 = models.DecimalField(
        _("advance payment 3 (October)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    advance_payment_4 = models.DecimalField(
        _("advance payment 4 (December)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    threshold = models.DecimalField(
        _("warn me below"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("cash-flow settings")
        verbose_name_plural = _("cash-flow settings")


class ForecastAdjustment(CompanyOwnedModel):
    """The user's word on the forecast: a line (``item``, the key the forecast gives it)
    expected on another day or not at all, or a line of their own."""

    class Kind(models.TextChoices):
        MOVE = "move", _("Moved")
        EXCLUDE = "exclude", _("Excluded")
        ONE_OFF = "one_off", _("One-off")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item = models.CharField(max_length=120, blank=True)
    day = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    label = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "item"],
                condition=~models.Q(kind="one_off"),
                name="forecast_adjustment_once_per_item",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="exclude")
                    | (models.Q(kind="move") & models.Q(day__isnull=False))
                    | (
                        models.Q(kind="one_off")
                        & models.Q(day__isnull=False)
                        & models.Q(amount__isnull=False)
                    )
                ),
                name="forecast_adjustment_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item or self.label}"
