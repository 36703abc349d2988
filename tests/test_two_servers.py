"""Two app servers, one database, one cache: an edit made through one is seen through the other
at once.

Two gunicorn processes run as ``make serve`` runs them (DEBUG off, several workers, Redis as the
page cache, plain HTTP), against this test's PostgreSQL database and a Redis key prefix of its
own. An editor logs in to the admin on server A and corrects a transcript line of a real episode,
posting the change form as the editor's page sends it; an anonymous visitor then asks server B,
with no pause, and gets the corrected page, under a new ETag.

PostgreSQL only (two processes cannot share the test's SQLite database): skipped on SQLite. Needs
Redis at ``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``): skipped when it is not
there, failed when CI is set.
"""

import html
import os
import re
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection

from archive import documents, importer, sources
from episodes.models import Episode, TranscriptLine
from tests.admin_pages import compact, form_fields, row_index
from tests.conftest import ROOT, corpus_snapshot
from tests.servers import (
    START_TIMEOUT,
    Server,
    anonymous,
    browser,
    fetch,
)

pytestmark = pytest.mark.corpus

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "two-servers-editor-password"
PUBLIC_HOST = "localhost"
SECURITY_HEADERS = {
    "Content-Security-Policy": None,  # present; its content is tested in test_public_safety
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _missing(reason):
    if os.environ.get("CI"):
        pytest.fail(f"the two-server test cannot run in CI: {reason}")
    pytest.skip(reason)


# --- HTTP, as a browser without scripts ------------------------------------------------------------


# --- the servers -----------------------------------------------------------------------------------


def _database_url():
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"two app servers need a database both can share: PostgreSQL (DATABASE_URL), not {connection.vendor}"
        )


@pytest.fixture
def redis_prefix():
    """A key prefix of this run's own in the shared Redis, removed afterwards."""
    try:
        import redis
    except ImportError:
        _missing("the redis package is not installed (pip install -r requirements.txt)")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        _missing(f"no Redis at {REDIS_URL} ({exc}); set TEST_REDIS_URL")
    prefix = f"test-two-servers-{uuid.uuid4().hex}"
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}:*", count=500):
        client.delete(key)
    client.close()


def real_episode():
    """A small real episode with a transcript: the published 2026-06 episode with the fewest
    lines among those with at least 20, counted without parsing YAML."""
    site = corpus_snapshot("2026-06")
    counted = []
    for path in (site / "_podcast").glob("*.md"):
        if not path.name.startswith("_"):
            lines = sum(1 for line in path.open(encoding="utf-8") if line.startswith("- line:"))
            if lines >= 20:
                counted.append((lines, path.name, path))
    assert counted, f"no episode with a transcript in {site}"
    return site, min(counted)[2]


