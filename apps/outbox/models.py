from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.companies.models import Company, CompanyOwnedModel


class Topic(models.TextChoices):
    """Every event an app announces, as ``<thing>.<what happened>``; the catalogue that
    ``apps.flows`` reacts to (and outgoing webhooks will publish)."""

    DOCUMENT_READY = "document.ready", _("Document ready for the accountant")
    DELIVERY_CHANGED = "delivery.changed", _("Delivery changed")
    PEPPOL_RECEIVED = "peppol.received", _("E-invoice received over Peppol")
    TRANSMISSION_CHANGED = "transmission.changed", _("Peppol sending changed")


class OutboxEvent(CompanyOwnedModel):
    """Something that happened in one app, written in the same transaction as the change
    itself, for the apps that react to it without being imported by it.

    Dispatched once its transaction commits (and by the sweeper when that was lost): every
    handler of its topic runs in one transaction together with marking it dispatched, so a
    handler's changes and "dispatched" are committed together or not at all.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=60, choices=Topic.choices)
    payload = models.JSONField(default=dict)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_undispatched",
            ),
            models.Index(fields=["dispatched_at"], name="outbox_dispatched"),  # the clean-up
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
