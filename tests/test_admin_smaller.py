"""The admin's smaller promises: find and replace counts every match when it shows only some; the
admin names the show; the spreadsheet export carries the platform links and starts with a
format chosen."""

import re

import pytest

from editorial import findreplace
from editorial.resources import EpisodeResource
from episodes.models import Section, TranscriptLine
from tests.admin_pages import FIND
from tests.real_episodes import import_real

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db

# Real 2026-06 episodes, each of them with "data" said many times.
REAL_EPISODES = ("crisp-dm", "data-team-roles", "dataops-for-data-engineering")


def count_of(word):
    """(matches, episodes) of ``word`` in every line and section title, counted here."""
    texts = [
        *TranscriptLine.objects.values_list("episode_id", "text"),
        *Section.objects.values_list("episode_id", "title"),
    ]
    found = [(episode, len(re.findall(re.escape(word), text, re.IGNORECASE))) for episode, text in texts]
    return sum(n for _, n in found), len({episode for episode, n in found if n})


@pytest.mark.corpus
def test_a_cut_list_of_matches_still_counts_them_all_and_their_episodes(editor_client, monkeypatch, settings):
    settings.PODCAST_HOSTS = None
    import_real("2026-06", *REAL_EPISODES)
    monkeypatch.setattr(findreplace, "MAX_MATCHES", 25)
    total, episodes = count_of("data")
    assert total > 25
    assert episodes == len(REAL_EPISODES)
    page = editor_client.get(FIND, {"find": "data", "replace": "Data"}).content.decode()
    assert f"25 of {total:,} matches shown, in {episodes} episodes" in page
    assert page.count('name="match"') == 25


def test_a_whole_list_of_matches_says_its_count_alone(editor_client, archive):
    page = editor_client.get(FIND, {"find": "spark", "replace": "Spark"}).content.decode()
    assert "4 matches in 2 episodes" in page
    assert "shown" not in page


def test_the_admin_names_the_show(editor_client, settings):
    settings.PODCAST_NAME = "Data Talks Podcast"
    page = editor_client.get("/admin/").content.decode()
    assert re.search(r"<title>[^<]*Data Talks Podcast admin</title>", page)
    assert re.search(r'id="site-name"><a [^>]*>Data Talks Podcast admin</a>', page)
    assert "Django administration" not in page


def test_the_export_has_each_episodes_platform_links(archive):
    dataset = EpisodeResource().export()
    rows = {row["slug"]: row for row in dataset.dict}
    links = dict(archive["first"].links.values_list("platform", "url"))
    assert links and all(rows["first"][f"{platform} link"] == url for platform, url in links.items())


def test_the_export_starts_with_xlsx_chosen(editor_client, archive):
    page = editor_client.get("/admin/episodes/episode/export/").content.decode()
    assert re.search(r'<option value="\d+" selected>xlsx</option>', page)
    assert '<option value="">---</option>' not in page
