"""Transcript files, chapters, the feed, the sitemap and robots.txt, over hand-made episodes.

The ``check_*`` validators parse each format the way a player would; test_public_archive runs them
over every episode of the real archive.
"""

import json
import xml.etree.ElementTree as ET

import pytest

from episodes.models import Appearance, Episode, Guest, QuotableClip, Section, TranscriptLine
from episodes.transcripts import FORMATS, Transcript
from tests.pages import Page
from tests.renderings import (
    PODCAST_NS,
    SITEMAP_NS,
    check_chapters,
    check_json_transcript,
    check_rendering,
    check_srt,
    check_text,
    check_vtt,
)

# --- hand-made -----------------------------------------------------------------------------------


@pytest.fixture
def episode(db):
    """Lines before the first header, untimed lines, a time that steps back, a repeated header,
    a header with no timed line, and text that means something in caption files."""
    guest = Guest.objects.create(short="ada", title="Ada Lovelace", picture="images/authors/ada.jpg")
    episode = Episode.objects.create(
        slug="ep", title="An <Episode>", season=2, number=5, youtube_id="vid", duration="PT00H10M00S"
    )
    Appearance.objects.create(episode=episode, guest=guest, position=0)
    rows = [
        ("line", "Untimed opening.", "", None, ""),
        ("line", "Welcome --> everyone & all <b>here</b>.", "Alexey:", 10, "0:10"),
        ("header", "Intro"),
        ("line", "First.", "Ada", 30, "0:30"),
        ("line", "No time here,\n\nbut two paragraphs.", "Ada", None, ""),
        ("line", "Stepped back.", "Alexey", 25, "0:25"),
        ("header", "Only untimed"),
        ("header", "Intro"),
        ("line", "Later.", "Ada", 120, "2:00"),
    ]
    for position, row in enumerate(rows):
        if row[0] == "header":
            Section.objects.create(episode=episode, position=position, title=row[1])
        else:
            TranscriptLine.objects.create(
                episode=episode, position=position, text=row[1], speaker=row[2], sec=row[3], time=row[4]
            )
    return episode


def load(episode):
    episode = Episode.objects.for_page().get(pk=episode.pk)
    return Transcript.from_rows(episode.sections.all(), episode.lines.all(), episode.duration)


def test_cues_never_go_back_and_cover_every_line(episode):
    cues = load(episode).cues()
    assert [cue.line.text[:5] for cue in cues] == ["Untim", "Welco", "First", "No ti", "Stepp", "Later"]
    starts = [cue.start_ms for cue in cues]
    assert starts == sorted(starts)
    assert starts[:3] == [0, 10_000, 30_000]
    # An untimed line shares the time of the line before it up to the next timed line; here the
    # next one steps back to 25 s, leaving no time, so both start at 30 s.
    assert cues[3].start_ms == 30_000 < cues[3].end_ms
    # "Stepped back" (25 s after 30 s) starts where the one before it did.
    assert cues[4].start_ms == 30_000
    # The last line ends before the episode does.
    assert cues[-1].end_ms <= 600_000
    assert all(cue.start_ms < cue.end_ms for cue in cues)


def test_untimed_lines_share_the_time_up_to_the_next_timed_line(db):
    episode = Episode.objects.create(slug="split", title="Split")
    for position, (text, sec) in enumerate([("a" * 30, 0), ("b" * 10, None), ("c", 40)]):
        TranscriptLine.objects.create(episode=episode, position=position, text=text, sec=sec)
    cues = load(episode).cues()
    assert [(cue.start_ms, cue.end_ms) for cue in cues[:2]] == [(0, 30_000), (30_000, 40_000)]
    assert cues[2].start_ms == 40_000


def test_every_format_validates(episode):
    transcript = load(episode)
    for rendering in FORMATS:
        assert rendering.available(transcript), rendering.name
        check_rendering(rendering, episode, transcript)


