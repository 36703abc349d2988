"""Public pages come from the cache and carry an ETag, and every kind of change shows on the very
next request: a save through the models, the admin's change page, find and replace, publishing,
deleting, an import, and a restore from history.

The content version moves after a commit; these tests run in a transaction that never commits,
so each change runs inside ``django_capture_on_commit_callbacks(execute=True)``, which runs the
commit callbacks as a commit would.
"""

import re

import pytest
from django.http import HttpResponse
from django.test import Client

from archive.importer import Importer
from episodes.models import ContentVersion, Episode, TranscriptLine
from tests import sites
from tests.admin_pages import TRANSCRIPT, change_form_data, change_url, row_index
from tests.pages import get_page

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

PUBLIC_URLS = (
    "/",
    "/podcast/",
    "/podcast/first/",
    "/podcast/first/transcript.vtt",
    "/people/",
    "/people/ann/",
    "/search/?q=spark",
    "/podcast/feed.xml",
    "/sitemap.xml",
    "/robots.txt",
)


@pytest.fixture
def site(committed_archive):
    return committed_archive


@pytest.fixture
def visitor():
    return Client()


def page(visitor, url="/podcast/first/"):
    return get_page(visitor, url).raw


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_second_visit_is_served_from_the_cache(site, visitor, url, django_assert_num_queries):
    first = visitor.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(1):  # the content version, nothing else
        second = visitor.get(url)
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert "no-cache" in second["Cache-Control"]
    assert "public" in second["Cache-Control"]


