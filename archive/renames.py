"""Which existing episode a file with a new name is the file of: its identity survives a rename.

An episode is the same episode under a new file name when the file's YouTube id is the row's
(when the file has one), or else when its season, number and title are the row's. Only a row
whose own file is not in the import can have been renamed; a file that could be the renamed file
of several rows, or a row claimed by several files, is reported and none is renamed.
"""

from collections import defaultdict

from episodes.models import Episode

from .documents import DocumentError
from .report import Code, Status


def identity(data):
    """An episode's identity from a file's data (or a row's values): ("youtube", id) or
    ("numbered", season, number, title); None when it has neither."""
    ids = data.get("ids") if isinstance(data.get("ids"), dict) else {}
    youtube = ids.get("youtube")
    if isinstance(youtube, str) and youtube:
        return ("youtube", youtube)
    season, number, title = data.get("season"), data.get("episode"), data.get("title")
    if season is not None and number is not None and title:
        return ("numbered", season, number, title)
    return None


class Identities:
    """The identities of the episodes in the database, read once per import."""

    def __init__(self):
        self.rows = defaultdict(list)  # identity -> [(pk, slug)]
        rows = Episode.objects.values_list("pk", "slug", "youtube_id", "season", "number", "title")
        for pk, slug, youtube, season, number, title in rows:
            data = {"ids": {"youtube": youtube}, "season": season, "episode": number, "title": title}
            key = identity(data)
            if key is not None:
                self.rows[key].append((pk, slug))
        self.claimed = {}  # pk -> the file that renamed it

    def renamed_row(self, source, doc, keys, outcome):
        """The id of the episode whose renamed file ``source`` is, or None. ``keys``: the files'
        keys in this import (a row whose file is among them was not renamed). A file that could be
        several rows' is marked failed in ``outcome``."""
        if source.kind != "episode" or isinstance(doc, DocumentError):
            return None
        key = identity(doc.data)
        if key is None:
            return None
        candidates = [(pk, slug) for pk, slug in self.rows.get(key, ()) if slug not in keys]
        if not candidates:
            return None
        if len(candidates) > 1 or candidates[0][0] in self.claimed:
            names = sorted({slug for _, slug in candidates} | {self.claimed.get(pk, "") for pk, _ in candidates} - {""})
            outcome.set(Status.FAILED, Code.AMBIGUOUS, ", ".join(names))
            return None
        pk, _ = candidates[0]
        self.claimed[pk] = source.key
        return pk
