"""The fixture of the editor's browser tests, loaded by their modules through ``pytest_plugins``
after ``tests.player_standin``."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
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
