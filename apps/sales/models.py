"""Customers, products, quotes, invoices and credit notes of a company."""

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.companies.models import Company, CompanyOwnedModel
from apps.companies.scoping import CompanyScopedManager
from apps.core.models import BaseModel


def invoice_path(instance: "Invoice", filename: str) -> str:
    """Storage paths carry the company and opaque ids only."""
    return f"companies/{instance.company.public_id}/sales/{instance.public_id}/{filename}"


class VatTreatment(models.TextChoices):
    """How VAT applies to a sale; decides the EN 16931 category and the legal mention."""

    DOMESTIC = "domestic", _("Belgian VAT")
    REVERSE_CHARGE = "reverse_charge", _("Reverse charge (co-contractor, art. 51 §2)")
    INTRA_EU = "intra_eu", _("Intra-EU supply")
    INTRA_EU_SERVICES = "intra_eu_services", _("Services to an EU business (reverse charge)")
    EXPORT = "export", _("Export outside the EU")
    EXEMPT = "exempt", _("Exempt (small-business scheme)")


class Unit(models.TextChoices):
    """UN/ECE Recommendation 20 codes, as UBL wants them."""

    PIECE = "C62", _("piece")
    HOUR = "HUR", _("hour")
    DAY = "DAY", _("day")
    MONTH = "MON", _("month")
    KILOGRAM = "KGM", _("kg")
    METRE = "MTR", _("metre")
    LITRE = "LTR", _("litre")
    FLAT_RATE = "LS", _("flat rate")


# the names of the rates seeded as data (migration 0002), said in the reader's language
VAT_RATE_NAMES = {
    "standard": _("Standard rate"),
    "intermediate": _("Intermediate rate"),
    "reduced": _("Reduced rate"),
    "zero": _("Zero rate"),
    "accommodation": _("Accommodation and camping"),
    "phytopharmaceuticals": _("Phytopharmaceutical products"),
}


class VatRate(BaseModel):
    """A Belgian VAT rate for a kind of supply, valid for a period (rates are data: Belgium
    moves some supplies between rates, e.g. accommodation 6 % → 12 % on 1 March 2026)."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="vatrate_unique_start")
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.rate.normalize()} %"

    @property
    def label(self) -> str:
        """The rate's name in the reader's language (the stored name is English data)."""
        return str(VAT_RATE_NAMES.get(self.code, self.name))


class SalesSettings(CompanyOwnedModel):
    """A company's choices for its sales: payment reminders, quote validity."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="sales_settings")
    reminders_enabled = models.BooleanField(_("send payment reminders"), default=True)
    first_reminder_days = models.PositiveSmallIntegerField(
        _("first reminder (days after the due date)"), default=7
    )
    second_reminder_days = models.PositiveSmallIntegerField(
        _("second reminder (days after the due date)"), default=21
    )
    final_reminder_days = models.PositiveSmallIntegerField(
        _("final reminder (days after the due date)"), default=35
    )
    quote_validity_days = models.PositiveSmallIntegerField(_("quotes valid for (days)"), default=30)

    class Meta:
        verbose_name = _("sales settings")
        verbose_name_plural = _("sales settings")


