from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlowsConfig(AppConfig):
    name = "apps.flows"
    label = "flows"
    verbose_name = _("Flows")

    def ready(self) -> None:
        from apps.flows.handlers import register

        register()
