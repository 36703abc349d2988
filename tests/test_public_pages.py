"""The public pages over small hand-made episodes (test_public_archive has the real archive).

``load_snapshot``, ``clear_archive``, ``Page`` and ``get_page`` are shared with the other
test_public modules.
"""

import json
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from episodes import views
from episodes.models import Appearance, Episode, Guest, PlatformLink, Section, TranscriptLine
from tests.pages import MAX_EPISODE_QUERIES, get_all_pages, get_page

# --- shared helpers ------------------------------------------------------------------------------


# --- hand-made episodes --------------------------------------------------------------------------


@pytest.fixture
def show(db):
    """Three published episodes and a draft, with guests, links and a small transcript."""
    ada = Guest.objects.create(
        short="ada", title="Ada Lovelace", linkedin="ada-l", twitter="@ada", github="ada", web="www.ada.example.org"
    )
    # Bob's portrait is in media storage: a page shows only the images it can serve.
    default_storage.save("images/authors/bob.jpg", ContentFile(b"portrait"))
    bob = Guest.objects.create(short="bob", title="Bob Builder", picture="images/authors/bob.jpg")
    made = {}
    for number in (1, 2, 3):
        made[number] = Episode.objects.create(
            slug=f"ep-{number}", title=f"Episode {number}", season=4, number=number, youtube_id="abcDEF12345"
        )
    draft = Episode.objects.create(slug="draft", title="Secret draft", season=4, number=4, is_published=False)
    middle = made[2]
    Appearance.objects.create(episode=middle, guest=bob, position=0)
    Appearance.objects.create(episode=middle, guest=ada, position=1)
    for position, (platform, url) in enumerate(
        [
            ("spotify", "https://open.spotify.com/x"),
            ("apple", PlatformLink.TODO),
            ("youtube", "https://www.youtube.com/watch?v=abcDEF12345"),
            ("pocket_casts", "https://pca.st/x"),
        ]
    ):
        PlatformLink.objects.create(episode=middle, platform=platform, url=url, position=position)
    TranscriptLine.objects.create(
        episode=middle, position=0, text="Welcome to the show.", speaker="Alexey", sec=5, time="0:05"
    )
    Section.objects.create(episode=middle, position=1, title="Background")
    TranscriptLine.objects.create(
        episode=middle, position=2, text="Tell us about you.", speaker="Alexey:", sec=3608, time="60:08"
    )
    TranscriptLine.objects.create(episode=middle, position=3, text="An untimed answer.", speaker="Ada")
    Section.objects.create(episode=middle, position=4, title="Background")
    TranscriptLine.objects.create(episode=middle, position=5, text="Again.", speaker="Bob", sec=3700, time="1:01:40")
    return {"episodes": made, "draft": draft, "ada": ada, "bob": bob}


def test_episode_page_parts(show, client):
    page = get_page(client, "/podcast/ep-2/")
    text = page.text
    assert "Season 4, episode 2" in text
    # Guests in the file's order, each with a portrait (or its stand-in) and a profile link.
    guest_links = [a["href"] for a in page.find("a", class_="guest")]
    assert guest_links == ["/people/bob/", "/people/ada/"]
    assert page.find("img", class_="portrait", src="/media/images/authors/bob.jpg")
    # Known platforms by name in a fixed order, others by their own name, no TODO.
    platforms = re.findall(r'<ul class="platforms".*?</ul>', page.raw, re.DOTALL)[0]
    assert re.findall(r">([^<]+)</a>", platforms) == ["YouTube", "Spotify", "Pocket Casts"]
    # The privacy-enhanced player, its postMessage interface on for this page's origin alone.
    [player] = page.find("iframe", id="player")
    assert player["src"] == (
        "https://www.youtube-nocookie.com/embed/abcDEF12345?enablejsapi=1&origin=http%3A%2F%2Ftestserver&playsinline=1&rel=0"
    )
    # Speaker without the old colon; the time as written; the link at the second.
    assert "Alexey:" not in text
    assert page.find("a", class_="time", href="https://www.youtube.com/watch?v=abcDEF12345&t=3608")
    assert "60:08" in text
    # Repeated headings get distinct anchors; contents link to both.
    headings = [h["id"] for h in page.find("h3", class_="chapter__title")]
    assert headings == ["background", "background-2"]
    assert {"#background", "#background-2"} <= set(page.hrefs())
    # Previous and next.
    assert page.find("a", rel="prev", href="/podcast/ep-1/")
    assert page.find("a", rel="next", href="/podcast/ep-3/")
    # Downloads for every format the transcript allows.
    downloads = {a["href"] for a in page.find("a") if "download" in a}
    assert downloads == {
        f"/podcast/ep-2/{name}"
        for name in ("transcript.vtt", "transcript.srt", "transcript.json", "transcript.txt", "chapters.json")
    }


