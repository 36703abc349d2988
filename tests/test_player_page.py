"""What the episode page writes for its player and its transcript tools, as the server sends it:
the embed's address and attributes, its scripts and where they are loaded, the policy that lets it
run, and the page without JavaScript, which shows none of the tools."""

import gzip
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from episodes.models import Episode, Guest, Section, TranscriptLine
from tests.pages import Page, get_page
from tests.policy import sources

pytestmark = pytest.mark.django_db

SCRIPT = "transcript-player.js"
EMBED = "embed-player.js"  # the embed's postMessage interface, shared with the admin's editor


@pytest.fixture
def episode(db):
    made = Episode.objects.create(slug="ep", title="An “episode” & more", youtube_id="abcDEF12345")
    Section.objects.create(episode=made, position=0, title="Start")
    TranscriptLine.objects.create(episode=made, position=1, text="Hello.", speaker="Ada", sec=5, time="0:05")
    TranscriptLine.objects.create(episode=made, position=2, text="Untimed.", speaker="Bob")
    return made


def page_of(response):
    assert response.status_code == 200
    return Page(response.content.decode())


def policy_of(response, name):
    return sources(response["Content-Security-Policy"], name)


def test_the_player_is_the_privacy_enhanced_embed_with_its_postmessage_interface(client, episode):
    page = get_page(client, "/podcast/ep/")
    [player] = page.find("iframe", id="player")
    address = urlsplit(player["src"])
    assert (address.scheme, address.netloc, address.path) == ("https", "www.youtube-nocookie.com", "/embed/abcDEF12345")
    # The embed answers this page's origin only, and plays in the page on a phone.
    assert parse_qs(address.query) == {
        "enablejsapi": ["1"],
        "origin": ["http://testserver"],
        "playsinline": ["1"],
        "rel": ["0"],
    }
    assert player["title"] == "An “episode” & more on YouTube"
    allowed = {feature.strip() for feature in player["allow"].split(";")}
    assert {"autoplay", "encrypted-media", "picture-in-picture", "fullscreen", "clipboard-write"} <= allowed
    assert "allowfullscreen" in player
    assert player["loading"] == "lazy"
    assert player["referrerpolicy"] == "strict-origin-when-cross-origin"


def test_the_origin_the_embed_answers_is_the_one_the_visitor_sees(client, episode, settings):
    settings.ALLOWED_HOSTS = ["podcast.example.org"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/podcast/ep/", HTTP_HOST="podcast.example.org", HTTP_X_FORWARDED_PROTO="https")
    [player] = page_of(response).find("iframe", id="player")
    assert parse_qs(urlsplit(player["src"]).query)["origin"] == ["https://podcast.example.org"]


def test_the_embed_origin_is_a_setting_and_the_policy_frames_it_alone(client, episode, settings):
    response = client.get("/podcast/ep/")
    assert policy_of(response, "frame-src") == "https://www.youtube-nocookie.com"
    # One script, the site's own file: no inline script, no other site's.
    assert policy_of(response, "script-src") == "'self'"
    settings.PODCAST_EMBED_ORIGIN = "https://player.example.net"
    response = client.get("/podcast/ep/")
    assert policy_of(response, "frame-src") == "https://player.example.net"
    [player] = page_of(response).find("iframe", id="player")
    assert player["src"].startswith("https://player.example.net/embed/abcDEF12345?enablejsapi=1&")


def test_the_script_is_deferred_and_loaded_by_episode_pages_with_a_transcript_only(client, episode):
    scripts = [a for tag, a in get_page(client, "/podcast/ep/").elements if tag == "script" and "src" in a]
    # The player's interface first, which the transcript's tools use.
    assert scripts == [{"src": static(EMBED), "defer": None}, {"src": static(SCRIPT), "defer": None}]
    Episode.objects.create(slug="bare", title="No transcript", youtube_id="abcDEF12345")
    Guest.objects.create(short="ada", title="Ada")
    for address in ("/", "/podcast/", "/podcast/bare/", "/people/", "/people/ada/", "/search/?q=hello"):
        page = get_page(client, address)
        assert [a for tag, a in page.elements if tag == "script" and "src" in a] == [], address


def test_the_script_is_small():
    source = b"".join(Path(finders.find(name)).read_bytes() for name in (EMBED, SCRIPT))
    assert len(gzip.compress(source, 9)) < 10 * 1024


def test_without_javascript_the_page_is_as_it_was(client, episode):
    page = get_page(client, "/podcast/ep/")
    # The tools, the share panel and the quote button wait for the script, hidden.
    for element_id in ("tools", "share", "quote-button"):
        [element] = [a for _, a in page.elements if a.get("id") == element_id]
        assert "hidden" in element, element_id
    # A time links to the video at its second; a line's link holds its uid.
    [time] = page.find("a", class_="time")
    assert time["href"] == "https://www.youtube.com/watch?v=abcDEF12345&t=5"
    line = TranscriptLine.objects.get(sec=5)
    assert page.find("a", class_="line__link", href=f"#line-{line.uid}")
