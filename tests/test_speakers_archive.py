"""Speakers over both snapshots of the real archive: who each name links to, the guests' short
bios, each speaker's share of an episode, and a person's episodes and time on air.

The host is ``alexeygrigorev`` (Alexey in the transcripts), as ``PODCAST_HOSTS`` names him. The
expectations are worked out here from the rows, by the rule the pages state: a speaker is the
one person of the episode's cast (the host and its guests) of that whole name, else of that
first name; no one, or more than one, is no link. A host's page lists the published episodes
in which he speaks and those that list him as a guest.
"""

import html
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from episodes import metadata, speakers
from episodes.models import Episode, Guest
from episodes.templatetags.podcast import talk_time
from episodes.timecodes import parse_duration
from episodes.transcripts import Transcript
from tests.pages import get_all_pages, get_page, largest_episode

pytest_plugins = ["tests.snapshot_fixtures"]  # the snapshot imported once for this module

HOST, HOST_NAME = "alexeygrigorev", "Alexey Grigorev"
SPEAKER = re.compile(r'<(a|span) class="speaker"(?: href="([^"]*)")?>([^<]*)</\1>')
EPISODE_LINK = re.compile(r"/podcast/([^/]+)/")
TABLE = re.compile(r'<section class="speaking".*?</section>', re.DOTALL)


@pytest.fixture(autouse=True)
def setup(snapshot_media, settings):
    settings.PODCAST_HOSTS = [HOST]


def _name(who):
    return (who or "").strip().rstrip(":").strip()


def expected_profile(who, guests):
    """The key of the one person of the cast ``who`` names, or None."""
    people = {guest.short: guest.title for guest in guests}
    people.setdefault(HOST, HOST_NAME)
    name = _name(who).casefold()
    if not name:
        return None
    whole = [key for key, title in people.items() if title.casefold() == name]
    first = [key for key, title in people.items() if title.split()[0].casefold() == name.split()[0]]
    found = whole or first
    return found[0] if len(found) == 1 else None


def _episodes():
    return list(Episode.objects.published().prefetch_related("appearances__guest", "lines", "sections").order_by("id"))


def _guests(episode):
    return [appearance.guest for appearance in episode.appearances.all()]


def _lines(episode):
    return sorted(episode.lines.all(), key=lambda line: line.position)


@pytest.mark.corpus
@pytest.mark.django_db
def test_speaker_names_link_to_the_guest_of_that_first_name_or_the_host(imported_snapshot, client):
    linked, plain = set(), set()
    for episode in _episodes():
        lines = [line for line in _lines(episode) if _name(line.speaker)]
        if not lines:
            continue
        shown = SPEAKER.findall(get_page(client, episode.get_absolute_url()).raw)
        assert len(shown) == len(lines), episode.slug
        for line, (tag, href, text) in zip(lines, shown, strict=True):
            key = expected_profile(line.speaker, _guests(episode))
            assert html.unescape(text) == _name(line.speaker), (episode.slug, line.position)
            if key is None:
                assert tag == "span", (episode.slug, line.speaker)
                assert not href, (episode.slug, line.speaker)
                plain.add(_name(line.speaker))
            else:
                assert tag == "a", (episode.slug, line.speaker, href)
                assert href == f"/people/{key}/", (episode.slug, line.speaker, href)
                linked.add(key)
    assert HOST in linked
    assert len(linked) > 100  # guests, by first name
    # Names that are no one of the cast stay as written: Swyx is in the guest list by his name.
    assert {"Chris", "Swyx"} <= plain


