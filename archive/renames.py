"""Which existing episode a file with a new name is the file of: its identity survives a rename.

An episode is the same episode under a new file name when the file's YouTube id is the row's
(when the file has one; ``TODO`` is none), or else when its season, number and title are the
row's. Only a row whose own file is not in the import can have been renamed; a file that could be
the renamed file of several rows, or a row that several files could be the renamed file of, is
reported and none of them is renamed: which one it is, is not guessed.
"""

from collections import defaultdict

from episodes.links import known_youtube_id
from episodes.models import Episode

from .documents import DocumentError
from .report import Code, Status


def identity(data):
    """An episode's identity from a file's data (or a row's values): ("youtube", id) or
    ("numbered", season, number, title); None when it has neither."""
    ids = data.get("ids") if isinstance(data.get("ids"), dict) else {}
    youtube = known_youtube_id(ids.get("youtube"))
    if youtube:
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
        self.claims = {}  # pk -> (the file's key, its outcome): the file taken as its renamed one
        self.claimed = set()  # every row a file could be the renamed file of: never pruned

    def renamed_row(self, source, doc, keys, outcome):
        """The id of the episode whose renamed file ``source`` is, or None. ``keys``: the files'
        keys in this import (a row whose file is among them was not renamed). A file that could be
        several rows' is marked failed in ``outcome``; so are two files that could be one row's,
        the first one's outcome too: the importer leaves out every file marked so."""
        if source.kind != "episode" or isinstance(doc, DocumentError):
            return None
        key = identity(doc.data)
        if key is None:
            return None
        candidates = [(pk, slug) for pk, slug in self.rows.get(key, ()) if slug not in keys]
        if not candidates:
            return None
        self.claimed.update(pk for pk, _ in candidates)
        if len(candidates) > 1:
            outcome.set(Status.FAILED, Code.AMBIGUOUS, ", ".join(sorted(slug for _, slug in candidates)))
            return None
        pk, slug = candidates[0]
        if pk in self.claims:
            first, first_outcome = self.claims[pk]
            first_outcome.set(Status.FAILED, Code.AMBIGUOUS, f"{slug}, as could {source.key}")
            outcome.set(Status.FAILED, Code.AMBIGUOUS, f"{slug}, as could {first}")
            return None
        self.claims[pk] = (source.key, outcome)
        return pk
