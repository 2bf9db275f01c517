"""A company on Peppol through our partner, what it sent and what it received."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company, CompanyOwnedModel
from apps.core.models import BaseModel
from apps.peppol.problems import describe


def peppol_path(instance: "Transmission | Reception", filename: str) -> str:
    """Storage paths carry the company and opaque ids only."""
    return f"companies/{instance.company.public_id}/peppol/{instance.public_id}/{filename}"


class PeppolCompany(CompanyOwnedModel):
    """The company's registration with the access-point partner (one per company)."""

    class Status(models.TextChoices):
        VERIFICATION = "verification", _("Identity verification needed")
        ACTIVE = "active", _("Registered")
        MIGRATION = "migration", _("Moving from another access point")
        DEREGISTERED = "deregistered", _("Deregistered")

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=30)
    ap_company_id = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices)
    verification_url = models.URLField(max_length=500, blank=True)
    identifiers = models.JSONField(default=list, blank=True)  # ["0208:…", "9925:be…"]
    # the partner's own words on the last thing that went wrong (registration, migration)
    problem = models.CharField(max_length=500, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    deregistered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Peppol registration")
        verbose_name_plural = _("Peppol registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "ap_company_id"], name="peppol_company_unique_ap_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_status_display()})"

    @property
    def can_send(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.MIGRATION)


class Transmission(CompanyOwnedModel):
    """One document sent over Peppol, exactly once.

    ``queued`` → ``sending`` → ``sent`` (with the Peppol message id) or ``failed`` (why, as
    a code of ``apps.peppol.problems`` and its params, the partner's own words among them,
    worded when read); an answer lost on the way makes it ``unknown``, and only the
    reconciler, having asked the partner, may send it again. The exact bytes sent are kept
    with their hash.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Being checked")

    # what was sent, as its app names it ("invoice:<public id>"): one transmission per subject
    subject = models.CharField(max_length=100)
    reference = models.CharField(max_length=100)  # our number (cbc:ID), for the reconciler
    receiver = models.CharField(max_length=100)  # "0208:0403170701"
    provider = models.CharField(max_length=30)
    xml = models.FileField(upload_to=peppol_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    ap_document_id = models.CharField(max_length=100, blank=True)
    peppol_message_id = models.CharField(max_length=200, blank=True)
    # why it failed, waits or is being checked: a code and its params ("detail": the
    # partner's own words), worded in the reader's language by ``reason``
    reason_code = models.CharField(max_length=40, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)  # the partner's validation findings
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # what happened to it after it left: [{"at", "what", "status", "text"}] (delivery,
    # invoice responses, message level statuses), oldest first
    history = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("Peppol transmission")
        verbose_name_plural = _("Peppol transmissions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "subject"], name="transmission_one_per_subject"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="transmission_due"),
            models.Index(fields=["company", "reference"], name="transmission_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} → {self.receiver} ({self.status})"

    @property
    def reason(self) -> str:
        """Why it failed, waits or is being checked, in the language active now."""
        return describe(self.reason_code, self.reason_params) if self.reason_code else ""


class InboundCall(BaseModel):
    """A webhook call of the partner, kept by its key so that the same call twice is
    handled once. Not a company's: it arrives before we know whose it is."""

    provider = models.CharField(max_length=30)
    key = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    ap_document_id = models.CharField(max_length=100, blank=True)
    ap_company_id = models.CharField(max_length=100, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "key"], name="inbound_call_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.ap_document_id}"


class Reception(CompanyOwnedModel):
    """A document received over Peppol, byte for byte as received. Stored before it is
    acknowledged to the partner, so that nothing acknowledged is ever lost; the same
    partner document twice is one reception."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Invoice or credit note")
        RESPONSE = "response", _("Response to a document we sent")

    provider = models.CharField(max_length=30)
    ap_document_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DOCUMENT)
    xml = models.FileField(upload_to=peppol_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    sender = models.CharField(max_length=100, blank=True)
    receiver = models.CharField(max_length=100, blank=True)
    peppol_message_id = models.CharField(max_length=200, blank=True)
    document_type = models.CharField(max_length=300, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    document_id = models.BigIntegerField(null=True, blank=True)  # the document it became

    class Meta:
        verbose_name = _("Peppol reception")
        verbose_name_plural = _("Peppol receptions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "ap_document_id"], name="reception_unique_ap_document"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ap_document_id} from {self.sender}"