class Customer(CompanyOwnedModel):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Person")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customers")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    enterprise_number = models.CharField(_("enterprise number"), max_length=10, blank=True)
    vat_id = models.CharField(_("VAT number"), max_length=20, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BE")
    email = models.EmailField(_("e-mail for invoices"), blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="nl"
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    peppol_endpoint = models.CharField(
        _("Peppol ID"),
        max_length=80,
        blank=True,
        help_text=_(
            "Only when it is not the enterprise number: scheme and identifier, "
            "e.g. 0088:5790000435975."
        ),
    )
    vat_treatment = models.CharField(
        _("VAT treatment"),
        max_length=20,
        choices=VatTreatment.choices,
        default=VatTreatment.DOMESTIC,
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [models.Index(fields=["company", "name"], name="customer_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def peppol_id(self) -> str:
        """The given Peppol ID, or for a Belgian company 0208 and its enterprise number."""
        if self.peppol_endpoint:
            return self.peppol_endpoint
        return f"0208:{self.enterprise_number}" if self.enterprise_number else ""


class Product(CompanyOwnedModel):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=3, choices=Unit.choices, default=Unit.PIECE)
    unit_price = models.DecimalField(_("unit price excl. VAT"), max_digits=14, decimal_places=4)
    vat_code = models.SlugField(_("VAT rate"), max_length=40, default="standard")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product or service")
        verbose_name_plural = _("products and services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NumberSequence(CompanyOwnedModel):
    """The last number given per company, kind and year: gap-free, locked when used."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "kind", "year"], name="sequence_unique")
        ]


class LineFields(models.Model):
    """What a quote line and an invoice line have in common. A line belongs to its
    document's company and is scoped like every tenant-owned row (``LineFields.objects``
    never returns another company's lines); ``save`` takes the company from the document."""

    PARENT = ""  # the field holding the document

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=3, choices=Unit.choices, default=Unit.PIECE)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    vat_rate = models.DecimalField(
        _("VAT (%)"), max_digits=5, decimal_places=2, default=Decimal("21")
    )
    # The product's kind of rate, when the rate came from it: resolved again on the date the
    # invoice is issued (a draft from February issued in March gets March's rate).
    vat_code = models.SlugField(max_length=40, blank=True)

    objects = CompanyScopedManager()

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.company_id is None:
            self.company_id = getattr(self, self.PARENT).company_id
        super().save(*args, **kwargs)


class Quote(CompanyOwnedModel):
    class Status(models.TextChoices):
        # "quote status": the words agree with "quote" (in French, un devis)
        DRAFT = "draft", pgettext_lazy("quote status", "Draft")
        SENT = "sent", pgettext_lazy("quote status", "Sent")
        ACCEPTED = "accepted", pgettext_lazy("quote status", "Accepted")
        DECLINED = "declined", pgettext_lazy("quote status", "Declined")
        EXPIRED = "expired", pgettext_lazy("quote status", "Expired")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="quotes")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="quotes")
    number = models.CharField(_("number"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    issue_date = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"))
    vat_treatment = models.CharField(
        _("VAT treatment"), max_length=20, choices=VatTreatment.choices
    )
    discount_percent = models.DecimalField(
        _("discount on the total (%)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    notes = models.TextField(_("notes"), blank=True)
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_ip = models.GenericIPAddressField(null=True, blank=True)
    invoice = models.OneToOneField(
        "sales.Invoice", on_delete=models.SET_NULL, null=True, blank=True, related_name="quote"
    )

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"],
                condition=~models.Q(number=""),
                name="quote_unique_number",
            )
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft quote"))


class QuoteLine(LineFields):
    PARENT = "quote"

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta(LineFields.Meta):
        pass

    def __str__(self) -> str:
        return self.description


PAYMENT_STATES = {
    "unpaid": _("Unpaid"),
    "partly_paid": _("Partly paid"),
    "overdue": _("Overdue"),
    "paid": _("Paid"),
}


class Invoice(CompanyOwnedModel):
    """An invoice or a credit note. A draft has no number and can change; once issued it has
    its number, its UBL and PDF, and can only be credited."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PEPPOL = "peppol", _("Peppol")

    class PaymentCollection(models.TextChoices):
        """How the money comes in: the customer transfers it (the PDF shows the account, the
        structured communication and a QR code; reminders follow when it is late), or the
        seller collects it itself by card or direct debit (OkiOki's own invoices, which
        Stripe collects: no transfer instructions, no reminders)."""

        TRANSFER = "transfer", _("Bank transfer by the customer")
        COLLECTED = "collected", _("Collected automatically (card or direct debit)")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invoices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INVOICE)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    number = models.CharField(_("number"), max_length=30, blank=True)
    issue_date = models.DateField(_("date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    vat_treatment = models.CharField(
        _("VAT treatment"), max_length=20, choices=VatTreatment.choices
    )
    discount_percent = models.DecimalField(
        _("discount on the total (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    notes = models.TextField(_("notes"), blank=True)
    buyer_reference = models.CharField(
        _("your reference (order number)"), max_length=100, blank=True
    )
    credited_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credits invoice"),
    )
    currency = models.CharField(max_length=3, default="EUR")
    structured_communication = models.CharField(
        _("structured communication"), max_length=12, blank=True
    )
    send_channel = models.CharField(
        _("send by"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    payment_collection = models.CharField(
        _("payment"),
        max_length=10,
        choices=PaymentCollection.choices,
        default=PaymentCollection.TRANSFER,
    )
    # What the customer was when the invoice was issued (a later change of the customer does
    # not change an issued invoice).
    customer_snapshot = models.JSONField(default=dict, blank=True)
    total_excl_vat = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_vat = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_incl_vat = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    ubl = models.FileField(upload_to=invoice_path, max_length=300, blank=True)
    pdf = models.FileField(upload_to=invoice_path, max_length=300, blank=True)
    document = models.OneToOneField(
        "documents.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    # what the bank's matched payments add up to (a part leaves the invoice issued, with
    # its balance; more than its balance is an overpayment, shown)
    paid_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    # when it was marked paid, the day the money came in (the user's word or the bank's value
    # date) and who marked it (empty when the bank matching did)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "number"],
                condition=~models.Q(number=""),
                name="invoice_unique_number",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | ~models.Q(number=""),
                name="invoice_issued_has_number",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status", "due_date"], name="invoice_due"),
            models.Index(fields=["company", "-issue_date", "-id"], name="invoice_recent"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft"))

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_collected_automatically(self) -> bool:
        """The seller collects the payment (card or direct debit): nothing to transfer."""
        return self.payment_collection == self.PaymentCollection.COLLECTED

    @property
    def payment_state(self) -> str:
        """``unpaid``, ``partly_paid``, ``overdue`` (past its due date, not paid in full) or
        ``paid``; empty for a draft or a credit note."""
        if self.is_draft or self.is_credit_note:
            return ""
        if self.status == self.Status.PAID:
            return "paid"
        if self.due_date is not None and self.due_date < timezone.localdate():
            return "overdue"
        return "partly_paid" if self.paid_amount > 0 else "unpaid"

    @property
    def payment_state_label(self) -> str:
        return str(PAYMENT_STATES.get(self.payment_state, ""))


class InvoiceLine(LineFields):
    PARENT = "invoice"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta(LineFields.Meta):
        pass

    def __str__(self) -> str:
        return self.description


class Dispatch(CompanyOwnedModel):
    """Each time an invoice, credit note, quote or reminder was sent, and how."""

    class What(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        QUOTE = "quote", _("Quote")
        REMINDER = "reminder", _("Payment reminder")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, null=True, blank=True, related_name="dispatches"
    )
    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, null=True, blank=True, related_name="dispatches"
    )
    what = models.CharField(max_length=20, choices=What.choices)
    level = models.PositiveSmallIntegerField(default=0)  # reminders: 1, 2, 3 (final)
    channel = models.CharField(max_length=10, default="email")
    to = models.CharField(max_length=254)
    message_id = models.CharField(max_length=250, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "level"],
                condition=models.Q(what="reminder"),
                name="dispatch_one_reminder_per_level",
            )
        ]
