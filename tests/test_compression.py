"""Pages, feeds and transcript files go out in gzip to the clients that ask for it, and as they
are to the others; both copies carry the content version as their ETag and revalidate alike.

Over the real archive's 2026-06 snapshot, imported once for the module: its largest episode
page (about 180 KB), both feeds and every transcript file of that episode.
"""

import gzip

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.urls import reverse

from episodes import caching
from episodes.transcripts import FORMATS
from tests.pages import clear_archive, largest_episode, load_snapshot

pytest_plugins = ["tests.admin_fixtures"]  # editor_client

pytestmark = [pytest.mark.corpus, pytest.mark.django_db]

BROWSER = "gzip, deflate, br, zstd"  # what browsers send


@pytest.fixture(scope="module")
def snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    """The 2026-06 snapshot, committed (the content version moved with its import)."""
    with django_db_blocker.unblock():
        load_snapshot("2026-06", tmp_path_factory.mktemp("media-2026-06"))
        episode = largest_episode()
    yield episode
    with django_db_blocker.unblock():
        clear_archive()


@pytest.fixture(params=["cached", "uncached"])
def cache_mode(request, settings):
    """The page cache on (the page comes from the cache from its second visit) and off (every
    visit renders): compression is the same either way."""
    settings.PAGE_CACHE_SECONDS = 600 if request.param == "cached" else 0
    cache.clear()
    yield request.param
    cache.clear()


def urls(episode):
    pages = {
        "largest episode": episode.get_absolute_url(),
        "podcast feed": reverse("episodes:feed"),
        "episodes feed": reverse("episodes:episodes_feed"),
    }
    for rendering in FORMATS:
        pages[rendering.filename] = reverse("episodes:transcript_file", args=[episode.slug, rendering.filename])
    return pages


@pytest.fixture(params=["largest episode", "podcast feed", "episodes feed", *(r.filename for r in FORMATS)])
def url(request, snapshot):
    return urls(snapshot)[request.param]


def vary(response):
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def test_asked_for_gzip_the_answer_is_the_plain_bytes_compressed(client, url, cache_mode):
    for _ in range(2):  # the first visit renders; the second is a cache hit when the cache is on
        plain = client.get(url)
        packed = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)
        assert plain.status_code == packed.status_code == 200, url
        assert "Content-Encoding" not in plain
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
        assert int(plain["Content-Length"]) == len(plain.content)
        assert packed["Content-Type"] == plain["Content-Type"]
        # One version, two representations: the compressed one's ETag is the weak form.
        assert plain["ETag"].startswith('"')
        assert packed["ETag"] == "W/" + plain["ETag"]
        assert packed["Last-Modified"] == plain["Last-Modified"]
        assert "accept-encoding" in vary(plain)
        assert "accept-encoding" in vary(packed)
        assert "no-cache" in packed["Cache-Control"]
        assert "public" in packed["Cache-Control"]


def test_the_largest_page_and_the_feed_shrink_to_a_fraction(client, snapshot, settings):
    settings.PAGE_CACHE_SECONDS = 0
    for name in ("largest episode", "episodes feed"):
        url = urls(snapshot)[name]
        plain, packed = client.get(url), client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert len(packed.content) < len(plain.content) / 4, (name, len(plain.content), len(packed.content))


@pytest.mark.parametrize("header", [None, "", "identity", "br", "deflate, br", "gzip;q=0", "gzip; q=0.0, br"])
def test_not_asked_for_gzip_the_answer_is_plain(client, snapshot, cache_mode, header):
    url = snapshot.get_absolute_url()
    extra = {} if header is None else {"HTTP_ACCEPT_ENCODING": header}
    for _ in range(2):
        response = client.get(url, **extra)
        assert response.status_code == 200
        assert "Content-Encoding" not in response
        assert b"<html" in response.content[:200].lower()
        assert not response["ETag"].startswith("W/")


@pytest.mark.parametrize("header", ["gzip", "GZIP", "x-gzip", "br;q=1.0, gzip;q=0.5", "deflate,gzip"])
def test_every_way_of_asking_for_gzip_gets_it(client, snapshot, header):
    assert client.get(snapshot.get_absolute_url(), HTTP_ACCEPT_ENCODING=header)["Content-Encoding"] == "gzip"


