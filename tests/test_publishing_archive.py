"""Publishing the real archive: every page written by publish_site is what the app serves."""

import time

import pytest
from django.core.management import call_command

from episodes.models import Episode
from tests.pages import clear_archive, largest_episode, load_snapshot
from tests.publishing import assert_published_as_served

pytest_plugins = ["tests.publish_fixtures"]
SNAPSHOT = "2026-06"


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / f"media-publish-{SNAPSHOT}"


@pytest.fixture(autouse=True)
def media_root(archive, media, settings):
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture(scope="module")
def archive(django_db_setup, django_db_blocker, media):
    with django_db_blocker.unblock():
        load_snapshot(SNAPSHOT, media)
    yield SNAPSHOT
    with django_db_blocker.unblock():
        clear_archive()


@pytest.mark.corpus
@pytest.mark.django_db
def test_publish_site_writes_the_archive_as_the_app_serves_it(archive, publish_root, capsys):
    started = time.monotonic()
    call_command("publish_site")
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(f"\npublish_site over {SNAPSHOT}: {capsys.readouterr().out.strip()} ({seconds:.1f} s)")
    episodes = list(Episode.objects.published().newest_first())
    for episode in {episodes[0], episodes[len(episodes) // 2], episodes[-1], largest_episode()}:
        for path in (episode.get_absolute_url(), episode.get_absolute_url() + "transcript.vtt"):
            assert_published_as_served(publish_root, path)
    for path in ("/", "/podcast/", "/podcast/feed.xml", "/people/", "/sitemap.xml"):
        assert_published_as_served(publish_root, path)
    call_command("publish_site", "--check")  # exits 1 on any difference
