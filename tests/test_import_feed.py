"""``import_feed`` on the sample's host feed, on what is not a feed, and the feed's own rules
(guids, dates, settings) on small archives."""

import http.server
import threading
import time

import feedparser
import pytest
from django.core.management.base import CommandError

from archive import hostfeed
from archive.importer import Importer
from episodes import caching
from episodes.models import Episode
from tests.admin_pages import change_form_data, change_url
from tests.commands import run_import_feed as import_feed
from tests.conftest import SAMPLE


@pytest.fixture
def sample(db, tmp_path, settings):
    report = Importer(include_drafts=True).run([SAMPLE])
    assert report.ok
    return SAMPLE / "feed.xml"


def test_the_samples_host_feed_gives_every_published_episode_its_audio(sample):
    code, out, err = import_feed(sample)
    assert code == 0, err
    assert "4 matched (set 4, 0 unchanged, 0 kept as an editor set them), 1 unmatched" in out
    assert set(Episode.objects.exclude(audio_url="").values_list("slug", flat=True)) == set(
        Episode.objects.published().values_list("slug", flat=True)
    )


def test_a_dry_run_reports_and_changes_nothing(sample):
    code, out, _ = import_feed(sample, "--dry-run")
    assert code == 0
    assert "4 matched (would set 4" in out
    assert "nothing was changed (dry run)" in out
    assert not Episode.objects.exclude(audio_url="").exists()


def test_audio_an_editor_set_is_kept_unless_forced(sample, admin_client):
    episode = Episode.objects.get(slug="testing-data-pipelines")
    data = change_form_data(admin_client.get(change_url(episode)))
    data.update(audio_url="https://media.example.org/testing.mp3", audio_type="", audio_length="1234")
    response = admin_client.post(change_url(episode), data)
    assert response.status_code == 302
    episode.refresh_from_db()
    assert (episode.audio_url, episode.audio_type, episode.audio_set_by) == (
        "https://media.example.org/testing.mp3",
        "audio/mpeg",
        Episode.AUDIO_BY_EDITOR,
    )

    _code, out, _ = import_feed(sample)
    assert "testing-data-pipelines: kept the audio an editor set (use --force to replace it)" in out
    assert "(set 3, 0 unchanged, 1 kept as an editor set them)" in out
    episode.refresh_from_db()
    assert episode.audio_url == "https://media.example.org/testing.mp3"

    import_feed(sample, "--force")
    episode.refresh_from_db()
    assert episode.audio_url.endswith("testing-data-pipelines.mp3")
    assert episode.audio_set_by == Episode.AUDIO_FROM_FEED


def test_the_admin_refuses_audio_that_is_no_web_address(sample, admin_client):
    episode = Episode.objects.get(slug="testing-data-pipelines")
    data = change_form_data(admin_client.get(change_url(episode)))
    data.update(audio_url="https://media.example.org/notes.pdf", audio_type="application/pdf")
    page = admin_client.post(change_url(episode), data).content.decode()
    assert "Give the audio&#x27;s MIME type, such as audio/mpeg." in page
    assert not Episode.objects.filter(pk=episode.pk).exclude(audio_url="").exists()


def test_an_item_that_matches_two_episodes_is_reported_and_changes_nothing(sample, tmp_path):
    Episode.objects.filter(slug="dashboards-in-local-government").update(title="Same title")
    Episode.objects.filter(slug="feature-stores-for-small-teams").update(title="Same title", anchor_id="")
    feed = sample.read_text(encoding="utf-8")
    feed = feed.replace("From Spreadsheets to Dashboards in Local Government", "Same title")
    (tmp_path / "rss.xml").write_text(feed, encoding="utf-8")
    code, _out, err = import_feed(tmp_path / "rss.xml")
    assert code == 1
    assert "ambiguous: 'Same title' matches dashboards-in-local-government, feature-stores-for-small-teams" in err
    # The item that matched both gave neither its audio (the other has its own item, by host id).
    assert Episode.objects.get(slug="dashboards-in-local-government").audio_url == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not an RSS feed"),
        (b"<html><body>Not found</body></html>", "not an RSS feed"),
        (b"\x00\xff garbage", "not an RSS feed"),
    ],
)
def test_what_is_not_a_feed_is_a_clear_error(db, tmp_path, content, message):
    path = tmp_path / "rss.xml"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=f"{path}: {message}"):
        import_feed(path)


def test_a_missing_or_huge_feed_is_a_clear_error(db, tmp_path, monkeypatch):
    with pytest.raises(CommandError, match="missing.xml: cannot be read"):
        import_feed(tmp_path / "missing.xml")
    big = tmp_path / "big.xml"
    big.write_bytes(b" " * 2000)
    monkeypatch.setattr(hostfeed, "MAX_FEED_BYTES", 1000)
    with pytest.raises(CommandError, match="big.xml: larger than"):
        import_feed(big)
    with pytest.raises(CommandError, match="only http and https addresses"):
        import_feed("file:///etc/passwd")


def test_a_feed_is_read_from_the_hosts_address(sample, tmp_path):
    body = sample.read_bytes()

    class Host(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/rss":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Host)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"http://127.0.0.1:{server.server_port}"
        code, out, _ = import_feed(f"{address}/rss")
        assert code == 0
        assert "4 matched (set 4" in out
        with pytest.raises(CommandError, match="the host answered 404"):
            import_feed(f"{address}/gone")
    finally:
        server.shutdown()


def test_a_guid_never_changes_once_the_episode_exists(sample):
    episode = Episode.objects.get(slug="testing-data-pipelines")
    guid = episode.guid
    assert guid
    episode.slug, episode.youtube_id, episode.title = "renamed", "", "Another title"
    episode.save()
    episode.refresh_from_db()
    assert episode.guid == guid
    assert len(set(Episode.objects.values_list("guid", flat=True))) == Episode.objects.count()


def test_an_episode_with_no_date_is_dated_after_the_one_before_it(sample, client):
    import_feed(sample)
    Episode.objects.update(date=None, date_added=None, released_at=None)
    Episode.objects.filter(slug="testing-data-pipelines").update(date="2025-02-10")
    parsed = feedparser.parse(client.get("/podcast/feed.xml").content)
    assert [entry.link.rsplit("/", 2)[-2] for entry in parsed.entries] == [
        "dashboards-in-local-government",
        "maintaining-open-source-on-weekends",
        "feature-stores-for-small-teams",
        "testing-data-pipelines",
    ]
    assert {entry.published for entry in parsed.entries} == {"Mon, 10 Feb 2025 12:00:00 +0000"}


def test_the_podcast_feed_takes_a_fixed_number_of_queries(sample, client, django_assert_max_num_queries):
    import_feed(sample)
    with django_assert_max_num_queries(8):
        assert client.get("/podcast/feed.xml").status_code == 200


def test_a_language_that_is_no_language_tag_is_a_settings_error(settings):
    from episodes.site import check_settings

    settings.PODCAST_LANGUAGE = "English please"
    (error,) = check_settings()
    assert "PODCAST_LANGUAGE is 'English please'" in error.msg
    settings.PODCAST_LANGUAGE = "pt-BR"
    assert check_settings() == []


def test_a_feed_with_no_items_is_the_same_bytes_every_time(db, client):
    caching.content_changed()
    first = client.get("/podcast/feed.xml").content
    assert b"<item>" not in first
    time.sleep(1.1)
    assert client.get("/podcast/feed.xml").content == first
