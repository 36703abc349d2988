"""PostgreSQL stops: cached pages are still served, the rest is the site's 503 page with
``Retry-After``, and the site answers again by itself when the database is back.

A private PostgreSQL cluster (``initdb`` on a port of its own) and a private Redis, with the
sample site migrated and imported into it, and an app server as ``make serve`` runs it (gunicorn,
DEBUG off, persistent connections with ``CONN_MAX_AGE=60``, Redis as the page cache). Each test
stops and starts that cluster; the shared PostgreSQL is never touched.
"""

import gzip
import os
import subprocess
import sys
import time
import uuid

import pytest
import redis

from tests.admin_pages import form_fields
from tests.conftest import ROOT
from tests.servers import Server, anonymous, browser, fetch
from tests.services import PrivatePostgres, PrivateRedis

EPISODE = "/podcast/testing-data-pipelines/"
PASSWORD = "database-down-editor-password"


class Site:
    def __init__(self, database, redis, server):
        self.database, self.redis, self.server = database, redis, server

    def get(self, path, headers=None):
        return anonymous(self.server.url + path, headers)

    def logs(self):
        return f"\n{self.server.said()}"


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """The cluster, Redis and the app server, shared by this module's tests (setting them up
    takes a few seconds); each test leaves the database running."""
    directory = tmp_path_factory.mktemp("database-down")
    database = PrivatePostgres()
    redis = PrivateRedis(directory)
    server = None
    try:
        database.init()
        database.start()
        redis.start()
        env = {key: value for key, value in os.environ.items() if key not in ("STATIC_MANIFEST", "MEDIA_STORAGE")}
        env |= {
            "DEBUG": "0",
            "SECRET_KEY": f"database-down-{uuid.uuid4().hex}{uuid.uuid4().hex}",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database.url,
            "CONN_MAX_AGE": "60",
            "REDIS_URL": redis.url,
            "PAGE_CACHE_SECONDS": "300",
            "SERVE_MEDIA": "0",
            "MEDIA_ROOT": str(directory / "media"),
            "STATIC_ROOT": str(directory / "static"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SUPERUSER_USERNAME": "editor",
            "DJANGO_SUPERUSER_EMAIL": "editor@example.com",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        }
        _manage(env, "migrate", "--no-input", "--verbosity", "0")
        _manage(env, "import_podcast", "sample", "--include-drafts")
        _manage(env, "createsuperuser", "--no-input")
        server = Server("database-down", env, directory)
        server.wait_until_ready(time.monotonic() + 30)
        yield Site(database, redis, server)
    finally:
        if server is not None:
            server.stop()
        redis.stop()
        database.destroy()


@pytest.fixture
def site(deployment):
    """The deployment with an empty page cache and the database up, before and after."""
    if not deployment.database.running():
        deployment.database.start()
    redis.Redis.from_url(deployment.redis.url).flushall()
    yield deployment
    if not deployment.database.running():
        deployment.database.start()


def test_a_cached_page_is_still_served_while_the_database_is_down(site):
    before = site.get(EPISODE)
    assert before.status == 200, f"{before!r}{site.logs()}"
    site.database.stop()
    for _ in range(4):  # whichever worker answers
        during = site.get(EPISODE)
        assert during.status == 200, f"{during!r}\n{during.text[:500]}{site.logs()}"
        assert during.body == before.body
        assert during.headers["ETag"] == before.headers["ETag"]
        assert during.headers["X-Cache-Status"] == "STALE"


def test_a_cached_page_is_still_served_compressed_while_the_database_is_down(site):
    gzip_only = {"Accept-Encoding": "gzip"}
    plain, before = site.get(EPISODE), site.get(EPISODE, gzip_only)
    assert before.status == 200, f"{before!r}{site.logs()}"
    assert before.headers["Content-Encoding"] == "gzip", f"{before!r}{site.logs()}"
    site.database.stop()
    for _ in range(4):  # whichever worker answers
        during = site.get(EPISODE, gzip_only)
        assert during.status == 200, f"{during!r}\n{during.text[:500]}{site.logs()}"
        assert during.headers["Content-Encoding"] == "gzip"
        assert during.headers["X-Cache-Status"] == "STALE"
        assert during.body == before.body
        assert gzip.decompress(during.body) == plain.body
        assert during.headers["ETag"] == before.headers["ETag"] == "W/" + plain.headers["ETag"]
        assert during.headers["Last-Modified"] == plain.headers["Last-Modified"]
        for validator in (
            {"If-None-Match": plain.headers["ETag"]},
            {"If-Modified-Since": plain.headers["Last-Modified"]},
        ):
            assert site.get(EPISODE, {**gzip_only, **validator}).status == 304, validator


def test_a_page_not_in_the_cache_is_the_503_page_with_retry_after(site):
    site.database.stop()
    response = site.get("/people/")
    assert response.status == 503, f"{response!r}\n{response.text[:500]}{site.logs()}"
    assert response.headers["Retry-After"] == "30"
    assert "This page cannot be shown just now" in response.text
    assert "/static/site.css" in response.text  # the site's own look
    assert "no-store" in response.headers["Cache-Control"]
    assert "The database cannot be reached" in site.server.said()
    assert "Traceback" not in site.server.said()


def test_a_visitor_with_a_session_cookie_gets_the_503_page(site):
    assert site.get(EPISODE).status == 200  # in the cache, but whose session is it?
    site.database.stop()
    response = site.get(EPISODE, {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"})
    assert response.status == 503, f"{response!r}\n{response.text[:500]}{site.logs()}"
    assert response.headers["Retry-After"] == "30"


def test_an_editor_in_the_admin_gets_the_503_page(site):
    editor = browser()
    login_url = f"{site.server.url}/admin/login/?next=/admin/"
    token = dict(form_fields(fetch(editor, login_url).text))["csrfmiddlewaretoken"]
    answer = fetch(editor, login_url, {"csrfmiddlewaretoken": token, "username": "editor", "password": PASSWORD})
    assert answer.status == 302, f"{answer!r}{site.logs()}"
    changelist = fetch(editor, f"{site.server.url}/admin/episodes/episode/")
    assert changelist.status == 200
    site.database.stop()
    for page in (changelist.url, f"{site.server.url}/admin/episodes/episode/add/"):
        response = fetch(editor, page)
        assert response.status == 503, f"{response!r}\n{response.text[:500]}{site.logs()}"
        assert "it was not saved" in response.text
        assert response.headers["Retry-After"] == "30"


def test_the_site_answers_again_as_soon_as_the_database_is_back(site):
    site.database.stop()
    assert site.get("/people/").status == 503
    site.database.start()
    for _ in range(6):  # every worker, each with the connection it held
        response = site.get("/people/")
        assert response.status == 200, f"{response!r}\n{response.text[:500]}{site.logs()}"
        assert "X-Cache-Status" not in response.headers


def test_a_database_restarted_between_two_requests_costs_no_request(site):
    for _ in range(6):  # each worker opens the connection it keeps (CONN_MAX_AGE)
        assert site.get("/podcast/").status == 200
    site.database.stop()
    site.database.start()  # every kept connection is now broken, and nobody asked meanwhile
    for _ in range(6):
        response = site.get("/people/")
        assert response.status == 200, f"{response!r}\n{response.text[:500]}{site.logs()}"
