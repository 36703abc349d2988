"""The publish folder as tests look at it: a small archive published to a test's own folder, the
files in it, and what the app serves for the same addresses."""

import gzip

import pytest
from django.db import connection
from django.test import Client

from episodes import publishing
from episodes.models import Episode
from tests import sites
from tests.admin_pages import import_site


@pytest.fixture
def publish_root(tmp_path, settings):
    """Publishing on, to this test's folder, for the test client's host."""
    settings.PODCAST_PUBLISH_ROOT = str(tmp_path / "public")
    settings.PODCAST_PUBLISH_ORIGIN = "http://testserver"
    return tmp_path / "public"


def run_commit_callbacks():
    """The test's transaction never commits: run what its commit would (the version's bump)."""
    while connection.run_on_commit:
        waiting = list(connection.run_on_commit)
        connection.run_on_commit.clear()
        for _, callback, _ in waiting:
            callback()


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


def files(root):
    """{file: inode} of every published file and gzip copy: a rewritten file is a new inode
    (a temporary file renamed into place)."""
    return {
        path.relative_to(root).as_posix(): path.stat().st_ino
        for path in root.rglob("*")
        if path.is_file() and ".publish" not in path.parts
    }


def rewritten(before, after):
    return {name for name, inode in after.items() if before.get(name) != inode}


def served(path, compressed=False):
    """The body the app sends a visitor for ``path`` (in gzip when asked and sent so)."""
    headers = {"HTTP_ACCEPT_ENCODING": "gzip"} if compressed else {}
    response = Client().get(path, **headers)
    assert response.status_code == 200, path
    body = response.content
    return body, response.get("Content-Encoding") == "gzip"


def assert_published_as_served(root, path):
    """The file for ``path`` holds the bytes the app serves, and its .gz copy the gzip bytes."""
    name = publishing.file_for(path)
    plain, _ = served(path)
    assert (root / name).read_bytes() == plain, name
    packed, compressed = served(path, compressed=True)
    gz = root / (name + ".gz")
    if compressed:
        assert gz.read_bytes() == packed, name
        assert gzip.decompress(packed) == plain
    else:
        assert not gz.exists(), name
