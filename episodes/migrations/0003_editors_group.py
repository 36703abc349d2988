"""The Editors group: may add, change, delete and see everything of the archive, nothing of users.

Permissions are normally created after all migrations have run; this one creates the app's own
first, so the group gets them on a fresh database too.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
MODELS = ("episode", "guest", "appearance", "platformlink", "quotableclip", "section", "transcriptline")
ACTIONS = ("add", "change", "delete", "view")


def create_group(apps, schema_editor=None):
    app_config = apps.get_app_config("episodes")
    if not getattr(app_config, "models_module", None):
        # Migration state has no models module; create_permissions skips such apps.
        app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [f"{action}_{model}" for model in MODELS for action in ACTIONS]
    permissions = Permission.objects.filter(content_type__app_label="episodes", codename__in=codenames)
    group.permissions.add(*permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("episodes", "0002_search_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
