from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlowsConfig(AppConfig):
    name = "apps.flows"
    label = "flows"
    verbose_name = _("Flows")

    def ready(self) -> None:
        # imported once the apps are loaded (models cannot be imported before)
        from apps.companies.dashboard import dashboard_register
        from apps.flows.dashboard import dashboard_get
        from apps.flows.handlers import register

        register()
        # the dashboard's reading of the company's work, which companies cannot import
        dashboard_register(dashboard_get)
