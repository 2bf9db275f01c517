"""Quote and invoice lines get their document's company, so that they are scoped like every
tenant-owned row: the column is added empty and filled from each line's document; 0008
requires it (in a transaction of its own: PostgreSQL refuses to alter a table with the
updates' deferred foreign-key checks pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    for line_name, parent_name, parent in (
        ("QuoteLine", "Quote", "quote"),
        ("InvoiceLine", "Invoice", "invoice"),
    ):
        lines = apps.get_model("sales", line_name)
        parents = apps.get_model("sales", parent_name)
        company = parents.objects.filter(pk=OuterRef(f"{parent}_id")).values("company_id")[:1]
        lines._base_manager.update(company_id=Subquery(company))


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0001_initial"),
        ("sales", "0006_intra_eu_services"),
    ]

    operations = [
        migrations.AddField(
            model_name="quoteline",
            name="company",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="companies.company",
            ),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="company",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="companies.company",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
