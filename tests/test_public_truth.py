"""Public pages that tell the truth: search that shows every match, counts that are true, and
pages that describe themselves (canonical links, descriptions, structured data)."""

import re
from urllib.parse import urlencode

import pytest

from episodes import search
from episodes.models import Episode, TranscriptLine
from tests.pages import clear_archive, get_all_pages, get_page, load_snapshot


def _hit_slugs(page):
    return re.findall(r'class="hit__title"><a href="([^"]+)"', page.raw)


def _count_shown(page):
    found = re.search(r"(\d+) episodes? for", page.text)
    return int(found.group(1)) if found else 0


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
    assert _count_shown(page) == many


def test_search_pages_lead_to_every_match_once(many, client):
    pages = get_all_pages(client, "/search/?q=data")
    assert len(pages) == 2
    slugs = [slug for page in pages for slug in _hit_slugs(page)]
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
    assert _count_shown(page) == expected
    assert all(int(slug.strip("/").split("-")[-1]) % 2 == 1 for slug in _hit_slugs(page))
    (chosen,) = page.find("option", value="2")
    assert "selected" in chosen


def test_search_narrows_by_speaker_of_the_lines(many, client):
    page = get_page(client, "/search/?q=data&speaker=kim")
    assert _count_shown(page) == len(range(0, many, 5))
    assert "Alexey" not in page.text.split("said by")[-1]
    # The older "Alexey:" spelling is the same speaker.
    assert _count_shown(get_page(client, "/search/?q=data&speaker=Alexey")) == many


def test_search_with_a_season_that_is_not_a_number_narrows_nothing(many, client):
    assert _count_shown(get_page(client, "/search/?q=data&season=x")) == many


@pytest.fixture(scope="module")
def archive(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        load_snapshot("2026-06", tmp_path_factory.mktemp("media"))
    yield
    with django_db_blocker.unblock():
        clear_archive()


@pytest.mark.corpus
@pytest.mark.django_db
def test_real_search_for_data_shows_every_matching_episode(archive, client):
    pages = get_all_pages(client, "/search/?q=data")
    slugs = [slug for page in pages for slug in _hit_slugs(page)]
    # The count on the page is what the pages hold, and far more than one page.
    assert _count_shown(pages[0]) == len(slugs) == len(set(slugs)) > search.EPISODES_PER_PAGE
