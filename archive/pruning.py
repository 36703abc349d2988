"""``--prune``: what the archive no longer has is removed, as an editor would delete it in the
admin (its last version kept in the history, to recover), and its address answers 410 Gone.

An episode or person changed in the CMS since its last sync is not removed (a conflict, like an
edited row a changed file would overwrite), unless the import is forced; a person who is still
a guest of an episode that stays is not removed either.
"""

from pathlib import Path

import reversion

from episodes.models import Appearance, Episode, Guest, lock_rows

from .exporter import is_edited
from .report import Code, Outcome, Status


def prune(importer, report, sources):
    """Remove the episodes, then the people, whose files are not among ``sources``."""
    roots = {source.root for source in sources if source.root is not None}
    root = next(iter(roots)) if len(roots) == 1 else None
    for model, kind, folder in ((Episode, "episode", "_podcast"), (Guest, "person", "_people")):
        keys = {source.key for source in sources if source.kind == kind}
        field = "slug" if model is Episode else "short"
        gone = model.objects.exclude(**{f"{field}__in": keys}).order_by("pk")
        if model is Episode and importer.identities is not None:
            # A row a renamed file claimed stays, whether the rename went in, was a conflict, or
            # was not made because several files or rows matched.
            gone = gone.exclude(pk__in=list(importer.identities.claimed))
        lock_rows(model, pk__in=list(gone.values_list("pk", flat=True)))
        for row in gone:
            key = getattr(row, field)
            name = row.filename if model is Episode else f"{key}.md"  # a draft's has its underscore
            path = Path(root or ".") / folder / name
            outcome = Outcome(str(path), kind, key)
            report.outcomes.append(outcome)
            _remove(importer, row, outcome)


def _remove(importer, row, outcome):
    if isinstance(row, Guest):
        kept = Appearance.objects.filter(guest=row).values_list("episode__title", flat=True)[:3]
        if kept:
            outcome.set(Status.CONFLICT, Code.STILL_A_GUEST, ", ".join(f"“{title}”" for title in kept))
            return
    if not importer.force and is_edited(row):
        outcome.set(Status.CONFLICT, Code.GONE_EDITED)
        return
    if reversion.is_registered(type(row)):
        with reversion.create_revision():
            reversion.add_to_revision(row)
            reversion.set_comment(
                "Removed by an import: its file is gone from the archive. This is the version to recover."
            )
    row.delete()
    outcome.set(Status.REMOVED)
