import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the local admin account if there is none: ADMIN_USERNAME and ADMIN_PASSWORD from the "
        "environment, else 'admin' with a generated password, printed once."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("ADMIN_USERNAME", "admin")
        password = os.environ.get("ADMIN_PASSWORD", "")
        user = User.objects.filter(username=username).first()
        if user is not None:
            if password:
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(f"Admin account '{username}': password set from ADMIN_PASSWORD.")
            else:
                self.stdout.write(
                    f"Admin account '{username}' exists; its password is unchanged "
                    f"(reset it with: manage.py changepassword {username})."
                )
            return
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Admin account created: username '{username}', password '{password}'"))