def test_episode_page_metadata(show, client):
    page = get_page(client, "/podcast/ep-2/")
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.raw, re.DOTALL)
    # The episode, then where the page sits in the site (tests/test_public_truth.py).
    assert [json.loads(script)["@type"] for script in scripts] == ["PodcastEpisode", "BreadcrumbList"]
    data = json.loads(scripts[0])
    assert data["name"] == "Episode 2"
    assert data["episodeNumber"] == 2
    assert data["partOfSeason"]["seasonNumber"] == 4
    assert data["url"] == "http://testserver/podcast/ep-2/"
    assert [actor["name"] for actor in data["actor"]] == ["Bob Builder", "Ada Lovelace"]
    assert page.meta("og:title") == "Episode 2"
    assert page.meta("og:url") == "http://testserver/podcast/ep-2/"
    assert page.meta("og:type")
    assert page.find("link", rel="canonical", href="http://testserver/podcast/ep-2/")


def test_ends_of_the_list_have_one_neighbour(show, client):
    first = get_page(client, "/podcast/ep-1/")
    assert not first.find("a", rel="prev")
    assert first.find("a", rel="next", href="/podcast/ep-2/")
    last = get_page(client, "/podcast/ep-3/")
    assert last.find("a", rel="prev", href="/podcast/ep-2/")
    assert not last.find("a", rel="next")
    # The draft is nobody's neighbour.
    assert "/podcast/draft/" not in last.hrefs()


def test_draft_is_404_for_visitors_and_shown_to_staff(show, client, django_user_model):
    assert client.get("/podcast/draft/").status_code == 404
    assert client.get("/podcast/draft.html").status_code == 301
    user = django_user_model.objects.create_user("reader", password="x")
    client.force_login(user)
    assert client.get("/podcast/draft/").status_code == 404
    staff = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get("/podcast/draft/")
    assert response.status_code == 200
    assert b"Draft preview" in response.content
    assert response["Cache-Control"].startswith("private")


def test_person_page_links_handles_and_bare_hosts(show, client):
    page = get_page(client, "/people/ada/")
    hrefs = page.hrefs()
    assert "https://www.linkedin.com/in/ada-l" in hrefs
    assert "https://twitter.com/ada" in hrefs
    assert "https://github.com/ada" in hrefs
    assert "https://www.ada.example.org" in hrefs
    assert "/podcast/ep-2/" in hrefs
    assert "Ada Lovelace" in page.text


def test_people_page_counts_published_episodes_only(show, client):
    Appearance.objects.create(episode=show["draft"], guest=show["ada"], position=0)
    Appearance.objects.create(episode=show["episodes"][1], guest=show["ada"], position=0)
    page = get_page(client, "/people/")
    assert "Ada Lovelace 2 episodes" in page.text
    assert "Bob Builder 1 episode" in page.text


