from django.db import migrations

DESCRIPTIONS = {
    "start": (
        "E-invoicing: quotes, sending and receiving e-invoices (PDF and Peppol), "
        "and everything to your accountant."
    ),
    "collect-25": (
        "Everything in Start, plus 25 documents a month collected for you from your mailboxes, "
        "your forwarding address and cloud folders."
    ),
    "collect-70": (
        "Everything in Start, plus 70 documents a month collected for you from your mailboxes, "
        "your forwarding address and cloud folders."
    ),
    "collect-200": (
        "Everything in Start, plus 200 documents a month collected for you from your mailboxes, "
        "your forwarding address and cloud folders."
    ),
}


def describe_plans(apps, schema_editor):
    """Fill in the seeded plans' descriptions; one an admin already wrote is kept."""
    Plan = apps.get_model("billing", "Plan")
    for code, description in DESCRIPTIONS.items():
        Plan.objects.filter(code=code, description="").update(description=description)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_seed_plans")]

    operations = [migrations.RunPython(describe_plans, migrations.RunPython.noop)]
