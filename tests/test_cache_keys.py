"""A page is cached once, whatever query parameters it does not read: 200 visits with a random
``?x=`` used to store 200 copies of it for a day. The parameters a view reads (``page``, ``q``)
still give each page its own copy."""

import uuid

import pytest
from django.urls import URLPattern

from episodes import urls, views

pytest_plugins = ["tests.admin_fixtures"]

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def site(committed_archive):
    return committed_archive


@pytest.mark.parametrize("url", ["/", "/podcast/first/", "/podcast/feed.xml", "/people/ann/"])
def test_parameters_a_page_does_not_read_are_served_its_one_cached_copy(site, client, url, django_assert_num_queries):
    first = client.get(url)
    for _ in range(20):
        with django_assert_num_queries(1):  # the content version: the page came from the cache
            response = client.get(url, {"x": uuid.uuid4().hex, "utm_source": "newsletter"})
        assert response.status_code == 200
        assert response.content == first.content


def test_the_search_query_keys_its_own_cached_copy(site, client, django_assert_num_queries):
    spark = client.get("/search/", {"q": "spark"}).content.decode()
    physics = client.get("/search/", {"q": "physics"}).content.decode()
    assert "Second episode" in spark
    assert "Second episode" not in physics
    with django_assert_num_queries(1):
        again = client.get("/search/", {"x": "1", "q": "spark"})
    assert again.content.decode() == spark


def test_the_page_number_keys_its_own_cached_copy(site, client, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(views, "EPISODES_PER_PAGE", 1)
    one = client.get("/podcast/", {"page": "1"}).content.decode()
    two = client.get("/podcast/", {"page": "2"}).content.decode()
    assert "Second episode" in one
    assert "First episode" in two
    assert "First episode" not in one
    with django_assert_num_queries(1):
        again = client.get("/podcast/", {"page": "2", "x": "1"})
    assert again.content.decode() == two


def test_every_cached_page_names_the_parameters_it_reads():
    """A view that does not say which parameters it reads is keyed on its whole query string,
    which is safe but lets the cache grow again: a new page must say them in urls.py."""
    cached = [p for p in urls.urlpatterns if isinstance(p, URLPattern) and hasattr(p.callback, "query_parameters")]
    assert len(cached) == 11  # the episodes feed, podcast/episodes.xml, is the eleventh
    assert [p.name for p in cached if p.callback.query_parameters is None] == []


def test_a_search_narrowed_by_season_keys_its_own_cached_copy(site, client):
    everything = client.get("/search/", {"q": "spark"}).content.decode()
    season_two = client.get("/search/", {"q": "spark", "season": "1"}).content.decode()
    assert "Second episode" in everything
    assert "Second episode" not in season_two


def test_the_browsers_icon_request_finds_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
