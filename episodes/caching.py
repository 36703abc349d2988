"""Public pages from Django's cache framework, and never a stale one.

One row, ``ContentVersion``, changes whenever anything a visitor can see changes. Every public
response is cached under the version it was made from and carries that version as its ETag, so
a change shows on the very next request, from any app server, whatever cache each one has (a
process's local memory, or Redis shared by all).

The version moves *after* the transaction that changed content commits. A reader that sees the
old version may then still store a page made from new data under the old key, which is harmless;
the other way round, an old page under the new key, cannot happen.

What moves it: saving or deleting through the models (signals), every successful write an editor
makes in the admin (``AdminWritesMiddleware``: bulk tools such as find and replace, publish and
restore included), and the importer.

A page is keyed on the query parameters its view reads, and on no other: a tracker's
``?utm_source=`` or a random ``?x=`` gets the cached page instead of storing one more copy.

Every page is kept twice, as made and in gzip (``podcast.compression``), each under a key of
its own, so that a visit reads only the copy it is sent: compressed once, when stored, never per
request. The two are one page under one version: the plain one's ETag is ``"<version>"``, the
compressed one's ``W/"<version>"`` (other bytes, the same content), and either one revalidates
either copy, since If-None-Match compares ETags weakly.

The version also dates the page: ``Last-Modified`` is the second it was made (``changed_at``),
and If-Modified-Since is answered by it when the client sends no ETag. For that to be sound no
two versions share a second: a version made within a second of the one before is dated a second
after it. A date that is still ahead of this server's clock (after a burst of changes) is not
sent at all, as HTTP asks; the ETag still is.

While the database cannot be reached, the version cannot be read: a page cached under the last
version seen (by this process, or by any app server, through the cache) is served as it is,
and anything else is left to ``podcast.resilience``, which answers 503.
"""

import hashlib
import threading
import time
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connections, router, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Greatest
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from podcast.compression import MIN_SIZE, accepts_gzip, gzip_body, is_text
from podcast.resilience import DATABASE_UNAVAILABLE

from .models import EPISODE_CHILDREN, ContentVersion, Episode, Guest

CONTENT_MODELS = (Guest, Episode, *EPISODE_CHILDREN.values())


def _version_sql(connection):
    meta = ContentVersion._meta
    quote = connection.ops.quote_name
    number, changed_at = (quote(meta.get_field(name).column) for name in ("number", "changed_at"))
    return f"SELECT {number}, {changed_at} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = 1"


def _changed_at_converters(connection):
    """What the ORM would do to the date as the database returns it (SQLite gives text)."""
    field = ContentVersion._meta.get_field("changed_at")
    column = field.get_col(ContentVersion._meta.db_table)
    return [(converter, column) for converter in connection.ops.get_db_converters(column)]


# Per database alias: the query and the date's converters, worked out once.
_version_query = {}


def _read_version(connection):
    query = _version_query.get(connection.alias)
    if query is None:
        query = _version_query[connection.alias] = (_version_sql(connection), _changed_at_converters(connection))
    sql, converters = query
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    if row is None:
        return None
    number, changed_at = row
    for converter, column in converters:
        changed_at = converter(changed_at, column, connection)
    return number, changed_at


def _version_row():
    """The version's row through a plain cursor: the ORM costs ten times the query itself on a
    cached page, where this read is nearly all the database work there is.

    The read is also the connection's health check (``CONN_HEALTH_CHECKS``): Django would
    otherwise send a query of its own before it on a kept connection. A kept connection that
    fails it (a database restarted since the last request) is opened again and asked once more,
    as the health check would have done; a new connection is not asked twice."""
    connection = connections[router.db_for_read(ContentVersion)]
    kept = connection.connection is not None and not connection.in_atomic_block
    if not (kept and connection.health_check_enabled and not connection.health_check_done):
        return _read_version(connection)
    connection.health_check_done = True
    try:
        return _read_version(connection)
    except DATABASE_UNAVAILABLE:
        connection.close()
    return _read_version(connection)


def _version():
    """The content as it is now (one indexed one-row query): a token naming it, and the second
    it was made in (a Unix time), or None."""
    row = _version_row()
    if row is None:
        return "0", None
    number, changed_at = row
    # The time as well as the number: a database emptied and filled again restarts the number.
    return f"{number}.{int(changed_at.timestamp() * 1_000_000):x}", int(changed_at.timestamp())


