"""The podcast feed, as podcast apps read it, and the audio ``import_feed`` brings from the host.

The feed is read by three independent parsers: feedparser, gPodder's podcastparser and the
Podcast Index's podcast-partytime (on Node); each must keep every episode that has audio.
"""

import io
import json
import os
import shutil
import subprocess
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

import feedparser
import podcastparser
import pytest
from django.urls import NoReverseMatch, reverse

from episodes.feeds import absolute, page_address
from episodes.models import Episode
from tests import hostfeeds
from tests.commands import run_import_feed as import_feed
from tests.conftest import ROOT, SNAPSHOTS, corpus_snapshot
from tests.pages import clear_archive, load_snapshot

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
NODE_MODULES = ROOT / "node_modules"


def partytime(xml):
    """What podcast-partytime keeps of a feed."""
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "podcast-partytime").is_dir():
        if os.environ.get("CI"):
            pytest.fail("podcast-partytime is not installed (make test installs it with npm)")
        pytest.skip("podcast-partytime is not installed")
    result = subprocess.run(
        [node, str(ROOT / "tests" / "js" / "partytime.js")],
        input=xml,
        capture_output=True,
        check=True,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES), "PARTYTIME_LOG": "silent"},
        timeout=120,
    )
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


# --- over the real archive ----------------------------------------------------------------------


