"""Fixtures of the publishing tests, loaded by their modules through ``pytest_plugins``."""

import pytest

from episodes import publishing
from episodes.models import Episode
from tests import sites
from tests.admin_pages import import_site
from tests.publishing import run_commit_callbacks


@pytest.fixture
def publish_root(tmp_path, settings):
    """Publishing on, to this test's folder, for the test client's host."""
    settings.PODCAST_PUBLISH_ROOT = str(tmp_path / "public")
    settings.PODCAST_PUBLISH_ORIGIN = "http://testserver"
    return tmp_path / "public"


@pytest.fixture
def published(tmp_path, db, settings, publish_root):
    """Three episodes, newest first third, second, first (Ann in first, Bob in the other two),
    imported, committed and published: {slug: episode}."""
    settings.PODCAST_HOSTS = None
    people = [sites.person("ann", title="Ann Lee"), sites.person("bob", title="Bob Stone")]
    episodes = [
        sites.episode("first", guests=["ann"], season=1, episode=1, title="First episode"),
        sites.episode("second", guests=["bob"], season=2, episode=1, title="Second episode"),
        sites.episode("third", guests=["bob"], season=3, episode=1, title="Third episode"),
    ]
    import_site(tmp_path / "site", people, episodes)
    run_commit_callbacks()
    publishing.publish_all()
    return {episode.slug: episode for episode in Episode.objects.all()}
