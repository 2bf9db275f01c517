from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company, CompanyOwnedModel


class Category(models.TextChoices):
    """The three routing categories the accountant cares about."""

    PURCHASES = "purchases", _("Purchases")
    SALES = "sales", _("Sales")
    MISCELLANEOUS = "miscellaneous", _("Miscellaneous")


class Kind(models.TextChoices):
    PURCHASE_INVOICE = "purchase_invoice", _("Purchase invoice")
    PURCHASE_CREDIT_NOTE = "purchase_credit_note", _("Purchase credit note")
    RECEIPT = "receipt", _("Receipt or expense ticket")
    SALES_INVOICE = "sales_invoice", _("Sales invoice")
    SALES_CREDIT_NOTE = "sales_credit_note", _("Sales credit note")
    OTHER = "other", _("Other document")
    # Documents that come with invoices but are none: filed as miscellaneous, never booked.
    TERMS = "terms", _("Terms and conditions")
    ORDER_CONFIRMATION = "order_confirmation", _("Order confirmation")
    DELIVERY_NOTE = "delivery_note", _("Delivery note")
    QUOTE = "quote", _("Quote")
    REMINDER = "reminder", _("Payment reminder")
    STATEMENT_OF_ACCOUNT = "statement_of_account", _("Statement of account")
    # a bank's statement (CODA, CAMT.053, MT940 or PDF): kept as such for the bank import
    BANK_STATEMENT = "bank_statement", _("Bank statement")


# Kinds that are not invoices (nor credit notes or receipts): nothing to book, no UBL.
NOT_INVOICE_KINDS = {
    Kind.TERMS,
    Kind.ORDER_CONFIRMATION,
    Kind.DELIVERY_NOTE,
    Kind.QUOTE,
    Kind.REMINDER,
    Kind.STATEMENT_OF_ACCOUNT,
    Kind.BANK_STATEMENT,
}

CATEGORY_OF_KIND = {
    Kind.PURCHASE_INVOICE: Category.PURCHASES,
    Kind.PURCHASE_CREDIT_NOTE: Category.PURCHASES,
    Kind.RECEIPT: Category.PURCHASES,
    Kind.SALES_INVOICE: Category.SALES,
    Kind.SALES_CREDIT_NOTE: Category.SALES,
    Kind.OTHER: Category.MISCELLANEOUS,
    **dict.fromkeys(NOT_INVOICE_KINDS, Category.MISCELLANEOUS),
}

CREDIT_NOTE_KINDS = {Kind.PURCHASE_CREDIT_NOTE, Kind.SALES_CREDIT_NOTE}


PAYMENT_STATES = {
    "to_pay": _("To pay"),
    "partly_paid": _("Partly paid"),
    "paid": _("Paid"),
}


class Source(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    MAILBOX = "mailbox", _("Mailbox")
    FORWARDING = "forwarding", _("Forwarding address")
    CLOUD = "cloud", _("Cloud folder")
    PEPPOL = "peppol", _("E-invoice received")
    API = "api", _("API")
    SALES = "sales", _("Made in OkiOki")


def document_path(instance: "Document", filename: str) -> str:
    # Storage paths carry the company and opaque ids only, never the user's file name.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return (
        f"companies/{instance.company.public_id}/documents/{instance.public_id}/"
        f"original.{suffix[:8]}"
    )


def envelope_path(instance: "Document", filename: str) -> str:
    return f"companies/{instance.company.public_id}/documents/{instance.public_id}/{filename}"


