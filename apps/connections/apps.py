from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "apps.connections"
    label = "connections"
    verbose_name = _("Transfer to the accountant")

    def ready(self) -> None:
        # registers the words of its coded problems (apps.core.problems)
        from apps.connections import problems  # noqa: F401
        from apps.connections.checks import validate_at_start_up

        validate_at_start_up()