@pytest.mark.parametrize("cache_seconds", [600, 0])
def test_conditional_get_answers_not_modified_until_something_changes(
    site, visitor, settings, cache_seconds, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = cache_seconds
    for url in PUBLIC_URLS:
        etag = visitor.get(url)["ETag"]
        response = visitor.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304, url
        assert not response.content, url
    with django_capture_on_commit_callbacks(execute=True):
        TranscriptLine.objects.filter(text="Spark is fast.").get().save()
    response = visitor.get("/podcast/feed.xml", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_with_the_cache_off_every_visit_renders(site, visitor, settings, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 0
    visitor.get("/podcast/first/")
    with django_assert_num_queries(8):  # the version, then the page's own queries
        visitor.get("/podcast/first/")


def test_staff_are_neither_served_nor_stored(site, visitor, editor_client, django_assert_max_num_queries):
    draft = Episode.objects.create(slug="soon", title="Coming soon", season=3, number=1, is_published=False)
    assert visitor.get(draft.get_absolute_url()).status_code == 404
    preview = editor_client.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "ETag" not in preview
    assert "no-store" in preview["Cache-Control"]
    # The staff preview was not stored for visitors, nor the 404 for staff.
    assert visitor.get(draft.get_absolute_url()).status_code == 404
    assert "ETag" not in editor_client.get("/podcast/")


def test_a_save_through_the_models_shows_at_once(site, visitor, django_capture_on_commit_callbacks):
    assert "I started in physics." in page(visitor)
    line = TranscriptLine.objects.get(text="I started in physics.")
    line.text = "I started in chemistry."
    with django_capture_on_commit_callbacks(execute=True):
        line.save()
    text = page(visitor)
    assert "I started in chemistry." in text
    assert "I started in physics." not in text
    assert "chemistry" in page(visitor, "/podcast/first/transcript.vtt")


def test_nothing_moves_before_the_commit(site, visitor, django_capture_on_commit_callbacks):
    before = ContentVersion.objects.get().number
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for line in TranscriptLine.objects.all():
            line.save()
        assert ContentVersion.objects.get().number == before
    # However many rows a transaction saves, the version moves once.
    assert len(callbacks) == 1


def test_an_admin_save_shows_at_once(site, visitor, editor_client, django_capture_on_commit_callbacks):
    episode = site["first"]
    page(visitor)
    data = change_form_data(editor_client.get(change_url(episode)))
    line = TranscriptLine.objects.get(episode=episode, text="Tell us about yourself.")
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = "Tell us about your work."
    data["title"] = "The first episode"
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(change_url(episode), data).status_code == 302
    text = page(visitor)
    assert "Tell us about your work." in text
    assert "The first episode" in text
    assert "The first episode" in page(visitor, "/podcast/")
    assert "The first episode" in page(visitor, "/podcast/episodes.xml")


def test_find_and_replace_shows_at_once(site, visitor, editor_client, django_capture_on_commit_callbacks):
    assert "Spark is fast." in page(visitor, "/podcast/second/")
    find = "/admin/episodes/episode/find-replace/"
    preview = editor_client.get(find, {"find": "Spark", "replace": "Flink"}).content.decode()
    matches = re.findall(r'name="match" value="([^"]+)"', preview)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            find, {"find": "Spark", "replace": "Flink", "scope": "all", "match": matches, "apply": "1"}
        )
    assert response.status_code == 302
    assert "Flink is fast." in page(visitor, "/podcast/second/")
    assert "Flink" in page(visitor, "/search/?q=flink")


def test_unpublishing_and_deleting_show_at_once(site, visitor, editor_client, django_capture_on_commit_callbacks):
    first, second = site["first"], site["second"]
    assert "First episode" in page(visitor, "/podcast/")
    assert "First episode" in page(visitor, "/people/ann/")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post("/admin/episodes/episode/", {"action": "unpublish", "_selected_action": [first.pk]})
    assert visitor.get(first.get_absolute_url()).status_code == 404
    assert "First episode" not in page(visitor, "/podcast/")
    assert "First episode" not in page(visitor, "/podcast/episodes.xml")
    page(visitor, second.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        second.delete()
    assert visitor.get(second.get_absolute_url()).status_code == 410  # gone, no longer the cached page


def test_an_import_shows_at_once(site, visitor, tmp_path, django_capture_on_commit_callbacks):
    page(visitor)
    changed = [dict(item) for item in TRANSCRIPT]
    changed[0]["line"] = "Welcome back to the show."
    site = tmp_path / "incoming"
    sites.write_site(
        site,
        people=[],
        episodes=[
            sites.episode("first", guests=["ann"], transcript=changed, season=1, episode=1, title="First episode")
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = Importer().run([site / "_podcast" / "first.md"])
    assert [outcome.status for outcome in report.outcomes] == ["updated"]
    assert "Welcome back to the show." in page(visitor)
    # A dry run changes nothing, so it keeps the cache.
    etag = visitor.get("/podcast/first/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        Importer(dry_run=True, force=True).run([site / "_podcast" / "first.md"])
    assert visitor.get("/podcast/first/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_restore_from_history_shows_at_once(site, visitor, editor_client, django_capture_on_commit_callbacks):
    episode = site["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    line = TranscriptLine.objects.get(episode=episode, text="I started in physics.")
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = "I started in chemistry."
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(change_url(episode), data).status_code == 302
    assert "I started in chemistry." in page(visitor)
    history = editor_client.get(f"/admin/episodes/episode/{episode.pk}/history/").content.decode()
    oldest = re.findall(r'href="(/admin/episodes/episode/\d+/history/\d+/)"', history)[0]
    restore = editor_client.get(oldest)
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(oldest, change_form_data(restore)).status_code == 302
    text = page(visitor)
    assert "I started in physics." in text
    assert "I started in chemistry." not in text


def test_logging_in_keeps_the_cache(site, visitor, editor, django_capture_on_commit_callbacks):
    etag = visitor.get("/podcast/first/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/admin/login/?next=/admin/", {"username": "edith", "password": "correct-horse-battery"}
        )
    assert response.status_code == 302
    assert visitor.get("/podcast/first/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("saved_through_the_models", [True, False])
def test_an_admin_write_moves_the_version_once(
    rf, editor, saved_through_the_models, django_capture_on_commit_callbacks
):
    # In production the admin's own commit has run its callbacks (a model save's bump) by the
    # time the middleware looks; a bulk tool's UPDATE has none, and the middleware moves it.
    from episodes import caching

    def view(request):
        if saved_through_the_models:
            caching._bump()  # what the commit of a save through the models does
        return HttpResponse(status=302)

    request = rf.post(change_url(Episode(pk=1)))
    request.user = editor
    before = ContentVersion.objects.get(pk=1).number if ContentVersion.objects.exists() else 0
    with django_capture_on_commit_callbacks(execute=True):
        caching.AdminWritesMiddleware(view)(request)
    assert ContentVersion.objects.get(pk=1).number == before + 1
