"""The published pages follow every change: when the content version moves (``caching``, which
every way of changing content moves), the touched pages are written once the transaction
commits, before the request that made the change returns. One publish per transaction, however
many rows it saved."""

from django.db import transaction

from ..caching import version_moved
from . import enabled, publish_changes


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
