"""The access-point partners, one module each, all answering ``AccessPointGateway``."""

from django.conf import settings

from apps.peppol.clients.recommand import RecommandGateway
from apps.peppol.gateway import AccessPointGateway


def gateway() -> AccessPointGateway | None:
    """The configured partner; None when Peppol is not configured (then nothing is faked:
    pages say so and invoices go by e-mail)."""
    if settings.PEPPOL_PROVIDER == "recommand":
        return RecommandGateway(
            api_url=settings.PEPPOL_API_URL,
            key=settings.PEPPOL_API_KEY,
            secret=settings.PEPPOL_API_SECRET,
            webhook_secret=settings.PEPPOL_WEBHOOK_SECRET,
            network=settings.PEPPOL_NETWORK,
            is_standin=settings.PEPPOL_STANDIN,
            send_timeout=settings.PEPPOL_SEND_TIMEOUT,
        )
    return None