@pytest.fixture(scope="module", params=SNAPSHOTS)
def archive(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """A snapshot imported, with its host's feed read: (snapshot path, planned host items, the
    command's output)."""
    root = corpus_snapshot(request.param)
    planned = hostfeeds.plan(root)
    path = tmp_path_factory.mktemp("host") / "rss.xml"
    path.write_text(hostfeeds.anchor_feed(root, planned), encoding="utf-8")
    with django_db_blocker.unblock():
        load_snapshot(request.param, tmp_path_factory.mktemp("media"))
        result = import_feed(path)
    yield root, planned, result, path
    with django_db_blocker.unblock():
        clear_archive()


@pytest.fixture
def show(settings):
    settings.PODCAST_HOSTS = ["alexeygrigorev"]
    settings.PODCAST_OWNER_EMAIL = "podcast@example.org"


@pytest.mark.corpus
@pytest.mark.django_db
def test_import_feed_matches_every_episode_and_reports_the_rest(archive):
    _root, planned, (code, out, err), _ = archive
    rules = {rule: sum(episode.rule == rule for episode in planned) for rule in ("host id", "YouTube id", "title")}
    assert all(rules.values()), rules  # each way of matching is exercised
    ambiguous = [episode for episode in planned if episode.ambiguous]
    # Both snapshots have two files that name one host id (s12e04's, in s12e05 too).
    assert len(ambiguous) == 1
    matched = len(planned) - len(ambiguous)
    assert f"{matched} matched (set {matched}, 0 unchanged" in out
    assert f"1 unmatched, {len(ambiguous)} ambiguous, 2 without audio" in out
    assert code == 1  # something is left to look at
    assert f"ambiguous: '{ambiguous[0].slug}" not in err  # named by the host's title, then its episodes
    assert "matches " in err
    assert ambiguous[0].slug in err
    assert "unmatched: 'Trailer: what this show is about'" in err
    assert "no audio: 'A live stream with no recording': it has no enclosure" in err
    assert "no audio: 'An item whose audio is not on the web': its enclosure's address" in err


@pytest.mark.corpus
@pytest.mark.django_db
def test_every_published_episode_has_the_hosts_audio(archive):
    _, planned, _, _ = archive
    rows = {row.slug: row for row in Episode.objects.published()}
    assert set(rows) == {episode.slug for episode in planned}
    for episode in planned:
        row = rows[episode.slug]
        if episode.ambiguous:
            assert not row.audio_url
            continue
        assert (row.audio_url, row.audio_length, row.audio_type) == (episode.url, episode.length, "audio/mpeg")
        assert row.audio_duration == episode.duration
        assert row.released_at == episode.released
        assert row.audio_set_by == Episode.AUDIO_FROM_FEED


@pytest.mark.corpus
@pytest.mark.django_db
def test_reading_the_same_feed_again_changes_nothing(archive):
    _, planned, _, path = archive
    _, out, _ = import_feed(path)
    matched = sum(not episode.ambiguous for episode in planned)
    assert f"{matched} matched (set 0, {matched} unchanged" in out


@pytest.mark.corpus
@pytest.mark.django_db
def test_three_parsers_keep_every_episode_with_audio(archive, client, show):
    content = client.get("/podcast/feed.xml").content
    episodes = {row.guid: row for row in Episode.objects.published().exclude(audio_url="")}
    assert len(episodes) == Episode.objects.published().count() - 1  # the ambiguous one has none

    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.bozo_exception
    assert len(parsed.entries) == len(episodes)
    for entry in parsed.entries:
        row = episodes[entry.id]
        assert entry.guidislink is False
        (enclosure,) = entry.enclosures
        assert (enclosure.href, int(enclosure.length), enclosure.type) == (
            row.audio_url,
            row.audio_length,
            "audio/mpeg",
        )

    gpodder = podcastparser.parse("http://testserver/podcast/feed.xml", io.BytesIO(content))
    assert len(gpodder["episodes"]) == len(episodes)
    for episode in gpodder["episodes"]:
        row = episodes[episode["guid"]]
        assert [(e["url"], e["file_size"]) for e in episode["enclosures"]] == [(row.audio_url, row.audio_length)]
        assert episode["published"] > 0
        assert episode["total_time"] == row.audio_duration

    kept = partytime(content)
    assert kept["parsed"]
    assert len(kept["items"]) == len(episodes)
    assert {item["guid"] for item in kept["items"]} == set(episodes)
    assert all(item["enclosure"]["length"] > 0 and item["pubDate"] for item in kept["items"])


@pytest.mark.corpus
@pytest.mark.django_db
def test_every_item_has_a_pubdate_newest_first(archive, client):
    parsed = feedparser.parse(client.get("/podcast/feed.xml").content)
    dates = [entry.published_parsed for entry in parsed.entries]
    assert None not in dates
    assert dates == sorted(dates, reverse=True)
    undated = Episode.objects.published().filter(date__isnull=True, date_added__isnull=True).exclude(audio_url="")
    assert undated.exists()
    # The host's release time dates the episodes the files do not.
    for row in undated:
        entry = next(entry for entry in parsed.entries if entry.id == row.guid)
        assert entry.published == row.released_at.strftime("%a, %d %b %Y %H:%M:%S +0000")


@pytest.mark.corpus
@pytest.mark.django_db
def test_the_channel_says_what_apple_and_the_podcast_index_ask(archive, client, show):
    channel = ET.fromstring(client.get("/podcast/feed.xml").content).find("channel")
    assert channel.findtext("language") == "en"
    assert channel.find(f"{ITUNES}image").get("href") == "http://testserver/static/podcast-cover.png"
    assert channel.findtext("image/url") == "http://testserver/static/podcast-cover.png"
    assert channel.find(f"{ITUNES}category").get("text") == "Technology"
    assert channel.findtext(f"{ITUNES}explicit") == "false"
    assert channel.findtext(f"{ITUNES}owner/{ITUNES}email") == "podcast@example.org"
    assert channel.findtext(f"{ITUNES}author")
    # The namespace's rule: a UUIDv5 of the feed's address without its scheme, in its own space.
    space = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
    assert channel.findtext(f"{PODCAST}guid") == str(uuid.uuid5(space, "testserver/podcast/feed.xml"))
    locked = channel.find(f"{PODCAST}locked")
    assert (locked.text, locked.get("owner")) == ("yes", "podcast@example.org")
    (host,) = channel.findall(f"{PODCAST}person")
    assert (host.text, host.get("role"), host.get("href")) == (
        "Alexey Grigorev",
        "host",
        "http://testserver/people/alexeygrigorev/",
    )


@pytest.mark.corpus
@pytest.mark.django_db
def test_items_carry_their_people_numbers_and_soundbites(archive, client, show):
    root = ET.fromstring(client.get("/podcast/feed.xml").content)
    rows = {
        row.guid: row
        for row in Episode.objects.published().prefetch_related("appearances__guest", "clips").exclude(audio_url="")
    }
    soundbites = 0
    for item in root.iter("item"):
        row = rows[item.findtext("guid")]
        people = [(person.get("role"), person.text) for person in item.findall(f"{PODCAST}person")]
        assert people == [("host", "Alexey Grigorev")] + [("guest", a.guest.name) for a in row.appearances.all()]
        if row.season:
            assert item.findtext(f"{PODCAST}season") == item.findtext(f"{ITUNES}season") == str(row.season)
        assert item.findtext(f"{ITUNES}duration") == str(row.audio_duration)
        # Every clip of the archive has a start and a later end: each is a soundbite, in order.
        # (Clips without both ends are left out: test_public_formats pins that on hand-made ones.)
        bites = item.findall(f"{PODCAST}soundbite")
        assert [(b.text, b.get("startTime")) for b in bites] == [(c.name, str(c.start_offset)) for c in row.clips.all()]
        soundbites += len(bites)
    assert soundbites > 100 if archive[0].name == "2026-06" else soundbites == 0


@pytest.mark.corpus
@pytest.mark.django_db
def test_the_visitors_feed_lists_every_published_episode(archive, client):
    parsed = feedparser.parse(client.get("/podcast/episodes.xml").content)
    assert len(parsed.entries) == Episode.objects.published().count()


@pytest.mark.parametrize(
    "key", ["plain-key", "s14e08-x", "with space", "ünïcode", "a.b", "..", ".", "%41", "a_b~c", "x/y"]
)
@pytest.mark.parametrize("name", ["episodes:episode", "episodes:person"])
def test_the_feeds_addresses_are_what_reverse_makes(name, key):
    try:
        expected = reverse(name, args=[key])
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            page_address(name, key)
        return
    assert page_address(name, key) == expected


@pytest.mark.parametrize(
    "url", ["/podcast/x/", "/media/a b.jpg", "//cdn.example.org/x.jpg", "/a/../b", "https://x.example.org/y", "rel"]
)
def test_absolute_addresses_are_what_urljoin_makes(url):
    base = "https://podcast.example.org/podcast/"
    assert absolute(base, url) == urljoin(base, url)
