from django.apps import AppConfig


class EinvoiceConfig(AppConfig):
    name = "apps.einvoice"
    label = "einvoice"

    def ready(self) -> None:
        # registers the words of its coded problems (apps.core.problems)
        from apps.einvoice import errors  # noqa: F401