def test_lists_are_paged_so_no_page_grows_with_the_archive(show, client, settings, django_assert_max_num_queries):
    ada = show["ada"]
    many = Episode.objects.bulk_create(
        Episode(slug=f"more-{n}", title=f"More {n}", season=1 + n // 40, number=n % 40) for n in range(130)
    )
    Appearance.objects.bulk_create(Appearance(episode=episode, guest=ada, position=0) for episode in many)
    Guest.objects.bulk_create(Guest(short=f"p{n}", title=f"P {n:03}") for n in range(130))
    Appearance.objects.bulk_create(
        Appearance(episode=many[n], guest=guest, position=1)
        for n, guest in enumerate(Guest.objects.filter(short__startswith="p"))
    )
    for url, per_page, total in (
        ("/podcast/", views.EPISODES_PER_PAGE, 133),
        (ada.get_absolute_url(), views.PERSON_EPISODES_PER_PAGE, 131),
        ("/people/", views.PEOPLE_PER_PAGE, 132),
    ):
        pages = get_all_pages(client, url)
        for number in (1, len(pages)):
            with django_assert_max_num_queries(6):
                client.get(f"{url}?page={number}")
        cards = [len(page.find("li", class_="card") or page.find("a", class_="person-card")) for page in pages]
        assert sum(cards) == total, url
        assert max(cards) == per_page, url
        assert len(pages) == -(-total // per_page), url
        assert client.get(url + "?page=99").status_code == 404
        assert client.get(url + "?page=x").status_code == 404


def test_unknown_addresses_are_404(show, client):
    for url in ("/podcast/nope/", "/people/nobody/", "/podcast/ep-2/transcript.doc", "/podcast/nope/transcript.vtt"):
        assert client.get(url).status_code == 404, url


def test_slugs_that_are_not_slugs_still_work(db, client):
    episode = Episode.objects.create(slug="s09e03-job-(summary-and-q&a)", title="Odd", season=9, number=3)
    guest = Guest.objects.create(short="ella(wati)sahnan", title="Ella")
    assert client.get(episode.get_absolute_url()).status_code == 200
    assert client.get(guest.get_absolute_url()).status_code == 200
    response = client.get("/podcast/s09e03-job-(summary-and-q&a).html")
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200


def test_episode_page_query_count_does_not_grow(show, client, django_assert_max_num_queries):
    episode = show["episodes"][3]
    guests = [Guest.objects.create(short=f"g{n}", title=f"G {n}") for n in range(12)]
    for n, guest in enumerate(guests):
        Appearance.objects.create(episode=episode, guest=guest, position=n)
    TranscriptLine.objects.bulk_create(
        TranscriptLine(episode=episode, position=n, text=f"Line {n}", speaker="A", sec=n) for n in range(2000)
    )
    Section.objects.bulk_create(Section(episode=episode, position=2000 + n, title=f"Part {n}") for n in range(50))
    with django_assert_max_num_queries(MAX_EPISODE_QUERIES):
        response = client.get("/podcast/ep-3/")
    assert response.content.count(b'<div class="line') == 2000


def test_neighbours_follow_newest_first_order_with_gaps_and_ties(db):
    made = [
        Episode.objects.create(slug=slug, title=slug, season=season, number=number)
        for slug, season, number in [
            ("s2e2", 2, 2), ("s2e1-a", 2, 1), ("s2e1-b", 2, 1), ("s2-none", 2, None),
            ("s1e9", 1, 9), ("none-1", None, 1), ("none-none", None, None),
        ]
    ]  # fmt: skip
    order = [e.slug for e in Episode.objects.newest_first()]
    assert order == ["s2e2", "s2e1-b", "s2e1-a", "s2-none", "s1e9", "none-1", "none-none"]
    published = Episode.objects.published()
    # slug: (the older one, the newer one)
    expected = {
        "s2e2": ("s2e1-b", None),
        "s2e1-b": ("s2e1-a", "s2e2"),
        "s2e1-a": ("s2-none", "s2e1-b"),
        "s2-none": ("s1e9", "s2e1-a"),
        "s1e9": ("none-1", "s2-none"),
        "none-1": ("none-none", "s1e9"),
        "none-none": (None, "none-1"),
    }
    for episode in made:
        older, newer = published.neighbours(episode)
        assert (getattr(older, "slug", None), getattr(newer, "slug", None)) == expected[episode.slug], episode.slug
    assert len(made) == len(order)
