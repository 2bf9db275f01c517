"""Belgian VAT rates as data, with their validity (Royal Decree of 13 February 2026, in force
1 March 2026: accommodation and camping 6 % → 12 %, phytopharmaceuticals 12 % → 21 %)."""

import datetime
from decimal import Decimal

from django.db import migrations

START = datetime.date(2000, 1, 1)
CHANGE = datetime.date(2026, 3, 1)
RATES = [
    ("standard", "Standard rate", "21", START, None),
    ("intermediate", "Intermediate rate", "12", START, None),
    ("reduced", "Reduced rate", "6", START, None),
    ("zero", "Zero rate", "0", START, None),
    ("accommodation", "Accommodation and camping", "6", START, CHANGE - datetime.timedelta(days=1)),
    ("accommodation", "Accommodation and camping", "12", CHANGE, None),
    ("phytopharmaceuticals", "Phytopharmaceutical products", "12", START, CHANGE - datetime.timedelta(days=1)),
    ("phytopharmaceuticals", "Phytopharmaceutical products", "21", CHANGE, None),
]


def seed(apps, schema_editor):
    VatRate = apps.get_model("sales", "VatRate")
    for code, name, rate, valid_from, valid_until in RATES:
        VatRate.objects.get_or_create(
            code=code,
            valid_from=valid_from,
            defaults={"name": name, "rate": Decimal(rate), "valid_until": valid_until},
        )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
