"""Who speaks, over small hand-made episodes: the cases the real archive has too few of to pin
down (names several people share, a host the setting names without a file, no host set), how
talk time is shared out, and that a person's figures follow an edit of a transcript."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from editorial import speakers as admin_speakers
from episodes import speakers
from episodes.models import Appearance, Episode, Guest, TranscriptLine
from tests.pages import get_page

SPEAKER = re.compile(r'<(a|span) class="speaker"(?: href="([^"]*)")?>([^<]*)</\1>')


def _speakers_shown(client, url):
    """(text, profile or None) of each line's speaker, in order."""
    return [(text, href or None) for _, href, text in SPEAKER.findall(get_page(client, url).raw)]


def _episode(slug, number, guests, lines, duration="PT0H10M0S"):
    episode = Episode.objects.create(slug=slug, title=slug, season=1, number=number, duration=duration)
    for position, guest in enumerate(guests):
        Appearance.objects.create(episode=episode, guest=guest, position=position)
    TranscriptLine.objects.bulk_create(
        TranscriptLine(episode=episode, position=position, speaker=speaker, sec=sec, text=text)
        for position, (speaker, sec, text) in enumerate(lines)
    )
    return episode


@pytest.fixture
def cast(db, settings):
    settings.PODCAST_HOSTS = ["alexey"]
    people = {
        key: Guest.objects.create(short=key, title=title)
        for key, title in [
            ("alexey", "Alexey Grigorev"),
            ("marialopez", "Maria Lopez"),
            ("mariachen", "Maria Chen"),
            ("alexeypetrov", "Alexey Petrov"),
            ("will", "Will Russell"),
        ]
    }
    two_marias = _episode(
        "two-marias",
        1,
        [people["marialopez"], people["mariachen"]],
        [
            ("Alexey", 0, "Welcome, both of you."),
            ("Maria", 60, "Thanks."),
            ("Maria Chen:", 120, "Thank you for having us."),
            ("Bob", 180, "I am no one on the list."),
        ],
    )
    two_alexeys = _episode(
        "two-alexeys",
        2,
        [people["alexeypetrov"]],
        [("Alexey", 0, "Hello namesake."), ("Alexey Petrov", 300, "Hello.")],
    )
    will = _episode(
        "will",
        3,
        [people["will"]],
        [("Alexey:", 0, "Hi Will."), ("Will", 100, "Hi."), ("Alexey", 400, "Bye.")],
        duration="PT0H8M20S",
    )
    cache.clear()  # the ids and times of another test's episodes may come back
    return {"people": people, "two_marias": two_marias, "two_alexeys": two_alexeys, "will": will}


def test_a_name_that_fits_more_than_one_person_stays_plain_text(cast, client):
    assert _speakers_shown(client, "/podcast/two-marias/") == [
        ("Alexey", "/people/alexey/"),
        ("Maria", None),  # Maria Lopez or Maria Chen: no guess
        ("Maria Chen", "/people/mariachen/"),  # the whole name is one of them
        ("Bob", None),
    ]
    # A guest who shares the host's first name: "Alexey" is either of them.
    assert _speakers_shown(client, "/podcast/two-alexeys/") == [
        ("Alexey", None),
        ("Alexey Petrov", "/people/alexeypetrov/"),
    ]


def test_the_statistics_count_an_unmatched_name_by_itself(cast, client):
    statistics = client.get("/podcast/two-marias/").context["statistics"]
    names = [(voice.name, voice.person.key if voice.person else None) for voice in statistics.voices]
    # The last line runs to the episode's end: 180 s to 600 s.
    assert names[0] == ("Bob", None)
    assert statistics.voices[0].talk_ms == 420_000
    assert set(names) == {("Bob", None), ("Alexey Grigorev", "alexey"), ("Maria", None), ("Maria Chen", "mariachen")}
    assert sum(voice.percent for voice in statistics.voices) == 100
    assert statistics.talk_ms == 600_000


def test_the_host_page_lists_the_episodes_he_speaks_in_and_counts_his_time(cast, client):
    page = get_page(client, "/people/alexey/")
    # Not two-alexeys, where "Alexey" may be either Alexey.
    assert {"/podcast/two-marias/", "/podcast/will/"} <= set(page.hrefs())
    assert "/podcast/two-alexeys/" not in page.hrefs()
    assert "In 2 episodes" in page.text
    # 60 s in two-marias; in will 100 s, then 400 s to the episode's end at 500 s: 4 min 20 s.
    assert "Time on air: 4 min 20 s" in page.text
    assert '<p class="kicker">Host</p>' in page.raw


