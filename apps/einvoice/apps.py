from django.apps import AppConfig


class EinvoiceConfig(AppConfig):
    name = "apps.einvoice"
    label = "einvoice"
