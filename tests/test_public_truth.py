"""Public pages that tell the truth: search that shows every match, counts that are true, and
pages that describe themselves (canonical links, descriptions, structured data)."""

import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from episodes import search, views
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
    assert path
    assert Path(path).read_text(encoding="utf-8").startswith("<svg")


@pytest.fixture
def people_pages(db):
    """A guest with a profile, on more episodes than a person page holds; one without a summary."""
    kim = Guest.objects.create(short="kim", title="Kim Lee", bio_short="Builds pipelines.", twitter="kimlee")
    for n in range(views.PERSON_EPISODES_PER_PAGE + 1):
        episode = Episode.objects.create(
            slug=f"ep-{n}",
            title=f"Episode {n}",
            season=2,
            number=n,
            description=f"Episode {n} is about things." if n else "",
            youtube_id="abcDEF12345",
            duration="PT00H58M42S",
        )
        Appearance.objects.create(episode=episode, guest=kim, position=0)
    return kim


def _json_ld(page, kind):
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.raw, re.DOTALL)
    (found,) = [data for data in map(json.loads, scripts) if data["@type"] == kind]
    return found


@pytest.mark.parametrize("path", ["/", "/podcast/", "/podcast/ep-0/", "/people/", "/people/kim/"])
def test_every_page_names_its_one_canonical_address(people_pages, client, path):
    (link,) = get_page(client, path).find("link", rel="canonical")
    assert link["href"] == f"http://testserver{path}"


def test_a_later_page_of_a_list_is_its_own_canonical_address(people_pages, client):
    (link,) = get_page(client, "/people/kim/?page=2").find("link", rel="canonical")
    assert link["href"] == "http://testserver/people/kim/?page=2"


def test_an_episode_without_a_summary_is_still_described(people_pages, client):
    page = get_page(client, "/podcast/ep-0/")
    assert page.meta("description").startswith("Episode 0: an episode of the")
    assert "Kim Lee" in page.meta("description")
    assert page.meta("og:description") == page.meta("description")


def test_an_episode_is_described_by_its_summary(people_pages, client):
    assert get_page(client, "/podcast/ep-3/").meta("description") == "Episode 3 is about things."


def test_a_person_without_a_biography_is_still_described(people_pages, client):
    Guest.objects.filter(short="kim").update(bio_short="")
    assert get_page(client, "/people/kim/").meta("description").startswith("Kim Lee on the")


def test_person_page_is_a_profile_page_about_the_person(people_pages, client):
    data = _json_ld(get_page(client, "/people/kim/"), "ProfilePage")
    person = data["mainEntity"]
    assert person["@type"] == "Person"
    assert person["name"] == "Kim Lee"
    assert person["url"] == "http://testserver/people/kim/"
    assert person["description"] == "Builds pipelines."
    assert any("kimlee" in url for url in person["sameAs"])


def test_a_name_cannot_end_the_structured_data_script(people_pages, client):
    Guest.objects.filter(short="kim").update(title="</script><script>alert(1)</script>")
    page = get_page(client, "/people/kim/")
    assert "<script>alert" not in page.raw
    assert _json_ld(page, "ProfilePage")["mainEntity"]["name"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize(
    "path, trail",
    [
        ("/podcast/ep-3/", ["/", "/podcast/", "/podcast/ep-3/"]),
        ("/people/kim/", ["/", "/people/", "/people/kim/"]),
        ("/podcast/", ["/", "/podcast/"]),
        ("/people/", ["/", "/people/"]),
    ],
)
def test_breadcrumbs_lead_from_home_to_the_page(people_pages, client, path, trail):
    data = _json_ld(get_page(client, path), "BreadcrumbList")
    items = data["itemListElement"]
    assert [item["item"] for item in items] == [f"http://testserver{step}" for step in trail]
    assert [item["position"] for item in items] == list(range(1, len(trail) + 1))


def test_episode_video_has_its_description_and_duration(people_pages, client):
    video = _json_ld(get_page(client, "/podcast/ep-3/"), "PodcastEpisode")["associatedMedia"]
    assert video["@type"] == "VideoObject"
    assert video["description"] == "Episode 3 is about things."
    assert video["duration"] == "PT00H58M42S"
