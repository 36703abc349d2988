"""The real archive's pages tell the truth: search counts, descriptions, structured data.

The 2026-06 snapshot is imported once for the module and only read by its tests.
"""

import pytest

from episodes import search
from episodes.models import Episode, Guest
from tests.pages import clear_archive, get_all_pages, get_page, load_snapshot
from tests.truth import count_shown, hit_urls


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
    slugs = [slug for page in pages for slug in hit_urls(page)]
    # The count on the page is what the pages hold, and far more than one page.
    assert count_shown(pages[0]) == len(slugs) == len(set(slugs)) > search.EPISODES_PER_PAGE


@pytest.mark.corpus
@pytest.mark.django_db
def test_real_episode_pages_all_say_what_they_are_about(archive, client):
    for slug in Episode.objects.published().values_list("slug", flat=True):
        page = get_page(client, f"/podcast/{slug}/")
        assert (page.meta("description") or "").strip(), slug
        assert page.find("link", rel="canonical", href=f"http://testserver/podcast/{slug}/"), slug


@pytest.mark.corpus
@pytest.mark.django_db
def test_real_person_pages_all_say_who_they_are_about(archive, client):
    for short in Guest.objects.on_air().values_list("short", flat=True):
        page = get_page(client, f"/people/{short}/")
        assert (page.meta("description") or "").strip(), short
        assert page.find("link", rel="canonical", href=f"http://testserver/people/{short}/"), short
        assert '"@type": "ProfilePage"' in page.raw, short
