import os
import types
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

import podcast.urls

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("PODCAST_CORPUS", ROOT.parent / "shared" / "corpus"))
SNAPSHOTS = ("2023-07", "2026-06")
SAMPLE = ROOT / "sample"
# Screenshots that browser tests take for people to look at; outside the project.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/screens"))


def corpus_snapshot(name):
    """The real archive's snapshot; tests over it fail in CI when it is missing, else skip."""
    path = CORPUS / name
    if not (path / "_podcast").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the corpus snapshot {path} is missing")
        pytest.skip(f"the corpus snapshot {path} is not here")
    return path


def refused_by_policy(page):
    """What the page's Content-Security-Policy blocks, as the browser reports it; a test asserts
    it stays empty, so the policy never breaks a page's look or its scripts."""
    refused = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    return refused


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """Every test gets its own media storage, so imported images never land in the project."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """A password costs about a second to hash with the production hasher on this machine, and
    every admin test makes a user. The production hasher stays listed, for the tests whose app
    servers (another process, with the real settings) check a password hashed here."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    """Tests run inside a transaction that never commits, so the content version (moved after a
    commit) would not move: pages are not cached, except in tests/test_caching.py, which turns
    the cache on and runs the commit callbacks."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def empty_local_cache():
    """The admin keeps figures (the host, problem counts) in the cache under the content version.
    Tests roll their data back, and the version with it, so two tests can see one version over
    different rows (on PostgreSQL even their ids differ: sequences do not roll back): each test
    starts with the process's cache empty. A cache elsewhere (Redis) is not this test's to empty."""
    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture
def media_client(client, settings, media_root):
    """The client against the media URLs the app serves itself, over this test's media folder."""
    urlconf = types.ModuleType("media_urlconf")
    # First, so that they answer before the site's own media URLs (made for another folder).
    urlconf.urlpatterns = podcast.urls.media_urls() + podcast.urls.urlpatterns
    settings.ROOT_URLCONF = urlconf
    media_root.mkdir(parents=True, exist_ok=True)
    return client
