"""The rows of an import's new people and episodes, written together.

File by file, every episode costs a dozen round trips (a savepoint, its row, a statement per
kind of child, the release), and on PostgreSQL the server's work on one file (most of it the
text search index of its lines) waits for ours on the next, and ours for it. Here ids are drawn
up front and every table is written at once by the ``batch.Writer``, which on PostgreSQL streams
the transcript lines while the files are still being read.

All of it happens inside one savepoint of the import's transaction. A file that fails its checks
is left out. If the database refuses anything, the savepoint is rolled back and the same files
are written again one by one (``Importer.apply``), each all or nothing.
"""

from dataclasses import dataclass

from django.db import DatabaseError, transaction

from episodes.models import Episode, Guest, TranscriptLine

from . import documents
from .batch import model_row
from .documents import DocumentError
from .episode_file import child_rows
from .report import Outcome, Status
from .sources import Source


@dataclass
class _Entry:
    """A new file on its way in: its bytes, not its parsed document (several times larger), in
    case it has to be written again alone; ``images`` stays None if it failed its checks."""

    source: Source
    outcome: Outcome
    raw: bytes
    sha: str
    images: list = None


class NewRows:
    def __init__(self, importer, work, writer):
        self.importer = importer
        self.writer = writer
        self.guest_ids_before = dict(importer.guest_ids)
        self.entries = []
        self.failed = False
        self.guests_named = set()  # the guests of the episodes written here
        new_people = [source for source, _, _, _ in work if source.kind == "person" and self.takes(source)]
        new_episodes = sum(source.kind == "episode" and self.takes(source) for source, _, _, _ in work)
        # The new people's ids now: episodes come first and name them.
        self.person_ids = dict(zip(map(id, new_people), writer.draw_ids(Guest, len(new_people))))
        for source in new_people:
            importer.guest_ids.setdefault(source.key, self.person_ids[id(source)])
        self.episode_ids = iter(writer.draw_ids(Episode, new_episodes))
        self.savepoint = transaction.savepoint()

    def takes(self, source):
        """Whether ``source`` is new: a row that exists goes through ``Importer.apply``."""
        return self.importer.state(source) is None

    def add(self, source, outcome, doc, sha, raw):
        entry = _Entry(source, outcome, raw, sha)
        self.entries.append(entry)
        if self.failed:
            return  # written file by file, with the others
        try:
            if isinstance(doc, DocumentError):
                raise doc
            entry.images = (
                self._queue_person(source, doc, sha)
                if source.kind == "person"
                else self._queue_episode(source, doc, sha)
            )
        except DocumentError as exc:
            self.importer.invalid(source, outcome, exc)
        except DatabaseError:
            self._fail()

    def _queue_person(self, source, doc, sha):
        columns = self.importer.person_columns(source, doc, sha)
        columns["id"] = self.person_ids[id(source)]
        self.writer.queue(Guest, *model_row(Guest, columns))
        return [columns.get("picture", "")]

    def _queue_episode(self, source, doc, sha):
        parsed = self.importer.episode_data(source, doc, sha)
        pk = parsed.fields["id"] = next(self.episode_ids)
        self.guests_named.update(parsed.guests)
        self.writer.queue(Episode, *model_row(Episode, parsed.fields))
        for model, columns, rows in child_rows(pk, parsed, self.importer.guest_ids):
            if model is TranscriptLine:
                self.writer.stream(model, columns, rows)
            else:
                self.writer.queue(model, columns, rows)
        return [parsed.fields.get("image", "")]

    def created_keys(self):
        """{kind: [key]} of the rows written here."""
        keys = {"episode": [], "person": []}
        if not self.failed:
            for entry in self.entries:
                if entry.images is not None:
                    keys[entry.source.kind].append(entry.source.key)
        return keys

    def _fail(self):
        self.failed = True
        self.writer.abort()

    def write(self, copies):
        """Write what is queued, then record each file's outcome."""
        importer = self.importer
        people = [entry for entry in self.entries if entry.source.kind == "person"]
        missing = {entry.source.key for entry in people if entry.images is None}
        missing -= {entry.source.key for entry in people if entry.images is not None}
        for key in missing - self.guest_ids_before.keys():
            del importer.guest_ids[key]  # its id was drawn in advance; the person is not coming
        if not self.failed and missing & self.guests_named:
            # An episode here names a new person whose file failed: alone, it would fail too.
            self._fail()
        if not self.failed:
            try:
                self.writer.write()
            except DatabaseError:
                self._fail()
        if self.failed:
            self._one_by_one(copies)
            return
        transaction.savepoint_commit(self.savepoint)
        for entry in self.entries:
            if entry.images is not None:
                importer.written(entry.source, entry.outcome, Status.CREATED, entry.images, copies)

    def _one_by_one(self, copies):
        transaction.savepoint_rollback(self.savepoint)
        self.importer.guest_ids = dict(self.guest_ids_before)
        # People first, as they would go alone.
        for entry in sorted(self.entries, key=lambda entry: entry.source.kind != "person"):
            entry.outcome.set(Status.FAILED)
            try:
                doc = documents.parse(entry.raw)
            except DocumentError as exc:
                doc = exc
            self.importer.apply(entry.source, entry.outcome, doc, entry.sha, copies)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if exc_info[1] is not None:
            self.writer.abort()
