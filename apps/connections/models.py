from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company, CompanyOwnedModel
from apps.connections.transports import transport_for
from apps.documents.models import Category, Document


class Transfer(CompanyOwnedModel):
    """How a company's documents reach its accountant: one per company.

    Either one general address or one per routing category; an empty category address falls
    back to the general one. Changes apply to documents that become ready afterwards.
    """

    class Method(models.TextChoices):
        EMAIL = "email", _("E-mail")

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="transfer")
    method = models.CharField(
        _("method"), max_length=20, choices=Method.choices, default=Method.EMAIL
    )
    package = models.CharField(_("accounting software"), max_length=20, default="other")
    general_address = models.EmailField(_("address for everything"), max_length=254, blank=True)
    purchases_address = models.EmailField(_("purchases"), max_length=254, blank=True)
    sales_address = models.EmailField(_("sales"), max_length=254, blank=True)
    miscellaneous_address = models.EmailField(_("miscellaneous"), max_length=254, blank=True)
    is_automatic = models.BooleanField(
        _("send automatically"),
        default=True,
        help_text=_("Send each document as soon as it is ready, or only after you approve it."),
    )
    send_from = models.DateField(
        _("send documents dated from"),
        null=True,
        blank=True,
        help_text=_("Leave empty to send every document that becomes ready."),
    )
    attach_pdf = models.BooleanField(
        _("also attach the PDF separately"),
        default=False,
        help_text=_(
            "The UBL always carries the original inside. Some packages import a document "
            "twice when the PDF is attached as well."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("transfer to the accountant")
        verbose_name_plural = _("transfers to the accountant")

    def __str__(self) -> str:
        return f"{self.company} → {self.general_address or self.purchases_address}"

    def address_for(self, category: str) -> str:
        """The address of a routing category, or the general one; empty when there is none."""
        specific: dict[str, str] = {
            Category.PURCHASES.value: self.purchases_address,
            Category.SALES.value: self.sales_address,
            Category.MISCELLANEOUS.value: self.miscellaneous_address,
        }
        return specific.get(category) or self.general_address

    @property
    def is_configured(self) -> bool:
        return self.is_active and any(self.address_for(category) for category in Category.values)


class Delivery(CompanyOwnedModel):
    """One document on its way to one accountant destination, in one content version.

    Never twice: the first delivery of a (document, destination, content version) is unique in the
    database, and the send step claims it before it talks to the server, so a retry, a second
    worker or a restarted worker never sends a delivery that was sent. A resend is another row,
    made only by a person's explicit action (``reason`` says so).
    """

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Waiting for approval")
        NEEDS_REVIEW = "needs_review", _("Needs review")
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Reason(models.TextChoices):
        READY = "ready", _("Document ready")
        RESEND = "resend", _("Resent on request")
        CORRECTED = "corrected", _("Corrected version")

    OPEN = (Status.AWAITING_APPROVAL, Status.NEEDS_REVIEW, Status.PENDING, Status.SENDING)

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="deliveries")
    # Over which channel (a ``Transfer.Method``), to where in that channel's terms (an e-mail
    # address, a Peppol participant id), and what the other side answered.
    transport = models.CharField(
        _("channel"), max_length=20, choices=Transfer.Method.choices, default=Transfer.Method.EMAIL
    )
    destination = models.CharField(_("destination"), max_length=320)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    content_version = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.READY)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=250, blank=True)
    answer = models.TextField(blank=True)
    # Why it is not sent, as a problem code with parameters (see connections/problems.py).
    problems = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "destination", "content_version"],
                condition=~models.Q(reason="resend"),
                name="delivery_once_per_document_destination_version",
            ),
            # A double click on "resend" makes one resend, not two.
            models.UniqueConstraint(
                fields=["document", "destination"],
                condition=models.Q(
                    status__in=["awaiting_approval", "needs_review", "pending", "sending"]
                ),
                name="delivery_one_open_per_document_destination",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status"], name="delivery_status"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["company", "-created_at"], name="delivery_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.destination} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def response_text(self) -> str:
        """The channel's recorded answer, in words for the reader."""
        transport = transport_for(self.transport)
        return transport.describe(self.answer) if transport is not None else self.answer

    @property
    def problem(self) -> str:
        from apps.connections.problems import describe_all

        return describe_all(self.problems)


class PeriodResend(CompanyOwnedModel):
    """A person sent every document of a period again: who, when, how many, to where."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    count = models.PositiveIntegerField(_("documents"))
    addresses = models.JSONField(_("addresses"), default=list)

    class Meta:
        verbose_name = _("period resend")
        verbose_name_plural = _("period resends")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.company}: {self.date_from}–{self.date_to} ({self.count})"
