"""Fixtures of the admin tests, loaded by their modules through ``pytest_plugins``."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection

from episodes.models import Episode
from tests import sites
from tests.admin_pages import TRANSCRIPT, editors_group, import_site


@pytest.fixture
def archive(tmp_path, db, settings):
    """Two small episodes in the real layout, imported the way the command imports them."""
    settings.PODCAST_HOSTS = None
    people = [sites.person("ann", title="Ann Lee"), sites.person("bob", title="Bob Stone")]
    episodes = [
        sites.episode("first", guests=["ann"], transcript=TRANSCRIPT, season=1, episode=1, title="First episode"),
        sites.episode(
            "second",
            guests=["bob"],
            season=2,
            episode=1,
            title="Second episode",
            transcript=[
                {"line": "Hello Bob, tell us about Spark.", "sec": 0, "time": "0:00", "who": "Alexey"},
                {"line": "Spark is fast.", "sec": 5, "time": "0:05", "who": "Bob"},
                {"line": "Thank you, Bob.", "sec": 9, "time": "0:09", "who": "Alexey"},
            ],
        ),
    ]
    import_site(tmp_path / "site", people, episodes)
    return {episode.slug: episode for episode in Episode.objects.all()}


@pytest.fixture
def editor(db):
    user = User.objects.create_user("edith", password="correct-horse-battery", is_staff=True)
    user.groups.add(editors_group())
    return user


@pytest.fixture
def upload_dir(tmp_path, settings):
    """Uploads waiting for confirmation are kept in the test's own folder."""
    settings.ADMIN_UPLOAD_DIR = tmp_path / "uploads"
    return settings.ADMIN_UPLOAD_DIR


@pytest.fixture
def editor_client(client, editor, upload_dir):
    client.force_login(editor)
    return client


@pytest.fixture
def committed_archive(archive):
    """The archive, its import as if committed: the test's transaction never commits, so its
    commit callbacks run now (a bump still waiting would absorb the next one)."""
    waiting = list(connection.run_on_commit)
    connection.run_on_commit.clear()
    for _, callback, _ in waiting:
        callback()
    return archive


@pytest.fixture
def page_cache_on(settings):
    """The page cache on, empty before and after (tests run with it off, see conftest)."""
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()
