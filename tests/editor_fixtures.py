"""The fixture of the editor's browser tests, loaded by their modules through ``pytest_plugins``
after ``tests.player_standin``."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests.admin_pages import editors_group


@pytest.fixture
def desk(site):
    """The player tests' site, with an editor whose session the browser pages carry."""
    user = User.objects.create_user("edith", password="a-long-editor-password", is_staff=True)
    user.groups.add(editors_group())
    client = Client()
    client.force_login(user)
    return {**site, "session": client.cookies[settings.SESSION_COOKIE_NAME].value}


@pytest.fixture
def viewer_desk(desk):
    """The same site, with the session of staff who may view the archive and change nothing."""
    user = User.objects.create_user("vera", password="a-long-viewer-password", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="episodes", codename__startswith="view_")
    )
    client = Client()
    client.force_login(user)
    return {**desk, "session": client.cookies[settings.SESSION_COOKIE_NAME].value}
