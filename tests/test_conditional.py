"""Conditional GET by date as well as by ETag.

Public pages and feeds carry ``Last-Modified``, the second their content version was made, and
answer If-Modified-Since with a 304 until the content changes; two app servers give the same
ETag and date, and the same compressed bytes. Media files say how long they may be kept and
answer both validators.

The content version moves after a commit; these tests run in a transaction that never commits,
so each change runs inside ``django_capture_on_commit_callbacks(execute=True)``.
"""

import gzip
import os
import time
import types
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.http import http_date

from archive.importer import Importer
from episodes import caching
from episodes.models import ContentVersion, TranscriptLine
from tests.conftest import SAMPLE
from tests.servers import START_TIMEOUT, Server, anonymous

pytest_plugins = ["tests.admin_fixtures"]  # the small archive

pytestmark = pytest.mark.django_db

PUBLIC_URLS = (
    "/",
    "/podcast/",
    "/podcast/first/",
    "/podcast/first/transcript.vtt",
    "/podcast/feed.xml",
    "/podcast/episodes.xml",
    "/people/",
    "/people/ann/",
    "/search/?q=spark",
    "/sitemap.xml",
    "/robots.txt",
)


def an_hour_ago():
    return timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def site(committed_archive):
    """The small archive, its content version made an hour ago (a version made just now may be
    dated a few seconds ahead, after the burst of changes an import is: see ``dated``)."""
    ContentVersion.objects.filter(pk=1).update(changed_at=an_hour_ago())
    return committed_archive


@pytest.fixture(params=[600, 0], ids=["cached", "uncached"])
def cache_seconds(request, settings, page_cache_on):
    settings.PAGE_CACHE_SECONDS = request.param
    return request.param


def version_date():
    return http_date(ContentVersion.objects.get(pk=1).changed_at.timestamp())


def change_a_line(django_capture_on_commit_callbacks):
    line = TranscriptLine.objects.filter(text__startswith="I started in physics").get()
    line.text = f"I started in physics, {uuid.uuid4().hex[:6]}."
    with django_capture_on_commit_callbacks(execute=True):
        line.save()


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_page_is_dated_by_its_version_and_answers_if_modified_since(site, client, cache_seconds, url):
    first = client.get(url)
    assert first.status_code == 200, url
    # The version's date, also on the feeds and the sitemap, whose views date themselves by
    # their newest item (an edit to an older one would not move that).
    assert first["Last-Modified"] == version_date()
    since = parsedate_to_datetime(first["Last-Modified"])
    for asked in (since, since + timedelta(days=1)):
        for encoding in ("", "gzip"):
            response = client.get(
                url, HTTP_IF_MODIFIED_SINCE=http_date(asked.timestamp()), HTTP_ACCEPT_ENCODING=encoding
            )
            assert response.status_code == 304, (url, asked)
            assert not response.content, (url, asked)
            assert response["Last-Modified"] == first["Last-Modified"]
            assert response["ETag"] == ("W/" if encoding else "") + first["ETag"]
    earlier = client.get(url, HTTP_IF_MODIFIED_SINCE=http_date((since - timedelta(seconds=1)).timestamp()))
    assert earlier.status_code == 200
    assert earlier.content == first.content


