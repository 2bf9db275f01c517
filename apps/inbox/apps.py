from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "apps.inbox"
    label = "inbox"
    verbose_name = _("Collecting documents")

    def ready(self) -> None:
        # models may not be imported before the app registry is ready: at start-up, here
        from apps.core.crypto import check_keys

        check_keys()