def current_version():
    """A token naming the content as it is now."""
    return _version()[0]


def _sendable(last_modified):
    """The version's date as Last-Modified may give it: never later than the clock says."""
    return last_modified if last_modified is not None and last_modified <= time.time() else None


# Sent when the version has moved, inside the transaction that moved it, if any (``publishing``
# writes the pages again once it commits).
version_moved = Signal()

# How many times this thread has moved the version: AdminWritesMiddleware moves it only for
# requests that did not already (see there).
_bumps = threading.local()


def _bump():
    _bumps.count = getattr(_bumps, "count", 0) + 1
    now = timezone.now()
    # Now, or a second after the version before, whichever is later, worked out by the UPDATE
    # under the row's lock: a version's second (its Last-Modified) is one no other version has,
    # even when a writer that took the time first commits last.
    later = Greatest(Value(now, output_field=DateTimeField()), F("changed_at") + timedelta(seconds=1))
    if not ContentVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=later):
        try:
            with transaction.atomic():
                ContentVersion.objects.create(pk=1, number=1, changed_at=now)
        except IntegrityError:  # another process made it first
            ContentVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=later)
    version_moved.send(sender=ContentVersion)


def content_changed_now():
    """Move the version inside the current transaction, so that it commits with the data: for a
    writer that changes much and ends its transaction right after (an import), a process killed
    between its commit and a bump after it would leave every cached page stale. As the last write
    of the transaction, it holds the version's row lock only for the commit."""
    _bump()


def content_changed(using=None):
    """Mark the content changed once the current transaction commits (at once outside one)."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _bump()
        return
    # One bump per transaction is enough: an import or a restore saves thousands of rows. The
    # pending bump is forgotten when it runs, or when a rollback drops it from the queue.
    pending = getattr(connection, "_content_bump", None)
    if pending is not None and any(func is pending for _, func, _ in connection.run_on_commit):
        return

    def bump():
        connection._content_bump = None
        _bump()

    connection._content_bump = bump
    transaction.on_commit(bump, using=using)


def _on_model_change(sender, using=None, **kwargs):
    content_changed(using)


for _model in CONTENT_MODELS:
    post_save.connect(_on_model_change, sender=_model, dispatch_uid=f"content-save-{_model.__name__}")
# Only the two roots on delete: a receiver on lines would make Django fetch every line of a
# deleted episode to send it a signal, instead of one DELETE.
for _model in (Episode, Guest):
    post_delete.connect(_on_model_change, sender=_model, dispatch_uid=f"content-delete-{_model.__name__}")


class AdminWritesMiddleware:
    """Every write a staff member makes in the podcast's part of the admin counts as a content
    change: the admin's bulk tools update rows without model signals, and one rule here cannot
    miss any of them. Logging in, or managing users, changes no page. A request whose own commit
    moved the version already (a save through the models) does not move it a second time."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = None

    def __call__(self, request):
        before = getattr(_bumps, "count", 0)
        response = self.get_response(request)
        if self.prefix is None:
            self.prefix = reverse("admin:app_list", args=[Episode._meta.app_label])
        if (
            request.method == "POST"
            and response.status_code < 400
            and request.path.startswith(self.prefix)
            and getattr(request, "user", None) is not None
            and request.user.is_staff
            and getattr(_bumps, "count", 0) == before
        ):
            content_changed()
        return response


def _cache_key(request, version, query):
    """The key of a page's copies, less the copy's name (``PLAIN`` or ``GZIP``)."""
    if query is None:
        kept = sorted(request.GET.lists())
    else:
        kept = [(name, request.GET.getlist(name)) for name in sorted(query) if name in request.GET]
    url = f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(kept, doseq=True)}"
    return f"page:{version}:{hashlib.sha256(url.encode()).hexdigest()}"


# The two copies of a page: as made, and in gzip (the plain one again when gzip would not make it
# smaller, so that a page too small to compress is not made again for every client that asks).
PLAIN, GZIP = ":plain", ":gzip"

# The content version last seen, for when the database cannot be asked: in the cache, stored with
# every page (so any app server finds the newest pages, even one that had not seen their version),
# and in this process (for a cache that lost it).
LAST_VERSION_KEY = "content-version:last"
_last_version = None


def _seen(version):
    global _last_version
    _last_version = version