@pytest.fixture
def two_servers(postgresql_only, redis_prefix, transactional_db, tmp_path, media_root):
    """A real episode and an editor, committed; then servers A and B over them, stopped after."""
    site, path = real_episode()
    client, prefix = redis_prefix
    env = {key: value for key, value in os.environ.items() if key not in ("STATIC_MANIFEST", "MEDIA_STORAGE")}
    env.update(
        DEBUG="0",
        SECRET_KEY=f"two-servers-{uuid.uuid4().hex}{uuid.uuid4().hex}",  # the same for both
        HTTPS="0",
        ALLOWED_HOSTS=f"127.0.0.1,{PUBLIC_HOST}",
        DATABASE_URL=_database_url(),
        CONN_MAX_AGE="0",
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=prefix,
        PAGE_CACHE_SECONDS="300",
        SERVE_MEDIA="0",
        MEDIA_ROOT=str(media_root),
        STATIC_ROOT=str(tmp_path / "static"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    # With DEBUG off WhiteNoise serves STATIC_ROOT only (not the apps' static folders), read once
    # when a server starts: the files are collected first, as `make serve` does, but without the
    # manifest (names unhashed). Meanwhile the episode and the editor are written.
    collecting = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        guests = documents.parse(path.read_bytes()).data.get("guests") or []
        files = [sources.Source(site / "_people" / f"{key}.md", "person", site) for key in guests]
        report = importer.Importer().run_sources(files + [sources.Source(path, "episode", site)])
        assert report.ok, report.summary()
        editor = User.objects.create_superuser("editor-two", "editor@example.com")
        # Hashed as the servers' settings hash it (the tests hash with a faster one).
        editor.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
        editor.save(update_fields=["password"])
        output, _ = collecting.communicate(timeout=120)
    finally:
        if collecting.poll() is None:
            collecting.kill()
            collecting.wait()
    assert collecting.returncode == 0, f"collectstatic failed:\n{output.decode(errors='replace')}"

    servers = []
    try:
        servers = [Server("A", env, tmp_path), Server("B", env, tmp_path)]
        deadline = time.monotonic() + START_TIMEOUT
        for server in servers:
            server.wait_until_ready(deadline)
        yield servers[0], servers[1], Episode.objects.get(slug=path.stem), client, prefix
    finally:
        for server in servers:
            server.stop()


# --- the test --------------------------------------------------------------------------------------


def line_html(text):
    """A transcript line as the episode page renders it (templates/episodes/episode.html)."""
    return f'<p class="line__text">{html.escape(text)}</p>'


def test_an_edit_through_one_server_is_seen_through_the_other_at_once(two_servers):
    server_a, server_b, episode, redis_client, prefix = two_servers
    page_path = episode.get_absolute_url()

    def logs():
        return f"\n{server_a.said()}\n{server_b.said()}"

    def public(server, headers=None):
        # Visitors reach every server under the site's one name, as through a load balancer:
        # the name is part of a page's cache key.
        return anonymous(server.url + page_path, {"Host": PUBLIC_HOST, **(headers or {})})

    def check_headers(response):
        for name, expected in SECURITY_HEADERS.items():
            value = response.headers.get(name)
            assert value, f"{response!r} has no {name} header: {dict(response.headers)}"
            assert expected is None or value == expected, f"{response!r}: {name}: {value}"

    # The lines: one to correct, and one to change behind the cache's back. Each shows once.
    lines = list(TranscriptLine.objects.filter(episode=episode).order_by("position"))
    first = public(server_a)
    assert first.status == 200, f"{first!r}\n{first.text[:2000]}{logs()}"
    unique = [line for line in lines if len(line.text) > 30 and first.text.count(line_html(line.text)) == 1]
    assert len(unique) >= 2, "no two distinct transcript lines to work with on the page"
    line, probe = unique[len(unique) // 2], unique[0]

    # 1. The editor logs in on A (done before warming: a login is an admin POST, which moves the
    #    content version, and the edit must be the only change between before and after).
    editor = browser()
    login = fetch(editor, f"{server_a.url}/admin/login/?next=/admin/")
    check_headers(login)
    token = dict(form_fields(login.text))["csrfmiddlewaretoken"]
    answer = fetch(
        editor,
        f"{server_a.url}/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": token, "username": "editor-two", "password": PASSWORD, "next": "/admin/"},
    )
    assert answer.status == 302, f"the login was refused: {answer!r}\n{answer.text[:2000]}{logs()}"
    assert answer.headers["Location"] == "/admin/", f"the login was refused: {answer!r}\n{answer.text[:2000]}{logs()}"

    # The change page, and every script and style sheet it names, served with DEBUG off and
    # no manifest, by both servers (they serve the same collected files).
    change = fetch(editor, f"{server_a.url}/admin/episodes/episode/{episode.pk}/change/")
    assert change.status == 200, f"{change!r}\n{change.text[:2000]}{logs()}"
    check_headers(change)
    assets = sorted(set(re.findall(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="(/static/[^"]+)"', change.text)))
    assert any(a.endswith("/transcript.js") for a in assets), assets
    assert any(a.endswith("/transcript.css") for a in assets), assets
    for server in (server_a, server_b):
        for asset in assets:
            response = anonymous(server.url + asset)
            assert response.status == 200, f"{response!r} (static file){logs()}"
            assert response.body, f"{response!r} (static file){logs()}"
    data = {name: value for name, value in form_fields(change.text, "episode_form")}
    index = row_index(data, "line", line.pk)
    assert data[f"transcript-{index}-text"] == line.text

    # 2. Warm the cache through A: the second answer is the first, from the cache.
    warm_a = [public(server_a), public(server_a)]
    etag = warm_a[0].headers["ETag"]
    for response in warm_a:
        assert response.status == 200, f"{response!r}{logs()}"
        assert response.headers["ETag"] == etag
        assert line_html(line.text) in response.text
        check_headers(response)
    assert any(redis_client.scan_iter(match=f"{prefix}:*")), "server A stored nothing in Redis"

    # Change a line in the database without moving the content version: B still answers with
    # the page A cached in Redis, so the two share one cache.
    probe_text = f"Changed behind the cache's back {uuid.uuid4().hex[:8]}."
    TranscriptLine.objects.filter(pk=probe.pk).update(text=probe_text)
    warm_b = [public(server_b), public(server_b)]
    for response in warm_b:
        assert response.status == 200, f"{response!r}{logs()}"
        assert response.headers["ETag"] == etag, "B answered under another content version than A"
        assert line_html(probe.text) in response.text, "B did not serve the page A cached in Redis"
        assert probe_text not in response.text, "B did not serve the page A cached in Redis"
        check_headers(response)

    # 3. The editor corrects the line on A, as the editor's page posts it: the touched row, and
    #    the keys of the others.
    corrected = f"Corrected on server A {uuid.uuid4().hex[:8]}, read on server B."
    data[f"transcript-{index}-text"] = corrected
    data["_continue"] = "Save and continue editing"
    saved = fetch(editor, f"{server_a.url}/admin/episodes/episode/{episode.pk}/change/", compact(data, [index]))
    errors = re.findall(r'<ul class="errorlist[^"]*">.*?</ul>', saved.text, re.DOTALL)
    assert saved.status == 302, f"the save was refused: {saved!r} {errors}{logs()}"
    assert TranscriptLine.objects.get(pk=line.pk).text == corrected

    # 4. At once, an anonymous visitor on B, then on A: the corrected page, under a new version,
    #    made from the database as it is now (the line changed behind the cache's back shows too).
    after_b = public(server_b)
    after_a = public(server_a)
    for response in (after_b, after_a):
        assert response.status == 200, f"{response!r}{logs()}"
        assert line_html(corrected) in response.text, f"{response!r} does not show the corrected line{logs()}"
        assert line_html(line.text) not in response.text, f"{response!r} still shows the old line{logs()}"
        assert line_html(probe_text) in response.text, f"{response!r} is not made from the database as it is now"
        assert response.headers["ETag"] != etag, f"{response!r} kept the ETag {etag}"
        check_headers(response)
    new_etag = after_b.headers["ETag"]
    assert after_a.headers["ETag"] == new_etag

    # Revalidation on B: the old ETag gets the new page, the new one a 304.
    stale = public(server_b, {"If-None-Match": etag})
    assert stale.status == 200, f"{stale!r}{logs()}"
    assert line_html(corrected) in stale.text, f"{stale!r}{logs()}"
    fresh = public(server_b, {"If-None-Match": new_etag})
    assert fresh.status == 304, f"{fresh!r}{logs()}"
    assert not fresh.body, f"{fresh!r}{logs()}"

    for server in (server_a, server_b):
        assert server.process.poll() is None, f"server {server.name} died{logs()}"