def test_either_etag_revalidates_either_copy(client, url, cache_mode):
    plain = client.get(url)["ETag"]
    packed = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)["ETag"]
    for etag in (plain, packed):
        for encoding in ("", BROWSER):
            response = client.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_ENCODING=encoding)
            assert response.status_code == 304, (url, etag, encoding)
            assert not response.content, (url, etag, encoding)
            assert response["ETag"] == (packed if encoding else plain)
            assert "accept-encoding" in vary(response)
            assert "Content-Encoding" not in response
    # A list, as a browser that kept both sends it.
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"other", {packed}').status_code == 304


def test_a_compressed_page_is_the_same_bytes_every_time(client, snapshot, settings):
    # No time, no name and no random padding in the gzip header: the copy one process stores
    # and the copy another makes are the same bytes under the same ETag.
    settings.PAGE_CACHE_SECONDS = 0
    url = urls(snapshot)["episodes feed"]
    first, second = (client.get(url, HTTP_ACCEPT_ENCODING="gzip") for _ in range(2))
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    assert first.content[3] == 0  # FLG: no file name, no comment, no extra field
    assert first.content[4:8] == bytes(4)  # MTIME: none


def test_a_cache_hit_reads_the_compressed_copy_and_compresses_nothing(
    client, snapshot, settings, monkeypatch, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    url = snapshot.get_absolute_url()
    first = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)

    def refuse(content):
        raise AssertionError("compressed again on a cache hit")

    monkeypatch.setattr(caching, "gzip_body", refuse)
    for _ in range(3):
        with django_assert_num_queries(1):  # the content version
            again = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)
        assert again.content == first.content
        assert again["ETag"] == first["ETag"]
    with django_assert_num_queries(1):
        assert gzip.decompress(first.content) == client.get(url).content
    cache.clear()


@pytest.fixture
def database_down(client, rf, snapshot, settings, monkeypatch):
    """The largest page kept by the cache in both copies, then the database out of reach:
    (url, the plain copy and the compressed one as served before, the page's cache key)."""
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    url = snapshot.get_absolute_url()
    before_plain, before_packed = client.get(url), client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)
    key = caching._cache_key(rf.get(url), caching.current_version(), ())

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(caching, "_version", unreachable)
    yield url, before_plain, before_packed, key
    cache.clear()


def test_while_the_database_is_down_the_kept_copies_are_served_as_they_were(client, database_down):
    url, before_plain, before_packed, _ = database_down
    packed = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)
    plain = client.get(url)
    for during, before in ((packed, before_packed), (plain, before_plain)):
        assert during.status_code == 200
        assert during["X-Cache-Status"] == "STALE"
        assert during.content == before.content
        assert during["ETag"] == before["ETag"]
        assert during["Last-Modified"] == before["Last-Modified"]
    assert packed["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain


@pytest.mark.parametrize(
    "asked, copy, validator",
    [("HTTP_IF_NONE_MATCH", "packed", "ETag"), ("HTTP_IF_MODIFIED_SINCE", "plain", "Last-Modified")],
)
def test_while_the_database_is_down_a_kept_copy_revalidates(client, database_down, asked, copy, validator):
    url, before_plain, before_packed, _ = database_down
    before = {"plain": before_plain, "packed": before_packed}[copy]
    response = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER, **{asked: before[validator]})
    assert response.status_code == 304
    assert response["X-Cache-Status"] == "STALE"


def test_while_the_database_is_down_a_plain_copy_kept_alone_is_compressed_on_its_way_out(client, database_down):
    url, before_plain, before_packed, key = database_down
    cache.delete(key + caching.GZIP)
    kept = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)
    assert kept.status_code == 200
    assert kept["Content-Encoding"] == "gzip"
    assert kept["ETag"] == before_packed["ETag"]  # the same weak ETag
    assert gzip.decompress(kept.content) == before_plain.content


def test_pages_the_cache_never_keeps_are_compressed_on_the_way_out(editor_client, snapshot):
    """Staff pages (previews, the admin) are compressed by the middleware, padded at random
    against BREACH; they are never the cache's."""
    for url in (snapshot.get_absolute_url(), f"/admin/episodes/episode/{snapshot.pk}/change/"):
        plain = editor_client.get(url)
        packed = editor_client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)
        assert plain.status_code == packed.status_code == 200, url
        assert "Content-Encoding" not in plain
        assert "accept-encoding" in vary(plain)
        assert packed["Content-Encoding"] == "gzip"
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
        assert len(gzip.decompress(packed.content)) > 0


def test_small_answers_go_out_plain(client, snapshot):
    response = client.get("/robots.txt", HTTP_ACCEPT_ENCODING=BROWSER)
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert b"Sitemap:" in response.content