class Supplier(CompanyOwnedModel):
    """A counterparty the company has documents from; remembers the user's corrections."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="suppliers")
    name = models.CharField(_("name"), max_length=200)
    vat_id = models.CharField(_("VAT number"), max_length=20, blank=True)
    enterprise_number = models.CharField(_("enterprise number"), max_length=10, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    default_kind = models.CharField(max_length=30, choices=Kind.choices, blank=True)
    # Where this supplier puts its fields, learned from the documents a person corrected:
    # {field name: place} (see apps.documents.extraction.places), one place per reading field,
    # so it stays small. Emptied when the user tells OkiOki to forget it.
    layout = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "vat_id"],
                condition=~models.Q(vat_id=""),
                name="supplier_unique_vat_per_company",
            )
        ]

    def __str__(self) -> str:
        return self.name


class DateIn(TruncDate):
    """The date of a moment in the zone named ``zone`` (TruncDate with its zone by name, so
    that a migration can write it down)."""

    def __init__(self, expression: str, *, zone: str) -> None:
        super().__init__(expression, tzinfo=ZoneInfo(zone))


class Document(CompanyOwnedModel):
    """One document of a company, however it arrived; ready to go to the accountant as UBL."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        READING = "reading", _("Reading")
        NEEDS_REVIEW = "needs_review", _("Needs review")
        READY = "ready", _("Ready")
        DELIVERED = "delivered", _("Sent to the accountant")
        FAILED = "failed", _("Failed")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind.choices, default=Kind.PURCHASE_INVOICE
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.PURCHASES
    )
    is_kind_confirmed = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    # What keeps the document from being ready, as codes with parameters (see problems.py):
    # the words are chosen when someone reads them, in their language.
    problem_code = models.CharField(max_length=50, blank=True)
    problems = models.JSONField(default=list, blank=True)
    # Readings started (counted when a worker starts one, in its own committed transaction):
    # a document whose reading kills its worker is not read for ever (DOCUMENT_READ_MAX_ATTEMPTS).
    read_attempts = models.PositiveSmallIntegerField(default=0)
    read_started_at = models.DateTimeField(null=True, blank=True)

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_details = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(_("received"))

    original = models.FileField(upload_to=document_path, max_length=300)
    original_filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    file_kind = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    # The e-invoice XML this document arrived as (UBL or CII), kept as it came: the legal invoice.
    xml = models.FileField(upload_to=envelope_path, max_length=300, blank=True)
    xml_is_ubl = models.BooleanField(default=False)
    envelope = models.FileField(upload_to=envelope_path, max_length=300, blank=True)
    validation = models.JSONField(default=dict, blank=True)

    supplier = models.ForeignKey(
        Supplier, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    counterparty_name = models.CharField(_("name"), max_length=200, blank=True)
    counterparty_vat_id = models.CharField(_("VAT number"), max_length=20, blank=True)
    counterparty_enterprise_number = models.CharField(
        _("enterprise number"), max_length=10, blank=True
    )
    counterparty_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    counterparty_bic = models.CharField(_("BIC"), max_length=11, blank=True)
    number = models.CharField(_("number"), max_length=100, blank=True)
    issue_date = models.DateField(_("date"), null=True, blank=True)
    # The date the list sorts and filters by: the issue date when known, else the day it
    # arrived in Brussels (settings.TIME_ZONE). Computed and stored by the database itself, so
    # every write (ingest, reading, review, API, e-invoice import, queryset updates, bulk
    # creates) keeps it right with nothing to call. PostgreSQL accepts it as a stored generated
    # column because ``received_at AT TIME ZONE 'Europe/Brussels'`` (what TruncDate writes with
    # a zone) is immutable, unlike a bare timestamptz::date cast that depends on the session's
    # zone; SQLite uses Django's deterministic date function. After ``save()`` of an existing
    # row the instance keeps the old value until ``refresh_from_db()``: read it from queries.
    document_date = models.GeneratedField(
        expression=Coalesce("issue_date", DateIn("received_at", zone=settings.TIME_ZONE)),
        output_field=models.DateField(_("date")),
        db_persist=True,
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total_excl_vat = models.DecimalField(
        _("total excl. VAT"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    total_vat = models.DecimalField(
        _("VAT"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    total_incl_vat = models.DecimalField(
        _("total incl. VAT"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    structured_communication = models.CharField(
        _("structured communication"), max_length=12, blank=True
    )
    vat_breakdown = models.JSONField(default=list, blank=True)
    lines = models.JSONField(default=list, blank=True)
    field_sources = models.JSONField(default=dict, blank=True)
    text = models.TextField(blank=True)

    possible_duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_version = models.PositiveIntegerField(default=1)
    # The document's own summary of its transfer to the accountant (kept by apps.flows when a
    # delivery is sent): the last content version the accountant received, and when.
    delivered_version = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Paying a purchase invoice: what the bank's matched payments add up to, and when it was
    # paid (the bank's value date, or the day someone marked it paid by hand, and who).
    paid_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The billing month this document was counted in (apps.billing.metering says which are
    # billable); None when it is not billable, or its count was given back (junk in grace).
    counted_month = models.DateField(null=True, blank=True)
    # Deleted as junk by a person: out of every list and of the transfer to the accountant,
    # its original kept (``document_junk``). Final: a junk document never comes back.
    junk_at = models.DateTimeField(null=True, blank=True)
    junked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-received_at", "-id"]
        constraints = [
            # The same file twice in one company is one document.
            models.UniqueConstraint(fields=["company", "sha256"], name="document_unique_file"),
            # A generated column cannot be declared NOT NULL by Django; every document has one.
            models.CheckConstraint(
                condition=models.Q(document_date__isnull=False), name="document_date_known"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-received_at", "-id"], name="document_recent"),
            # the list's default order, exactly (the arrival breaks ties within a day, as it did
            # before the date was stored), and its period filter
            models.Index(
                fields=["company", "-document_date", "-received_at", "-id"], name="document_dated"
            ),
            models.Index(fields=["company", "status"], name="document_status"),
            # the sweeper's search for readings that outlived their time limit
            models.Index(
                fields=["read_started_at"],
                name="document_reading",
                condition=models.Q(status="reading"),
            ),
            models.Index(fields=["company", "issue_date"], name="document_issue_date"),
            models.Index(fields=["company", "category", "kind"], name="document_kind"),
            models.Index(fields=["company", "counterparty_name"], name="document_counterparty"),
        ]

    def __str__(self) -> str:
        return self.number or self.original_filename

    @property
    def is_credit_note(self) -> bool:
        return self.kind in CREDIT_NOTE_KINDS

    @property
    def payment_state(self) -> str:
        """For a purchase invoice: ``to_pay``, ``partly_paid`` or ``paid``; empty for the
        other kinds (a receipt is paid at the till, a sales invoice is followed in Sales)."""
        if self.kind != Kind.PURCHASE_INVOICE:
            return ""
        if self.paid_on is not None:
            return "paid"
        return "partly_paid" if self.paid_amount > 0 else "to_pay"

    @property
    def payment_state_label(self) -> str:
        return str(PAYMENT_STATES.get(self.payment_state, ""))

    @property
    def is_not_invoice(self) -> bool:
        """Terms, a quote, a reminder, a bank statement...: nothing to book."""
        return self.kind in NOT_INVOICE_KINDS

    @property
    def problem(self) -> str:
        """The problems in words, in the active language."""
        from apps.documents.problems import describe_all

        return describe_all(self.problems)

    @property
    def learned_fields(self) -> list[str]:
        """The fields read where its supplier puts them, as learned from a person's
        corrections (the supplier's identity filled in from memory has no place)."""
        return [
            name
            for name, info in self.field_sources.items()
            if info.get("source") == "supplier_memory" and "box" in info
        ]

    @property
    def is_image(self) -> bool:
        return self.file_kind in ("png", "jpeg", "webp")  # what browsers show (not HEIC)


class Arrival(CompanyOwnedModel):
    """Each time a file arrived: the first one made the document, later ones are duplicates."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="arrivals")
    source = models.CharField(max_length=20, choices=Source.choices)
    details = models.JSONField(default=dict, blank=True)
    is_duplicate = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at"]


class Event(CompanyOwnedModel):
    """The document's timeline: every status change and edit, with who or what did it."""

    class Action(models.TextChoices):
        ARRIVED = "arrived", _("Arrived")
        ARRIVED_AGAIN = "arrived_again", _("Arrived again (duplicate)")
        STATUS = "status", _("Status changed")
        READ = "read", _("Read")
        EDITED = "edited", _("Edited")
        KIND = "kind", _("Kind changed")
        VALIDATED = "validated", _("UBL checked")
        DELIVERY = "delivery", _("Delivery")
        PAID = "paid", _("Marked paid")
        UNPAID = "unpaid", _("Marked unpaid")
        JUNKED = "junked", _("Deleted as junk")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def status_label(self) -> str:
        status = self.data.get("to", "")
        return str(Document.Status(status).label) if status in Document.Status.values else status