@pytest.mark.corpus
@pytest.mark.django_db
def test_each_guest_is_shown_with_a_short_bio(imported_snapshot, client):
    shown = 0
    for episode in Episode.objects.published().prefetch_related("appearances__guest")[:60]:
        page = get_page(client, episode.get_absolute_url())
        bios = [html.unescape(b) for b in re.findall(r'<p class="guest__bio">([^<]*)</p>', page.raw)]
        expected = [metadata.short_bio(guest) for guest in _guests(episode)]
        assert bios == [bio for bio in expected if bio], episode.slug
        for guest, bio in zip(_guests(episode), expected, strict=True):
            if guest.bio_short:
                assert bio.split("…")[0].rstrip() in " ".join(guest.bio_short.split())
            if bio:
                assert len(bio.split()) <= metadata.DESCRIPTION_WORDS
                assert "](" not in bio
        shown += len(bios)
    assert shown > 30


@pytest.mark.corpus
@pytest.mark.django_db
def test_a_guest_without_a_short_bio_is_shown_with_the_first_words_of_the_biography(imported_snapshot, client):
    # Her file has no bio_short, and a biography of 56 words in one paragraph of plain text.
    episode = Episode.objects.published().filter(appearances__guest__short="aaishamuhammad").first()
    page = get_page(client, episode.get_absolute_url())
    bios = [html.unescape(b) for b in re.findall(r'<p class="guest__bio">([^<]*)</p>', page.raw)]
    first_words = (
        "Aaisha is a self-taught bioinformatician, machine learning engineer and data scientist from "
        "Johannesburg, South Africa. She is a Datatalks.Club ML zoomcamp graduate and has studied python "
        "and basic web development, and she maintains a blog on bioinformatics and ML topics. Beyond that, "
        "she is interested…"
    )
    assert bios == [first_words]


def _span_ms(episode):
    """The episode's timeline as talk time counts it, from its rows: from the first line (zero
    when it has no time) to the latest second of a line or, when that is later, the episode's
    end."""
    lines = _lines(episode)
    seconds = [line.sec for line in lines if line.sec is not None]
    duration = parse_duration(episode.duration) or 0
    start = lines[0].sec if lines[0].sec is not None else 0
    end = max(max(seconds), duration) if seconds else duration
    return (end - start) * 1000


def _fully_timed_talk(episode):
    """{person key or name: ms} when every line has a time: a line lasts until the next starts
    (never before the line before it), the last until the episode's end."""
    lines = _lines(episode)
    starts, running = [], 0
    for line in lines:
        running = max(running, line.sec)
        starts.append(running * 1000)
    ends = [*starts[1:], max(starts[-1], (parse_duration(episode.duration) or 0) * 1000)]
    talk = {}
    for line, start, end in zip(lines, starts, ends, strict=True):
        key = expected_profile(line.speaker, _guests(episode)) or _name(line.speaker)
        talk[key] = talk.get(key, 0) + end - start
    return talk


@pytest.mark.corpus
@pytest.mark.django_db
def test_statistics_add_up(imported_snapshot, client):
    checked = fully_timed = 0
    for episode in _episodes():
        lines = _lines(episode)
        if not lines:
            continue
        response = client.get(episode.get_absolute_url())
        statistics = response.context["statistics"]
        voices = statistics.voices
        # Every line counts once: words are the words of the lines' texts, each speaker's too.
        assert statistics.words == sum(len(line.text.split()) for line in lines), episode.slug
        assert sum(voice.lines for voice in voices) == len(lines)
        by_voice = {}
        for line in lines:
            key = expected_profile(line.speaker, _guests(episode)) or _name(line.speaker)
            by_voice[key] = by_voice.get(key, 0) + len(line.text.split())
        assert sorted(by_voice.values()) == sorted(voice.words for voice in voices), episode.slug
        # The talk time is the span of the timeline, shared out without gap or overlap.
        assert statistics.talk_ms == _span_ms(episode), episode.slug
        table = TABLE.search(response.content.decode()).group(0)
        shares = [int(share) for share in re.findall(r"<td>(\d+)%</td>", table)]
        if statistics.talk_ms:
            assert sum(shares) == 100, episode.slug
            assert len(shares) == len(voices), episode.slug
            assert shares == [voice.percent for voice in voices]
        else:
            assert shares == []
        if all(line.sec is not None for line in lines):
            expected = _fully_timed_talk(episode)
            got = {(voice.person.key if voice.person else voice.name): voice.talk_ms for voice in voices}
            assert got == expected, episode.slug
            fully_timed += 1
        checked += 1
    assert checked > 100
    assert fully_timed > 20