def test_vtt_escapes_and_names_voices(episode, client):
    response = client.get("/podcast/ep/transcript.vtt")
    assert response["Content-Type"].startswith("text/vtt")
    assert response["Access-Control-Allow-Origin"] == "*"
    text = response.content.decode()
    cues = check_vtt(text)
    assert cues[1][2] == "<v Alexey>Welcome --&gt; everyone &amp; all &lt;b&gt;here&lt;/b&gt;."
    # A cue is named by its line's link, which outlives edits.
    uid = episode.lines.get(position=1).uid
    assert f"line-{uid}\n00:00:10.000 --> " in text


def test_srt(episode, client):
    response = client.get("/podcast/ep/transcript.srt")
    assert response["Content-Type"].startswith("application/x-subrip")
    cues = check_srt(response.content.decode())
    assert cues[1][2].startswith("Alexey: Welcome")
    assert cues[3][2] == "Ada: No time here, but two paragraphs."


def test_json_transcript(episode, client):
    response = client.get("/podcast/ep/transcript.json")
    assert response["Content-Type"] == "application/json"
    segments = check_json_transcript(json.loads(response.content))
    assert segments[1] == {
        "speaker": "Alexey",
        "startTime": 10.0,
        "endTime": 30.0,
        "body": "Welcome --> everyone & all <b>here</b>.",
    }
    assert "speaker" not in segments[0]


def test_chapters_start_at_each_sections_first_timed_line(episode, client):
    response = client.get("/podcast/ep/chapters.json")
    assert response["Content-Type"] == "application/json+chapters"
    chapters = check_chapters(json.loads(response.content))
    # "Only untimed" has no line at all, so no chapter.
    assert chapters == [{"startTime": 30, "title": "Intro"}, {"startTime": 120, "title": "Intro"}]


