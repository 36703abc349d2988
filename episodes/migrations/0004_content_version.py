import django.utils.timezone
from django.db import migrations, models


def first_version(apps, schema_editor):
    apps.get_model("episodes", "ContentVersion").objects.create(pk=1, number=1, changed_at=django.utils.timezone.now())


class Migration(migrations.Migration):
    dependencies = [("episodes", "0003_editors_group")]

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField()),
            ],
            options={"verbose_name": "content version"},
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
