"""The published pages follow every change: when the content version moves (``caching``, which
every way of changing content moves), the touched pages are written once the transaction
commits, before the request that made the change returns. One publish per transaction, however
many rows it saved."""

from django.conf import settings
from django.core import checks
from django.db import transaction
from django.http.request import split_domain_port, validate_host

from ..caching import version_moved
from . import enabled, publish_changes
from .render import origin


def _on_version_moved(sender, **kwargs):
    if not enabled():
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        publish_changes()
        return
    pending = getattr(connection, "_publish_pending", None)
    if pending is not None and any(func is pending for _, func, _ in connection.run_on_commit):
        return

    def run():
        connection._publish_pending = None
        publish_changes()

    connection._publish_pending = run
    transaction.on_commit(run)


version_moved.connect(_on_version_moved, dispatch_uid="publishing-version-moved")


@checks.register(checks.Tags.compatibility)
def check_origin(app_configs=None, **kwargs):
    """Publishing renders each page as a request to PUBLISH_ORIGIN's host: one the site does not
    allow would be refused, and no page would ever be written."""
    if not enabled():
        return []
    _, host = origin()
    allowed = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    if validate_host(split_domain_port(host)[0], allowed):
        return []
    return [
        checks.Error(
            f"PUBLISH_ORIGIN's host {host!r} is not in ALLOWED_HOSTS: every page published would be refused.",
            hint="Set PUBLISH_ORIGIN to the public site's address, one of ALLOWED_HOSTS.",
            id="episodes.E002",
        )
    ]