def test_plain_text(episode, client):
    response = client.get("/podcast/ep/transcript.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("An <Episode>\n")
    assert "[0:10] Alexey: Welcome --> everyone & all <b>here</b>." in text
    assert "Intro\n-----\n" in text
    check_text(text, load(episode))


def test_untimed_transcript_offers_text_only(db, client):
    episode = Episode.objects.create(slug="plain", title="Plain")
    Section.objects.create(episode=episode, position=0, title="Part")
    TranscriptLine.objects.create(episode=episode, position=1, text="Hello.", speaker="A")
    page = Page(client.get("/podcast/plain/").content.decode())
    assert {a["href"] for a in page.find("a") if "download" in a} == {"/podcast/plain/transcript.txt"}
    for name in ("transcript.vtt", "transcript.srt", "transcript.json", "chapters.json"):
        assert client.get(f"/podcast/plain/{name}").status_code == 404, name
    assert client.get("/podcast/plain/transcript.txt").status_code == 200


def test_episode_without_transcript_has_no_downloads(db, client):
    Episode.objects.create(slug="none", title="None")
    page = Page(client.get("/podcast/none/").content.decode())
    assert not page.find("section", id="transcript")
    for rendering in FORMATS:
        assert client.get(f"/podcast/none/{rendering.filename}").status_code == 404


def feed_items(client):
    response = client.get("/podcast/episodes.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    assert f'xmlns:podcast="{PODCAST_NS}"'.encode() in response.content
    root = ET.fromstring(response.content)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    return {item.findtext("link"): item for item in root.iter("item")}


def test_feed_has_the_podcasting_namespace(episode, client):
    Episode.objects.create(slug="secret", title="Secret", is_published=False)
    items = feed_items(client)
    assert list(items) == ["http://testserver/podcast/ep/"]
    item = items["http://testserver/podcast/ep/"]
    assert item.findtext("title") == "An <Episode>"
    transcripts = {t.get("type"): t for t in item.findall(f"{{{PODCAST_NS}}}transcript")}
    assert set(transcripts) == {"text/vtt", "application/x-subrip", "application/json", "text/plain"}
    assert transcripts["text/vtt"].get("url") == "http://testserver/podcast/ep/transcript.vtt"
    assert transcripts["text/vtt"].get("rel") == "captions"
    for tag in transcripts.values():
        assert client.get(tag.get("url").removeprefix("http://testserver")).status_code == 200
    chapters = item.find(f"{{{PODCAST_NS}}}chapters")
    assert chapters.get("url") == "http://testserver/podcast/ep/chapters.json"
    assert chapters.get("type") == "application/json+chapters"
    (person,) = item.findall(f"{{{PODCAST_NS}}}person")
    assert person.text == "Ada Lovelace"
    assert person.get("role") == "guest"
    assert person.get("href") == "http://testserver/people/ada/"
    assert person.get("img") == "http://testserver/media/images/authors/ada.jpg"
    assert item.findtext(f"{{{PODCAST_NS}}}season") == "2"
    assert item.findtext(f"{{{PODCAST_NS}}}episode") == "5"


def test_feed_announces_only_what_the_episode_offers(db, client):
    plain = Episode.objects.create(slug="plain", title="Plain")
    TranscriptLine.objects.create(episode=plain, position=0, text="Hello.", speaker="A")
    Section.objects.create(episode=plain, position=1, title="Late header")
    timed_before_header = Episode.objects.create(slug="early", title="Early")
    TranscriptLine.objects.create(episode=timed_before_header, position=0, text="Hi.", sec=3)
    Section.objects.create(episode=timed_before_header, position=1, title="Nothing timed after")
    Episode.objects.create(slug="empty", title="Empty")
    items = feed_items(client)
    for slug, expected in (
        ("plain", {"text/plain"}),
        ("early", {"text/plain", "text/vtt", "application/x-subrip", "application/json"}),
        ("empty", set()),
    ):
        item = items[f"http://testserver/podcast/{slug}/"]
        assert {t.get("type") for t in item.findall(f"{{{PODCAST_NS}}}transcript")} == expected, slug
        assert item.find(f"{{{PODCAST_NS}}}chapters") is None, slug
        for tag in item.findall(f"{{{PODCAST_NS}}}transcript"):
            assert client.get(tag.get("url").removeprefix("http://testserver")).status_code == 200


def test_the_podcast_feed_has_a_soundbite_for_each_clip_with_both_ends_in_order(db, client):
    episode = Episode.objects.create(slug="clips", title="Clips", audio_url="https://cdn.example.org/clips.mp3")
    clips = [
        ("Whole", 60, 90),
        ("No end", 100, None),
        ("No start", None, 50),
        ("Ends before it starts", 200, 150),
        ("No length", 300, 300),
        ("Second", 400, 430),
    ]
    for position, (name, start, end) in enumerate(clips):
        QuotableClip.objects.create(episode=episode, position=position, name=name, start_offset=start, end_offset=end)
    (item,) = ET.fromstring(client.get("/podcast/feed.xml").content).iter("item")
    bites = [(b.text, b.get("startTime"), b.get("duration")) for b in item.findall(f"{{{PODCAST_NS}}}soundbite")]
    assert bites == [("Whole", "60", "30"), ("Second", "400", "30")]


def test_feed_query_count_is_fixed(db, client, django_assert_max_num_queries):
    for n in range(30):
        episode = Episode.objects.create(slug=f"e{n}", title=f"E{n}", season=1, number=n)
        guest = Guest.objects.create(short=f"g{n}", title=f"G{n}")
        Appearance.objects.create(episode=episode, guest=guest, position=0)
        TranscriptLine.objects.create(episode=episode, position=0, text="x", sec=1)
    with django_assert_max_num_queries(4):
        assert len(feed_items(client)) == 30


def test_sitemap_lists_public_pages_only(episode, client):
    Episode.objects.create(slug="secret", title="Secret", is_published=False)
    Guest.objects.create(short="nobody", title="Never appeared")
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.content)
    locations = [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]
    assert "http://testserver/podcast/ep/" in locations
    assert "http://testserver/people/ada/" in locations
    assert "http://testserver/" in locations
    assert "http://testserver/podcast/" in locations
    assert not any("secret" in loc or "nobody" in loc for loc in locations)


def test_robots(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
