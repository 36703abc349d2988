"""A database that cannot be reached is a "503 Service Unavailable" page, not a bare 500.

Visitors, editors in the admin and anyone with a session cookie (reading the session asks the
database) get the site's own page saying to try again shortly, with a ``Retry-After`` header,
instead of "Server Error (500)". Pages still in the cache are served without the database
(``episodes.caching``); only the others come here.

Nothing needs doing for the site to come back: Django drops a connection that failed at the end
of its request, and with ``conn_health_checks`` (settings) it checks a persistent connection
before reusing it, so a database restarted while a worker held a connection costs no request.
On a cached page the content version's read is that check (``episodes.caching``): no query of
its own before it.
"""

import logging
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# What a database that is down, restarting or out of connections raises through Django. The same
# classes cover passing trouble such as a lock or statement timeout, which asking again later
# may cure too; errors in a query itself (ProgrammingError, IntegrityError) stay the bugs they are.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# Every 503 is logged by Django ("Service Unavailable: /path"); the cause, once in a while.
LOG_CAUSE_EVERY_SECONDS = 60


def service_unavailable():
    """The 503 page. Rendered without the request, hence without context processors: nothing
    reads the session or the user, which would ask the database again."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Not an answer to keep: the next one, a few seconds later, may be the page.
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database that cannot be reached, wherever a view or its template meets it, into
    the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.cause_logged_at = None

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        now = time.monotonic()
        if self.cause_logged_at is None or now - self.cause_logged_at >= LOG_CAUSE_EVERY_SECONDS:
            self.cause_logged_at = now
            cause = str(exception).strip().split("\n")[0] or type(exception).__name__
            logger.warning("The database cannot be reached (%s): answering 503 to what the cache cannot serve.", cause)
        return service_unavailable()
