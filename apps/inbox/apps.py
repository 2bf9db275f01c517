from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "apps.inbox"
    label = "inbox"
    verbose_name = _("Collecting documents")

    def ready(self) -> None:
        from apps.core.crypto import check_keys

        check_keys()
