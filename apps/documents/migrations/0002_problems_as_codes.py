# Problems are stored as codes with parameters and put into words when read, in the reader's
# language. A problem stored before as text is kept as that text.

from django.db import migrations, models


def keep_old_texts(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    for document in Document.objects.exclude(problem="").only("id", "problem", "problem_code"):
        document.problems = [{"text": document.problem}]
        document.save(update_fields=["problems"])


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="problems",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(keep_old_texts, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="document",
            name="problem",
        ),
    ]
