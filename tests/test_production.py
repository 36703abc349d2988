"""Production settings and hardening: the deploy check, security headers, the login throttle,
media in object storage, and the production server answering."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import InMemoryStorage
from django.test import Client

from archive.exporter import Exporter
from archive.importer import Importer
from episodes.models import Episode, Guest
from tests import sites
from tests.conftest import ROOT
from tests.policy import FALLS_BACK, directives, sources
from tests.production import PRODUCTION, settings_in_production


def manage(*args, **env):
    environment = {key: value for key, value in os.environ.items() if key not in ("HTTPS", "DEBUG", "MEDIA_STORAGE")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_media_moves_to_object_storage_through_the_environment():
    code = (
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.url('images/podcast/a.jpg')); print(settings.CSP_MEDIA_SOURCES)"
    )
    out = settings_in_production(
        code, MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="podcast-media", AWS_S3_CUSTOM_DOMAIN="media.example.org"
    )
    assert out.splitlines() == [
        "S3Storage podcast-media https://media.example.org/images/podcast/a.jpg",
        "['https://media.example.org']",
    ]


def test_the_cache_is_redis_when_redis_url_is_set():
    code = "print(settings.CACHES['default']['BACKEND'])"
    assert settings_in_production(code) == "django.core.cache.backends.locmem.LocMemCache"
    assert settings_in_production(code, REDIS_URL="redis://127.0.0.1:6379/3") == "podcast.rediscache.FailSoftRedisCache"


@pytest.mark.django_db
def test_import_and_export_work_with_storage_that_is_not_a_folder(tmp_path):
    """Object storage has no local path: images go through the storage's own save and open."""
    storage = InMemoryStorage()
    root = tmp_path / "site"
    sites.write_site(
        root, people=[sites.person("ann", title="Ann Lee")], episodes=[sites.episode("first", guests=["ann"])]
    )
    report = Importer(storage=storage).run([root])
    assert report.ok
    episode = Episode.objects.get()
    picture = Guest.objects.get().picture.name
    assert storage.exists(episode.image.name)
    assert storage.exists(picture)
    assert storage.open(picture).read() == (root / picture).read_bytes()
    Exporter(tmp_path / "out", storage=storage).run()
    assert (tmp_path / "out" / picture).read_bytes() == (root / picture).read_bytes()


@pytest.mark.django_db
def test_security_headers_on_public_pages_and_the_admin(client):
    Episode.objects.create(slug="one", title="One", youtube_id="abcDEF12345")
    public = client.get("/podcast/one/")
    policy = public["Content-Security-Policy"]
    # One script of the site's own, no inline one; the player's frame from its embed origin only.
    for name in ("script-src", "style-src", "img-src", "media-src"):
        assert sources(policy, name) == "'self'", name
    assert sources(policy, "frame-src") == "https://www.youtube-nocookie.com"
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert 'src="https://www.youtube-nocookie.com/embed/abcDEF12345' in public.content.decode()
    # No fetch directive says again what default-src says: the header goes out with every page.
    assert not [name for name in FALLS_BACK if directives(policy).get(name) == "'self'"]
    admin = client.get("/admin/login/")
    assert "script-src 'self'" in admin["Content-Security-Policy"]
    assert "'unsafe-inline'" not in admin["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    for response in (public, admin):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_a_media_host_elsewhere_is_in_the_public_and_the_admin_policy(settings):
    settings.CSP_MEDIA_SOURCES = ["https://media.example.org"]
    Episode.objects.create(slug="one", title="One")
    client = Client()  # its middleware made now, with the setting
    public = client.get("/podcast/one/")["Content-Security-Policy"]
    admin = client.get("/admin/login/")["Content-Security-Policy"]
    host = {"'self'", "https://media.example.org"}
    assert set(sources(public, "img-src").split()) == set(sources(public, "media-src").split()) == host
    assert set(sources(admin, "img-src").split()) == host | {"data:"}
    assert set(sources(admin, "media-src").split()) == host


@pytest.mark.django_db
def test_admin_login_is_throttled_against_password_guessing(settings):
    User.objects.create_user("edith", password="correct-horse-battery", is_staff=True)
    User.objects.create_user("other", password="another-long-password", is_staff=True)

    def login(username, password, address="10.0.0.1"):
        client = Client(REMOTE_ADDR=address)
        response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
        return response.status_code

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login("edith", "guess") == 200  # the form again, with an error
    assert login("edith", "guess") == 429
    # Locked out: even the right password is refused now, from that address.
    assert login("edith", "correct-horse-battery") == 429
    # Not a denial of service for everyone else: another account, or the account from elsewhere.
    assert login("other", "another-long-password") == 302
    assert login("edith", "correct-horse-battery", address="10.0.0.2") == 302


def test_client_address_behind_trusted_proxies(rf, settings):
    from podcast.security import client_ip

    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request) == "127.0.0.1"
    settings.TRUSTED_PROXIES = 1
    # What the one proxy of ours saw, not what the client claimed before it.
    assert client_ip(request) == "203.0.113.9"
