from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company, CompanyOwnedModel
from apps.core.models import BaseModel


class Plan(BaseModel):
    """A plan tier. Rows, not constants: platform admins edit prices and limits in the admin.

    Limits are per calendar month (documents) or standing (bank accounts, mailboxes, cloud
    folders). A limit of 0 means the feature is not in the plan. Enforcement and Stripe come
    with billing; the numbers live here already.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    monthly_price = models.DecimalField(
        _("monthly price (EUR, excl. VAT)"), max_digits=8, decimal_places=2
    )
    documents_per_month = models.PositiveIntegerField(_("collected documents per month"), default=0)
    extra_document_price = models.DecimalField(
        _("price per extra document (EUR)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    bank_accounts = models.PositiveSmallIntegerField(_("bank accounts"), default=0)
    mailboxes = models.PositiveSmallIntegerField(_("mailboxes"), default=0)
    cloud_folders = models.PositiveSmallIntegerField(_("cloud folders"), default=0)
    includes_einvoicing = models.BooleanField(
        _("e-invoicing (quotes, send and receive)"), default=True
    )
    is_default = models.BooleanField(_("default plan for new companies"), default=False)
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    # Stripe's objects for this plan: made or updated from the staff console, never typed
    stripe_product_id = models.CharField(max_length=100, blank=True)
    stripe_base_price_id = models.CharField(max_length=100, blank=True)  # monthly, licensed
    stripe_metered_price_id = models.CharField(max_length=100, blank=True)  # graduated tiers

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["sort_order", "monthly_price"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="plan_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def includes_collection(self) -> bool:
        return self.documents_per_month > 0


class DocumentUsage(CompanyOwnedModel):
    """How many documents a company collected in one calendar month (Europe/Brussels).

    One row per company and month, raised atomically by ``usage_record`` for every new
    document from any source (sales documents made in OkiOki are not collected). What happens
    past the plan's ``documents_per_month`` is billing's business; the forwarding address
    already refuses mail past a hard abuse ceiling."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # its first day
    documents = models.PositiveIntegerField(_("documents collected"), default=0)
    # the owners were told the month reached 80 % / 100 % of the plan (once each)
    warned_at = models.PositiveSmallIntegerField(default=0)
    # the last total Stripe's meter has (reported by a worker, never inline)
    reported = models.PositiveIntegerField(default=0)
    reported_at = models.DateTimeField(null=True, blank=True)
    report_attempts = models.PositiveSmallIntegerField(default=0)
    report_error = models.CharField(max_length=500, blank=True)
    # the report on its way to Stripe (total and meter time), claimed before the call so that
    # a retry after a crash sends the very same event under the very same key
    report_pending = models.PositiveIntegerField(null=True, blank=True)
    report_pending_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("monthly usage")
        verbose_name_plural = _("monthly usage")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["company", "month"], name="documentusage_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.documents}"


class Subscription(CompanyOwnedModel):
    """A company's subscription as Stripe last told it (a mirror: Stripe is the payment's
    truth, OkiOki the meter's). ``plan`` is what is paid for; the company's plan follows it."""

    class Status(models.TextChoices):
        NONE = "none", _("no subscription")
        INCOMPLETE = "incomplete", _("waiting for the first payment")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("first payment not made")
        TRIALING = "trialing", _("trial")
        ACTIVE = "active", _("active")
        PAST_DUE = "past_due", _("payment overdue")
        UNPAID = "unpaid", _("unpaid")
        CANCELED = "canceled", _("cancelled")
        PAUSED = "paused", _("paused")

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="subscription")
    stripe_customer_id = models.CharField(max_length=100, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NONE
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # the first failed payment not yet made good, and the end of its grace period
    payment_failed_at = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    # the owners were told the grace period ended (collection paused); once per streak
    fallback_notified_at = models.DateTimeField(null=True, blank=True)
    last_payment_at = models.DateTimeField(null=True, blank=True)
    last_payment_amount = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True
    )
    next_invoice_at = models.DateTimeField(null=True, blank=True)
    next_invoice_amount = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True
    )
    # Stripe's time of the newest state applied: an older event never overwrites it
    stripe_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.status}"


class PlanOverride(CompanyOwnedModel):
    """A plan given by staff instead of the paid one (partners, trials, accountants' own
    files), with its reason and end. It wins over the subscription until ``ends_on``."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    ends_on = models.DateField(_("ends on"))
    ended_at = models.DateTimeField(null=True, blank=True)  # ended early by staff
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("plan override")
        verbose_name_plural = _("plan overrides")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.plan} until {self.ends_on}"


class StripeEvent(BaseModel):
    """A webhook event Stripe sent: each id is processed once (platform-wide, not a tenant's)."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField()  # Stripe's time
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class BillingInvoice(CompanyOwnedModel):
    """OkiOki's own legal invoice to a company for one Stripe invoice: a Belgian e-invoice
    made by the platform company's sales engine (copies of its PDF and UBL kept here, so the
    customer company reads them without seeing the platform's books)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    stripe_invoice_id = models.CharField(max_length=100, unique=True)
    number = models.CharField(_("number"), max_length=40, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    paid_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="billing/invoices/", blank=True)
    xml = models.FileField(upload_to="billing/invoices/", blank=True)
    sales_invoice_id = models.UUIDField(null=True, blank=True)  # the platform's own invoice
    sent_via = models.CharField(max_length=20, blank=True)  # peppol / email

    class Meta:
        verbose_name = _("OkiOki invoice")
        verbose_name_plural = _("OkiOki invoices")
        ordering = ["-issued_on", "-created_at"]

    def __str__(self) -> str:
        return self.number or self.stripe_invoice_id


class ConsoleChange(BaseModel):
    """Every change made in the staff console: who, what, on which company, the values."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=200)
    # the company concerned, if any (platform data: not a tenant's, so not ``company``)
    about = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"