def test_a_guest_page_counts_the_episodes_and_time_of_the_lines_under_his_whole_name(cast, client):
    guest = get_page(client, "/people/mariachen/")
    assert "In 1 episode" in guest.text
    assert "Time on air: 1 min 00 s" in guest.text


def test_a_guest_with_no_line_his_for_certain_is_listed_without_time_on_air(cast, client):
    # Maria Lopez is in the episode, but no line is hers for certain.
    lopez = get_page(client, "/people/marialopez/")
    assert "/podcast/two-marias/" in lopez.hrefs()
    assert "Time on air" not in lopez.text


def test_a_host_named_without_a_file_is_named_but_not_linked(cast, client, settings):
    settings.PODCAST_HOSTS = ["Mallory"]
    _episode("mallory", 4, [], [("Mallory", 0, "I host now."), ("Alexey", 30, "And I am a caller.")])
    assert _speakers_shown(client, "/podcast/mallory/") == [("Mallory", None), ("Alexey", None)]
    page = get_page(client, "/podcast/mallory/")
    assert 'Mallory <span class="speaking__role">host</span>' in page.raw
    assert get_page(client, "/people/alexey/").find("p", class_="kicker") == []


def test_without_hosts_set_no_page_names_a_host(cast, client, settings):
    settings.PODCAST_HOSTS = None
    assert _speakers_shown(client, "/podcast/will/") == [
        ("Alexey", None),
        ("Will", "/people/will/"),
        ("Alexey", None),
    ]
    page = get_page(client, "/people/alexey/")
    assert "has not appeared in a published episode yet" in page.text
    assert "host" not in get_page(client, "/podcast/will/").raw.split('class="speaking"')[1].split("</table>")[0]


def test_untimed_lines_share_the_time_of_the_timed_line_before_them(db, settings, client):
    settings.PODCAST_HOSTS = []
    _episode(
        "untimed",
        1,
        [],
        [
            ("Ann", None, "Before any time."),  # 0 s to the first timed line
            ("Ann", 10, "x" * 10),
            ("Ben", None, "y" * 30),  # shares 10 s to 50 s with the line before, 1 to 3
            ("Ann", 50, "The end, with no duration to run to."),
        ],
        duration="",
    )
    statistics = client.get("/podcast/untimed/").context["statistics"]
    talk = {voice.name: voice.talk_ms for voice in statistics.voices}
    assert talk == {"Ann": 10_000 + 10_000, "Ben": 30_000}
    assert statistics.talk_ms == 50_000
    assert [voice.percent for voice in statistics.voices] == [60, 40]


def test_shares_are_whole_percentages_that_add_up_to_100():
    assert speakers.percentages([1, 1, 1]) == [34, 33, 33]
    assert speakers.percentages([2, 1]) == [67, 33]
    assert speakers.percentages([0, 0]) == [None, None]
    assert sum(speakers.percentages([997, 2, 1])) == 100


def test_a_persons_figures_follow_a_rename_in_the_admin(cast, client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    assert "Time on air: 4 min 20 s" in get_page(client, "/people/alexey/").text
    admin_speakers.rename_speaker(cast["will"], "Alexey", "Will", editor)  # "Alexey:" stays his
    page = get_page(client, "/people/alexey/")
    assert "Time on air: 2 min 40 s" in page.text  # 60 s and 100 s
    assert "/podcast/will/" in page.hrefs()
    assert "Time on air: 6 min 40 s" in get_page(client, "/people/will/").text  # 100 s to the end


def test_person_page_queries_do_not_grow_with_the_episodes(cast, client):
    many = [
        _episode(f"more-{n}", 10 + n, [cast["people"]["will"]], [("Alexey", 0, "Hi."), ("Will", 5, "Hello.")])
        for n in range(30)
    ]
    assert len(many) == 30
    counts = []
    for url in ("/people/alexey/", "/people/will/", "/people/mariachen/"):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts == [6, 6, 6]


def test_the_admin_judges_speakers_by_the_same_rule(cast):
    assert admin_speakers.Speakers is speakers.Speakers
    assert admin_speakers.first_name is speakers.first_name
    known = admin_speakers.episode_speakers([cast["two_marias"].pk])[cast["two_marias"].pk]
    # Maria is a speaker of the episode (whoever of the two), Bob is not.
    assert known.knows("Maria")
    assert known.knows("Alexey:")
    assert not known.knows("Bob")
    assert known.match("Maria") is None
    assert known.match("Maria Chen").name == "Maria Chen"