def _host_episodes():
    """The published episodes the host speaks in, and those listing him as a guest."""
    speaks, listed = set(), set()
    for episode in _episodes():
        if any(expected_profile(line.speaker, _guests(episode)) == HOST for line in episode.lines.all()):
            speaks.add(episode.id)
        if any(guest.short == HOST for guest in _guests(episode)):
            listed.add(episode.id)
    return speaks, listed


def _listed_on(client, url):
    pages = get_all_pages(client, url)
    slugs = {match[1] for page in pages for href in page.hrefs() if (match := EPISODE_LINK.fullmatch(href))}
    return pages, set(Episode.objects.filter(slug__in=slugs).values_list("id", flat=True))


@pytest.mark.corpus
@pytest.mark.django_db
def test_host_page_lists_every_episode_he_hosts_with_his_time_on_air(imported_snapshot, client):
    speaks, listed = _host_episodes()
    pages, shown = _listed_on(client, f"/people/{HOST}/")
    assert shown == speaks | listed
    published_with_lines = Episode.objects.published().filter(lines__isnull=False).distinct().count()
    # He hosts the show: he speaks in every published episode that has a transcript.
    assert len(speaks) == published_with_lines
    assert f"In {len(shown)} episodes" in pages[0].text
    assert '<p class="kicker">Host</p>' in pages[0].raw
    # His time on air is the sum of his talk time in each episode, as its page counts it.
    total = 0
    for episode in Episode.objects.published().filter(id__in=speaks).with_transcript():
        transcript = Transcript.from_rows(episode.sections.all(), episode.lines.all(), episode.duration)
        cast = speakers.Speakers(speakers.hosts(), [speakers.guest(a.guest) for a in episode.appearances.all()])
        total += sum(v.talk_ms for v in speakers.attribute(transcript, cast).voices if v.person and v.person.is_host)
    assert total > 0
    assert f"Time on air: {talk_time(total)}" in pages[0].text


@pytest.mark.corpus
@pytest.mark.django_db
def test_a_guest_page_lists_every_episode_they_appear_in(imported_snapshot, client):
    guests = Guest.objects.on_air().exclude(short=HOST).order_by("short")
    for guest in guests[:: max(1, guests.count() // 40)]:
        expected = set(Episode.objects.published().filter(appearances__guest=guest).values_list("id", flat=True))
        pages, shown = _listed_on(client, guest.get_absolute_url())
        assert shown == expected, guest.short
        assert f"In {len(expected)} episode" in pages[0].text
        assert '<p class="kicker">Host</p>' not in pages[0].raw


@pytest.mark.corpus
@pytest.mark.django_db
def test_person_pages_take_a_fixed_number_of_queries(imported_snapshot, client):
    guest = Guest.objects.on_air().exclude(short=HOST).order_by("short").first()
    counts = []
    for url in (f"/people/{HOST}/", guest.get_absolute_url()):
        for _ in ("cold", "warm"):
            if _ == "cold":
                cache.clear()
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
    # Cold: the lines of the episodes whose talk times the cache did not hold, in one query.
    assert counts == [6, 5, 6, 5], counts


@pytest.mark.corpus
@pytest.mark.django_db
def test_the_largest_episode_names_its_speakers_with_their_share(imported_snapshot, client):
    episode = largest_episode()
    page = get_page(client, episode.get_absolute_url())
    table = TABLE.search(page.raw).group(0)
    assert f'<a href="/people/{HOST}/">{HOST_NAME}</a> <span class="speaking__role">host</span>' in table
    for guest in _guests(episode):
        assert f'<a href="{guest.get_absolute_url()}">{html.escape(guest.title)}</a>' in table