def test_a_change_gets_the_page_again_by_date(site, client, cache_seconds, django_capture_on_commit_callbacks):
    url = "/podcast/first/"
    before = client.get(url)
    change_a_line(django_capture_on_commit_callbacks)
    after = client.get(url, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
    assert after.status_code == 200
    assert after.content != before.content
    assert parsedate_to_datetime(after["Last-Modified"]) > parsedate_to_datetime(before["Last-Modified"])
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=after["Last-Modified"]).status_code == 304
    # The feed too.
    feed = client.get("/podcast/episodes.xml", HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
    assert feed.status_code == 200
    assert feed["Last-Modified"] == after["Last-Modified"]


def test_changes_within_one_second_are_dated_apart(site, client, django_capture_on_commit_callbacks):
    """A date of one second cannot tell apart two versions made in it: each version gets a
    second of its own, and one dated ahead of the clock goes out with no date at all."""
    url = "/podcast/first/"
    dates = []
    for _ in range(3):
        seen = client.get(url)
        dates.append(ContentVersion.objects.get(pk=1).changed_at)
        change_a_line(django_capture_on_commit_callbacks)
        # The version seen is older than the one now: by date as by ETag, the page comes again.
        if "Last-Modified" in seen:
            assert client.get(url, HTTP_IF_MODIFIED_SINCE=seen["Last-Modified"]).status_code == 200
        assert client.get(url, HTTP_IF_NONE_MATCH=seen["ETag"]).status_code == 200
    seconds = [int(date.timestamp()) for date in dates]
    assert seconds == sorted(set(seconds)), dates


def test_a_version_dated_ahead_of_the_clock_sends_no_date(site, client, cache_seconds):
    ContentVersion.objects.filter(pk=1).update(changed_at=timezone.now() + timedelta(hours=1))
    response = client.get("/podcast/first/")
    assert response.status_code == 200
    assert "Last-Modified" not in response
    # A date the client has from elsewhere cannot answer for this version; the ETag can.
    future = http_date(time.time() + 7200)
    assert client.get("/podcast/first/", HTTP_IF_MODIFIED_SINCE=future).status_code == 200
    assert client.get("/podcast/first/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_page_cached_before_its_date_came_is_dated_once_it_has(
    site, client, settings, page_cache_on, monkeypatch, django_assert_num_queries
):
    ahead = timezone.now().replace(microsecond=0) + timedelta(seconds=30)
    ContentVersion.objects.filter(pk=1).update(changed_at=ahead)
    assert "Last-Modified" not in client.get("/podcast/first/")  # rendered and stored so
    monkeypatch.setattr(caching, "time", types.SimpleNamespace(time=lambda: ahead.timestamp() + 1))
    with django_assert_num_queries(1):  # the same copy, from the cache
        response = client.get("/podcast/first/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert response["Last-Modified"] == http_date(ahead.timestamp())
    assert client.get("/podcast/first/", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304


def test_an_etag_that_does_not_match_wins_over_a_date_that_does(site, client, cache_seconds):
    first = client.get("/podcast/first/")
    response = client.get(
        "/podcast/first/", HTTP_IF_NONE_MATCH='"another"', HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert response.status_code == 200
    assert response.content == first.content


def test_versions_made_at_once_each_have_a_second_of_their_own(db):
    for _ in range(3):
        caching._bump()
    stamps = [caching._version()[1]]
    for _ in range(3):
        caching._bump()
        stamps.append(caching._version()[1])
    assert stamps == sorted(set(stamps))
    assert stamps[-1] - stamps[0] == 3


# --- two app servers --------------------------------------------------------------------------------


def _database_url():
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    user = quote(db["USER"] or "", safe="")
    return f"postgres://{user}{password}@{db['HOST'] or 'localhost'}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def two_servers(transactional_db, tmp_path, media_root):
    """The sample site, committed, and two app servers over it, each with a page cache of its
    own in its workers' memory (no Redis): nothing shared but the database."""
    if connection.vendor != "postgresql":
        pytest.skip(
            f"two app servers need a database both can share: PostgreSQL (DATABASE_URL), not {connection.vendor}"
        )
    report = Importer(include_drafts=True).run([SAMPLE])
    assert report.ok, report.summary()
    # Made an hour ago, as a site's version is between edits.
    ContentVersion.objects.filter(pk=1).update(changed_at=an_hour_ago())
    leave_out = ("STATIC_MANIFEST", "MEDIA_STORAGE", "REDIS_URL", "CACHE_KEY_PREFIX")
    env = {key: value for key, value in os.environ.items() if key not in leave_out}
    env.update(
        DEBUG="0",
        SECRET_KEY=f"conditional-{uuid.uuid4().hex}{uuid.uuid4().hex}",
        HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=_database_url(),
        CONN_MAX_AGE="0",
        PAGE_CACHE_SECONDS="300",
        SERVE_MEDIA="0",
        MEDIA_ROOT=str(media_root),
        STATIC_ROOT=str(tmp_path / "static"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    servers = []
    try:
        servers = [Server("A", env, tmp_path), Server("B", env, tmp_path)]
        deadline = time.monotonic() + START_TIMEOUT
        for server in servers:
            server.wait_until_ready(deadline)
        yield servers
    finally:
        for server in servers:
            server.stop()


def _answers(servers, path, encoding):
    """(ETag, Last-Modified, Content-Encoding, body) of every answer: four requests to each
    server, so that both of its workers answer (and each caches the page for itself)."""
    answers = []
    for server in servers:
        for _ in range(4):
            response = anonymous(server.url + path, {"Host": "localhost", "Accept-Encoding": encoding})
            assert response.status == 200, f"{response!r}\n{server.said()}"
            headers = response.headers
            answers.append((headers["ETag"], headers["Last-Modified"], headers.get("Content-Encoding"), response.body))
    return answers


def test_two_servers_give_the_same_validators_and_the_same_bytes(two_servers):
    for path in ("/podcast/feed.xml", "/podcast/episodes.xml", "/podcast/testing-data-pipelines/"):
        _same_everywhere(two_servers, path)


def _same_everywhere(servers, path):
    plain, packed = _answers(servers, path, ""), _answers(servers, path, "gzip")
    validators = [{a[:2] for a in plain}, {a[:2] for a in packed}]
    assert [len(each) for each in validators] == [1, 1], (path, validators)  # the same from every process
    (etag, date), (weak, gzip_date) = validators[0].pop(), validators[1].pop()
    assert weak == "W/" + etag
    assert gzip_date == date
    assert parsedate_to_datetime(date) == ContentVersion.objects.get(pk=1).changed_at.replace(microsecond=0)
    assert {a[2] for a in plain} == {None}
    assert {a[2] for a in packed} == {"gzip"}
    bodies = {a[3] for a in plain}
    assert {gzip.decompress(a[3]) for a in packed} <= bodies
    if b"<item>" in plain[0][3] or not path.endswith(".xml"):
        # One version, one page, compressed to the same bytes by every process. (A feed with no
        # items dates its build by the clock: Django's syndication framework falls back to now.)
        assert len(bodies) == 1, path
        assert len({a[3] for a in packed}) == 1, path
    for server in servers:
        for validator in ({"If-None-Match": weak}, {"If-Modified-Since": date}):
            not_modified = anonymous(server.url + path, {"Host": "localhost", **validator})
            assert not_modified.status == 304, f"{not_modified!r}\n{server.said()}"
            assert not not_modified.body, f"{not_modified!r}\n{server.said()}"


# --- media -------------------------------------------------------------------------------------------


def write_image(media_root, name="images/podcast/cover.jpg", content=b"\xff\xd8\xff\xe0 a cover" * 40, when=None):
    path = media_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    when = when or datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    os.utime(path, (when, when))
    return path


def test_a_media_file_says_how_long_it_may_be_kept(media_client, media_root, settings):
    settings.MEDIA_CACHE_SECONDS = 1800
    path = write_image(media_root)
    response = media_client.get("/media/images/podcast/cover.jpg", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == path.read_bytes()
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"public", "max-age=1800"}
    assert response["Last-Modified"] == "Fri, 01 May 2026 12:00:00 GMT"
    assert response["ETag"].startswith('"')
    # An image is compressed already: it goes out as it is, with its length.
    assert "Content-Encoding" not in response
    assert int(response["Content-Length"]) == len(path.read_bytes())
    # The headers that keep it from acting as a page are still there.
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_media_file_answers_both_validators(media_client, media_root):
    write_image(media_root)
    url = "/media/images/podcast/cover.jpg"
    first = media_client.get(url)
    for headers in (
        {"HTTP_IF_NONE_MATCH": first["ETag"]},
        {"HTTP_IF_NONE_MATCH": "W/" + first["ETag"]},
        {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]},
    ):
        again = media_client.get(url, **headers)
        assert again.status_code == 304, headers
        assert not again.content, headers
        assert again["ETag"] == first["ETag"]
        assert again["Last-Modified"] == first["Last-Modified"]
        assert again["Cache-Control"] == first["Cache-Control"]
    mismatch = media_client.get(url, HTTP_IF_NONE_MATCH='"other"', HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert mismatch.status_code == 200


def test_a_replaced_media_file_is_sent_again(media_client, media_root):
    write_image(media_root)
    url = "/media/images/podcast/cover.jpg"
    first = media_client.get(url)
    write_image(media_root, content=b"\xff\xd8\xff\xe0 another cover", when=time.time())
    again = media_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert b"".join(again.streaming_content) == b"\xff\xd8\xff\xe0 another cover"


def test_media_answers_only_files(media_client, media_root):
    write_image(media_root)
    assert media_client.get("/media/images/podcast/").status_code == 404
    assert media_client.get("/media/images/podcast/missing.jpg").status_code == 404
    assert media_client.get("/media/../secret.txt").status_code in (400, 404)
    assert media_client.post("/media/images/podcast/cover.jpg").status_code in (403, 405)
    head = media_client.head("/media/images/podcast/cover.jpg")
    assert head.status_code == 200
    assert "Cache-Control" in head
