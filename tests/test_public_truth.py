"""Public pages that tell the truth: search that shows every match, counts that are true, and
pages that describe themselves (canonical links, descriptions, structured data)."""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from episodes import search
from episodes.models import Appearance, Episode, Guest, TranscriptLine
from tests.pages import get_all_pages, get_page
from tests.truth import count_shown, hit_urls


@pytest.fixture
def many(db):
    """More matching episodes than a page holds, over two seasons, with two speakers."""
    for n in range(search.EPISODES_PER_PAGE + 5):
        episode = Episode.objects.create(slug=f"ep-{n}", title=f"Episode {n}", season=1 + n % 2, number=n)
        TranscriptLine.objects.create(episode=episode, position=0, text="We talk about data.", speaker="Alexey:")
        if n % 5 == 0:
            TranscriptLine.objects.create(episode=episode, position=1, text="More data here.", speaker="Kim")
    return search.EPISODES_PER_PAGE + 5


def test_search_count_is_every_match_not_one_page(many, client):
    page = get_page(client, "/search/?q=data")
    assert count_shown(page) == many


def test_search_pages_lead_to_every_match_once(many, client):
    pages = get_all_pages(client, "/search/?q=data")
    assert len(pages) == 2
    slugs = [slug for page in pages for slug in hit_urls(page)]
    assert len(slugs) == len(set(slugs)) == many


def test_search_page_links_keep_the_query(many, client):
    page = get_page(client, "/search/?" + urlencode({"q": "data"}))
    (following,) = [a["href"] for a in page.find("a") if a.get("rel") == "next"]
    assert following == "?q=data&page=2"
    second = get_page(client, "/search/" + following)
    (previous,) = [a["href"] for a in second.find("a") if a.get("rel") == "prev"]
    assert previous == "?q=data&page=1"


def test_search_page_links_keep_the_filters(many, client):
    page = get_page(client, "/search/?" + urlencode({"q": "data", "speaker": "Alexey", "page": 2}))
    (previous,) = [a["href"] for a in page.find("a") if a.get("rel") == "prev"]
    assert previous == "?q=data&speaker=Alexey&page=1"


def test_search_page_past_the_last_is_not_found(many, client):
    get_page(client, "/search/?q=data&page=9", status=404)


def test_search_narrows_by_season(many, client):
    page = get_page(client, "/search/?q=data&season=2")
    expected = Episode.objects.filter(season=2).count()
    assert count_shown(page) == expected
    assert all(int(slug.strip("/").split("-")[-1]) % 2 == 1 for slug in hit_urls(page))
    (chosen,) = page.find("option", value="2")
    assert "selected" in chosen


def test_search_narrows_by_speaker_of_the_lines(many, client):
    page = get_page(client, "/search/?q=data&speaker=kim")
    assert count_shown(page) == len(range(0, many, 5))
    assert "Alexey" not in page.text.split("said by")[-1]
    # The older "Alexey:" spelling is the same speaker.
    assert count_shown(get_page(client, "/search/?q=data&speaker=Alexey")) == many


def test_search_with_a_season_that_is_not_a_number_narrows_nothing(many, client):
    assert count_shown(get_page(client, "/search/?q=data&season=x")) == many


@pytest.fixture
def covers(db, media_root):
    """An episode whose cover is in media storage, and one whose row names a file that is not."""
    default_storage.save("images/podcast/here.jpg", ContentFile(b"\xff\xd8\xff\xe0 not really a jpeg"))
    here = Episode.objects.create(slug="here", title="Here", season=1, number=1, image="images/podcast/here.jpg")
    gone = Episode.objects.create(slug="gone", title="Gone", season=1, number=2, image="images/podcast/gone.jpg")
    guest = Guest.objects.create(short="kim", title="Kim", picture="images/authors/kim.jpg")
    Appearance.objects.create(episode=gone, guest=guest, position=0)
    return here, gone


@pytest.mark.parametrize("url", ["/", "/podcast/", "/people/kim/"])
def test_a_missing_cover_is_a_placeholder_not_a_request(covers, client, url):
    page = get_page(client, url)
    sources = [img["src"] for img in page.find("img")]
    assert "/media/images/podcast/gone.jpg" not in sources
    assert "/media/images/podcast/here.jpg" in sources or url == "/people/kim/"
    assert page.find("span", class_="cover-placeholder")


def test_a_missing_cover_is_left_out_of_the_episode_page(covers, client):
    assert not get_page(client, "/podcast/gone/").find("img", class_="episode-top__cover")
    assert get_page(client, "/podcast/here/").find("img", src="/media/images/podcast/here.jpg")


@pytest.mark.parametrize("url", ["/podcast/gone/", "/people/", "/people/kim/"])
def test_a_missing_portrait_is_an_initial_not_a_request(covers, client, url):
    page = get_page(client, url)
    assert "/media/images/authors/kim.jpg" not in [img["src"] for img in page.find("img")]
    assert page.find("span", class_="portrait--empty")


def test_pages_name_an_icon_that_the_site_serves(db, client):
    (icon,) = get_page(client, "/").find("link", rel="icon")
    assert icon["href"].startswith(settings.STATIC_URL)
    path = finders.find(icon["href"].removeprefix(settings.STATIC_URL))
    assert path and Path(path).read_text(encoding="utf-8").startswith("<svg")
