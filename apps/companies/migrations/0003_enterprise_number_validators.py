import apps.companies.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("companies", "0002_company_logo_path")]

    operations = [
        migrations.AlterField(
            model_name="company",
            name="enterprise_number",
            field=models.CharField(
                help_text="KBO/BCE number, e.g. 0123.456.749",
                max_length=10,
                unique=True,
                validators=[apps.companies.validators.validate_enterprise_number],
                verbose_name="enterprise number",
            ),
        ),
        migrations.AlterField(
            model_name="accountingoffice",
            name="enterprise_number",
            field=models.CharField(
                blank=True,
                max_length=10,
                validators=[apps.companies.validators.validate_enterprise_number],
                verbose_name="enterprise number",
            ),
        ),
    ]
