import apps.companies.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("companies", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="company",
            name="logo",
            field=models.ImageField(
                blank=True, upload_to=apps.companies.models.company_logo_path, verbose_name="logo"
            ),
        ),
    ]