def _kept_copy(request, query, compressed):
    """The page cached under the last version seen, or None. It goes out as it was made, with
    the ETag and the date of the version it was made from: whoever keeps it asks again with
    them, and gets the current page once the database answers and the version has moved."""
    for version in dict.fromkeys((cache.get(LAST_VERSION_KEY), _last_version)):
        if not version:
            continue
        key = _cache_key(request, version, query)
        # A client that takes gzip takes the plain copy too, if that is the one still kept.
        for copy in (GZIP, PLAIN) if compressed else (PLAIN,):
            response = cache.get(key + copy)
            if response is not None:
                last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
                not_modified = get_conditional_response(
                    request, etag=response.get("ETag"), last_modified=last_modified, response=response
                )
                response = response if not_modified is None else not_modified
                # For people and logs: made before the database went out of reach.
                response["X-Cache-Status"] = "STALE"
                return response
    return None


def cached_page(view, query=None):
    """Serve a public view from the cache, with the content version as its ETag and its date as
    Last-Modified, compressed for the clients that take gzip.

    Staff are never served from nor stored in the cache: they preview drafts. Only complete
    200 responses that did not ask to stay private nor set a cookie are stored. ``PAGE_CACHE_SECONDS
    = 0`` turns the cache off; conditional GET and compression still work then.

    ``query`` names the query parameters the view reads, the only ones its cache key holds
    (``urls`` gives them). Without it a page is keyed on its whole query string: a bigger cache,
    but never another page's answer.
    """

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        timeout = settings.PAGE_CACHE_SECONDS
        compressed = accepts_gzip(request)
        try:
            version, changed = _version()
        except DATABASE_UNAVAILABLE:
            kept = _kept_copy(request, query, compressed) if timeout else None
            if kept is None:
                raise
            return kept
        if timeout:
            _seen(version)
        last_modified = _sendable(changed)
        not_modified = get_conditional_response(request, etag=f'"{version}"', last_modified=last_modified)
        if not_modified is not None:
            return _not_modified(not_modified, version, last_modified, compressed)
        key = _cache_key(request, version, query)
        # The hit: one read of the one copy this client is sent, which has every header already.
        response = cache.get(key + (GZIP if compressed else PLAIN)) if timeout else None
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if not _storable(response):
                return response
            plain, packed = _copies(response, version, last_modified, compress=bool(timeout) or compressed)
            if timeout:
                cache.set_many(
                    {key + PLAIN: plain, key + GZIP: plain if packed is None else packed, LAST_VERSION_KEY: version},
                    timeout,
                )
            response = packed if compressed and packed is not None else plain
        elif last_modified is not None and "Last-Modified" not in response:
            # Stored while its version's date was still ahead of the clock; it no longer is.
            response["Last-Modified"] = http_date(last_modified)
        return response

    cached_view.query_parameters = query
    return cached_view


def _storable(response):
    return (
        response.status_code == 200
        and not response.streaming
        and "private" not in response.get("Cache-Control", "")
        and not response.cookies
    )


def _validators(response, version, last_modified, weak=False):
    response["ETag"] = f'W/"{version}"' if weak else f'"{version}"'
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    # Anyone may keep a copy, but must ask again before using it: the ETag makes that cheap.
    patch_cache_control(response, public=True, no_cache=True)


def _copies(response, version, last_modified, compress):
    """The page as sent, and in gzip (or None: not text, too small, or not asked for), each with
    all its headers, ready to be stored and sent as they are."""
    # One piece: the feed is written in thousands of small ones, which the server would
    # otherwise send one system call each, cached or not.
    content = response.content = response.content
    # The version dates every page; a date of the view's own (the syndication framework's
    # newest item, the sitemap's newest change) misses changes to anything older.
    del response["Last-Modified"]
    _validators(response, version, last_modified)
    response["Content-Length"] = str(len(content))
    if not is_text(response.get("Content-Type", "")) or len(content) < MIN_SIZE:
        return response, None
    patch_vary_headers(response, ("Accept-Encoding",))
    body = gzip_body(content) if compress else None
    if body is None or len(body) >= len(content):
        return response, None
    packed = HttpResponse(body, status=response.status_code)
    for name, value in response.items():
        packed[name] = value
    packed["Content-Encoding"] = "gzip"
    packed["Content-Length"] = str(len(body))
    packed["ETag"] = f'W/"{version}"'
    return response, packed


def _not_modified(response, version, last_modified, compressed):
    # The headers a 200 would have had that a cache keeps (RFC 9110, 15.4.5).
    _validators(response, version, last_modified, weak=compressed)
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
