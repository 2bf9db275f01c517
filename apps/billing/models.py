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
    stripe_price_id = models.CharField(max_length=100, blank=True)

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

    class Meta:
        verbose_name = _("monthly usage")
        verbose_name_plural = _("monthly usage")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["company", "month"], name="documentusage_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.documents}"
