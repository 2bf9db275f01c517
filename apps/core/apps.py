from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        # registers the words of its coded problems (apps.core.problems)
        from apps.core import xml  # noqa: F401
