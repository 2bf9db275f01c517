from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "apps.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # register the words of their coded problems (apps.core.problems)
        from apps.documents import problems  # noqa: F401
        from apps.documents.extraction import errors  # noqa: F401
