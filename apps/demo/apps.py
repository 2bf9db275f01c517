from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of ``make run`` (``seed_demo``): a company with documents of each kind, a
    mailbox, deliveries, sales and an accountant. It sits on top of the other apps, which never
    import it."""

    name = "apps.demo"
    label = "demo"
