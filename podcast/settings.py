"""Settings, all from the environment. With nothing set the site runs locally on SQLite.

Production (see docs/deploy.md): DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL),
REDIS_URL, HTTPS=1 behind a TLS proxy, STATIC_MANIFEST=1 after collectstatic.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

INSTALLED_APPS = [
    # The admin without autodiscovery at start-up: podcast/urls.py runs it (commands start sooner).
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "import_export",
    "reversion",
    "axes",
    "episodes",
    "archive",
    "editorial",
]

MIDDLEWARE = [
    "podcast.security.RefuseNulMiddleware",  # first: a NUL in a request is a 400, never a database error
    "django.middleware.security.SecurityMiddleware",
    "podcast.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip for the text the page cache did not compress already (podcast/compression.py says
    # why that is safe from BREACH); below WhiteNoise, whose files come compressed beforehand.
    "podcast.compression.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Says to staff when a change's pages could not be published; outside the one below.
    "episodes.publishing.middleware.PublishErrorsMiddleware",
    "episodes.caching.AdminWritesMiddleware",
    # The database out of reach: the 503 page, not a 500 (for what the page cache cannot serve).
    "podcast.resilience.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its refusal.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "podcast.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "podcast.wsgi.application"
ASGI_APPLICATION = "podcast.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Every transaction takes the write lock as it begins, so a check and the write that
        # follows it are one step for SQLite too (PostgreSQL locks the rows): two writers wait
        # for each other instead of one failing half-way, or one writing over the other.
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("SQLITE_TIMEOUT", "20")),
    }
    # Tests that run two connections at once need a database file (an in-memory database shared
    # between connections locks by table and never waits): one per test process.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"podcast-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Media files answered by the app itself: on for local work; in production the proxy or the
# object store serves them.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=DEBUG)
# How long a browser or a CDN may use a media file before asking again (a 304 when unchanged). A
# cover replaced under the same name shows everywhere within this time.
MEDIA_CACHE_SECONDS = int(os.environ.get("MEDIA_CACHE_SECONDS", "3600"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # WhiteNoise serves static files. With STATIC_MANIFEST (after collectstatic) their names carry
    # a hash of their content, so browsers may keep them forever.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Media in object storage (S3 or a compatible service) through django-storages; credentials come
# from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables or the machine's role.
if os.environ.get("MEDIA_STORAGE", "filesystem") == "s3":
    from botocore.config import Config as S3ClientConfig

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            # Episode covers and portraits are public: plain, cacheable URLs.
            "querystring_auth": False,
            "file_overwrite": True,
            # The store answers conditional GETs itself; this tells browsers and CDNs how long to keep.
            "object_parameters": {"CacheControl": f"public, max-age={MEDIA_CACHE_SECONDS}"},
            # A store that does not answer costs an import a warning per image, and a request a
            # few seconds, not a worker held for botocore's minutes of retries.
            "client_config": S3ClientConfig(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2}),
        },
    }


def _origin(url):
    parts = urlsplit(url if "//" in url else f"https://{url}")
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


# Where pages may load images from besides this site: the media host when media is elsewhere.
CSP_MEDIA_SOURCES = [
    origin
    for origin in (
        _origin(MEDIA_URL) if MEDIA_URL.startswith(("http://", "https://")) else "",
        _origin(os.environ.get("AWS_S3_CUSTOM_DOMAIN", "")),
        _origin(os.environ.get("AWS_S3_ENDPOINT_URL", "")),
        *env_list("CSP_MEDIA_SOURCES"),
    )
    if origin
]

# Public pages and feeds are cached (see episodes.caching): in this process's memory, or in
# Redis shared by every app server when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, except that Redis being down is a cache miss, not an error.
            "BACKEND": "podcast.rediscache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "podcast"),
            "OPTIONS": {
                # A well Redis answers in a millisecond; waiting longer only holds a worker while
                # it is not. After a failure, Redis is left alone for backoff_seconds.
                "socket_connect_timeout": 0.5,
                "socket_timeout": 1.0,
                "backoff_seconds": 5,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Two entries a page: as made, and in gzip.
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "2000"))},
        }
    }
# How long a cached page is kept; any change replaces it at once anyway. 0 turns the cache off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "86400"))

# HTTPS: on behind a TLS-terminating proxy in production (it must set X-Forwarded-Proto).
HTTPS = env_bool("HTTPS", default=not DEBUG)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies of ours stand in front of the app (for the visitor's address).
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

# Password guessing at the admin login: after 5 failures for one account from one address,
# that pair is refused for 15 minutes. Counted in the database, so across every app server.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "podcast.security.client_ip"

# The show's name, as pages and the feed title it.
PODCAST_NAME = os.environ.get("PODCAST_NAME", "Podcast")
# What the podcast feed says of the show (see episodes/site.py for each one's default): its
# language (a language tag such as en or pt-BR), cover (an image of 1400 to 3000 pixels square,
# an address or a static file's name), author and owner, Apple Podcasts category, whether it is
# explicit, its podcast:guid (else made from the feed's address, as the namespace's spec says),
# whether other hosts may import it (podcast:locked), and the keys of its hosts' person files.
PODCAST_LANGUAGE = os.environ.get("PODCAST_LANGUAGE", "en")
PODCAST_IMAGE = os.environ.get("PODCAST_IMAGE", "podcast-cover.png")
PODCAST_AUTHOR = os.environ.get("PODCAST_AUTHOR", "")
PODCAST_OWNER_NAME = os.environ.get("PODCAST_OWNER_NAME", "")
PODCAST_OWNER_EMAIL = os.environ.get("PODCAST_OWNER_EMAIL", "")
PODCAST_CATEGORY = os.environ.get("PODCAST_CATEGORY", "Technology")
PODCAST_EXPLICIT = os.environ.get("PODCAST_EXPLICIT", "0") == "1"
PODCAST_GUID = os.environ.get("PODCAST_GUID", "")
PODCAST_LOCKED = os.environ.get("PODCAST_LOCKED", "1") == "1"
PODCAST_HOSTS = [key for key in os.environ.get("PODCAST_HOSTS", "").split(",") if key]
# Where the episode page's player comes from: YouTube's privacy-enhanced embed. The page drives it
# through the embed's postMessage interface, and the Content-Security-Policy frames this origin only.
PODCAST_EMBED_ORIGIN = os.environ.get("PODCAST_EMBED_ORIGIN", "https://www.youtube-nocookie.com").rstrip("/")

# Public pages also written as files for nginx to serve (episodes/publishing, docs/deploy.md): the
# folder, unset to publish nothing, and the public site's origin, which the pages' own absolute
# addresses name (they are made once for every visitor, not from each request's Host).
PODCAST_PUBLISH_ROOT = os.environ.get("PUBLISH_ROOT", "")
PODCAST_PUBLISH_ORIGIN = os.environ.get("PUBLISH_ORIGIN", "http://localhost").rstrip("/")
# The published pages copied to a bucket as well (PUBLISH_STORAGE=s3), for a CDN or a bucket
# website: the media's bucket unless PUBLISH_BUCKET names another, under PUBLISH_PREFIX.
PODCAST_PUBLISH_STORAGE = ""
if os.environ.get("PUBLISH_STORAGE", "") == "s3":
    PODCAST_PUBLISH_STORAGE = "publish"
    STORAGES["publish"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("PUBLISH_BUCKET") or os.environ["AWS_STORAGE_BUCKET_NAME"],
            "location": os.environ.get("PUBLISH_PREFIX", ""),
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "querystring_auth": False,
            "file_overwrite": True,
            # As the app says it: anyone may keep a page, but must ask again before using it.
            "object_parameters": {"CacheControl": "public, no-cache"},
        },
    }

# The most transcript items an episode may have: the import refuses a file with more, and the
# admin's transcript editor takes an episode of that size. Without its script the editor posts
# every item (kind, id, order, text, speaker, time, second, delete: 8 fields), so the request
# limits follow from it: the fields, and the text of a document at its largest (5 MiB) with the
# fields' names.
PODCAST_MAX_TRANSCRIPT_ITEMS = 20_000
DATA_UPLOAD_MAX_NUMBER_FIELDS = PODCAST_MAX_TRANSCRIPT_ITEMS * 8 + 1_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
