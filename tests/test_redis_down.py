"""Redis is an accelerator: when it stops, pages are rendered without it and editors work on.

Each test runs a private ``redis-server`` of its own (tests/services.py), points the page cache
at it and stops or pauses it; the shared Redis is never touched.
"""

import logging
import time

import pytest
import redis
from django.core.cache import cache

from podcast import rediscache
from tests.admin_pages import change_form_data, change_url, row_index
from tests.production import settings_in_production
from tests.services import PrivateRedis

pytest_plugins = ["tests.admin_fixtures"]

pytestmark = pytest.mark.django_db

BACKOFF = 0.5  # seconds, instead of production's 5, to see the retry within a test
TIMEOUT = 0.3


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def use_cache(settings, url):
    """The page cache on a private Redis, as settings.py configures it for REDIS_URL."""
    settings.CACHES = {
        "default": {
            "BACKEND": "podcast.rediscache.FailSoftRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "faults",
            "OPTIONS": {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT, "backoff_seconds": BACKOFF},
        }
    }
    settings.PAGE_CACHE_SECONDS = 600


@pytest.fixture(autouse=True)
def no_past_outage():
    """A port the system gives out again starts with no outage left from another test."""
    rediscache._outages.clear()
    yield
    rediscache._outages.clear()


@pytest.fixture
def redis_cache(redis_server, settings):
    use_cache(settings, redis_server.url)
    return redis_server


@pytest.fixture
def site(committed_archive):
    return committed_archive


PAGES = ("/", "/podcast/", "/podcast/first/", "/podcast/first/transcript.vtt", "/people/ann/", "/podcast/feed.xml")


def test_public_pages_are_rendered_while_redis_is_down(site, redis_cache, client):
    for url in PAGES:
        assert client.get(url).status_code == 200, url  # cached in Redis
    redis_cache.stop()
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "I started in physics." in client.get("/podcast/first/").content.decode()


def test_editors_work_while_redis_is_down(site, redis_cache, editor_client, django_capture_on_commit_callbacks):
    redis_cache.stop()
    episode = site["first"]
    assert editor_client.get("/admin/episodes/episode/").status_code == 200
    data = change_form_data(editor_client.get(change_url(episode)))
    line = episode.lines.get(text="I started in physics.")
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = "I started in chemistry."
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(change_url(episode), data).status_code == 302
    line.refresh_from_db()
    assert line.text == "I started in chemistry."


def test_a_redis_that_does_not_answer_costs_one_timeout_per_backoff(redis_cache):
    cache.set("greeting", "hello")
    redis_cache.pause()
    started = time.monotonic()
    assert cache.get("greeting") is None
    assert time.monotonic() - started >= TIMEOUT * 0.9  # this one waited for Redis
    started = time.monotonic()
    for _ in range(50):
        assert cache.get("greeting") is None
        cache.set("greeting", "hello")
    assert time.monotonic() - started < TIMEOUT, "requests during the back-off still waited for Redis"


def test_the_cache_is_used_again_once_redis_is_back(site, redis_cache, client, django_assert_num_queries):
    redis_cache.stop()
    assert client.get("/podcast/first/").status_code == 200
    redis_cache.start()  # the same port, empty
    time.sleep(BACKOFF)
    client.get("/podcast/first/")
    with django_assert_num_queries(1):  # the content version; the page came from Redis
        assert client.get("/podcast/first/").status_code == 200


def test_an_outage_is_logged_when_it_starts_and_when_it_ends(redis_cache, caplog):
    caplog.set_level(logging.WARNING, logger="podcast.rediscache")
    redis_cache.stop()
    for _ in range(3):  # three back-off periods, each ending in one more failed try
        for _ in range(10):
            cache.get("greeting")
        time.sleep(BACKOFF)
    redis_cache.start()
    for _ in range(10):
        cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"
    messages = [record.getMessage() for record in caplog.records if record.name == "podcast.rediscache"]
    assert len(messages) == 2, messages
    assert "cannot be used" in messages[0]
    assert f"127.0.0.1:{redis_cache.port}" in messages[0]
    assert "answers again" in messages[1]


def test_a_full_redis_that_refuses_writes_costs_no_page(site, tmp_path, settings, client):
    full = PrivateRedis(tmp_path, "--maxmemory-policy", "noeviction")
    full.start()
    try:
        use_cache(settings, full.url)
        client_of_full = redis.Redis.from_url(full.url)
        client_of_full.set("ballast", b"x" * 2_000_000)
        client_of_full.config_set("maxmemory", "1mb")  # full now, and evicting nothing
        for url in PAGES:
            assert client.get(url).status_code == 200, url
    finally:
        full.stop()


def test_redis_url_gives_the_forgiving_backend_with_short_timeouts():
    code = "c = settings.CACHES['default']; print(c['BACKEND']); print(sorted(c['OPTIONS'].items()))"
    backend, options = settings_in_production(code, REDIS_URL="redis://127.0.0.1:6379/3").splitlines()
    assert backend == "podcast.rediscache.FailSoftRedisCache"
    assert options == "[('backoff_seconds', 5), ('socket_connect_timeout', 0.5), ('socket_timeout', 1.0)]"
