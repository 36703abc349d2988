"""Importing archive files: each file all or nothing, the rest going on when one fails.

The whole import is one transaction, each file in a savepoint of its own, and the only import
running (``batch.begin_import``). Unchanged files are recognised by their checksum and not parsed.
New rows go in together (``NewRows``); a row that exists is locked, then checked for edits made
in the CMS since its last sync, then written over: a save an editor makes at the same moment
either comes first and is a conflict here, or waits for this import.
"""

from pathlib import Path

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, OperationalError, connection, transaction

from episodes import addresses
from episodes.caching import content_changed_now
from episodes.models import EPISODE_CHILDREN, Episode, Guest, TranscriptLine, lock_rows

from . import batch, documents, pruning, renames, workers
from .documents import DocumentError
from .episode_file import child_rows, episode_fields
from .exporter import EpisodeTree, is_edited
from .fields import person_fields
from .files import STORAGE_ERRORS, copy_atomic
from .newrows import NewRows
from .report import Code, Outcome, Report, Status, SyncError
from .sources import collect

# What counts as a change to the content (the page cache's version moves).
CHANGES = (Status.CREATED, Status.UPDATED, Status.RENAMED, Status.REMOVED)

IMPORT_BUSY = (
    "Another import is running on this database; nothing was imported. Run this one again when it has finished."
)


class Importer:
    """Imports archive files; each file all-or-nothing, the rest going on when one fails."""

    def __init__(
        self,
        *,
        include_drafts=False,
        dry_run=False,
        force=False,
        storage=None,
        progress=None,
        parallel=True,
        keep_documents=False,
        prune=False,
        chosen=False,
        taken=(),
    ):
        """``parallel``: parse in a second process when there are many files (not inside a web
        request, where a worker process per upload is a cost the server should not take).
        ``keep_documents``: each outcome keeps its parsed file (a preview shows what it changes;
        an import of the whole archive would hold all of them in memory for nothing).
        ``chosen``: an editor chose these files (an upload), so a file whose row was edited in the
        CMS since its last sync is a conflict even when the file itself has not changed: the
        editor keeps the edit or takes the file (``force``), it is never "unchanged"."""
        self.chosen = chosen
        # The keys of the episodes and people whose file is taken over their edits in the CMS:
        # ``force`` for those files alone.
        self.taken = frozenset(taken)
        self.parallel = parallel
        self.keep_documents = keep_documents
        self.prune = prune
        self.include_drafts = include_drafts
        self.dry_run = dry_run
        self.force = force
        self.storage = storage or default_storage
        self.progress = progress or (lambda done, total: None)

    def run(self, paths):
        whole = all(Path(path).is_dir() for path in paths)
        if self.prune and not whole:
            raise SyncError("--prune removes what is not in the archive: give whole site folders, not single files")
        return self.run_sources(collect(paths), whole_archive=whole)

    def run_sources(self, sources, whole_archive=False):
        """Import ``sources``. ``whole_archive``: they are every file of the archive, so a file
        under a new name may be an episode's renamed file (``renames``), and with ``prune`` what
        they do not hold is removed (``pruning``)."""
        self.whole_archive = whole_archive or self.prune
        report = Report(dry_run=self.dry_run)
        copies = []
        try:
            # One transaction for the whole import, each file in a savepoint of its own: what
            # the import reads of the rows (and decides from) is what it writes over.
            with transaction.atomic():
                batch.begin_import()
                self._read_state()
                self._import(report, sources, copies)
                if self.prune:
                    pruning.prune(self, report, sources)
                if self.dry_run:
                    transaction.set_rollback(True)
                elif any(outcome.status in CHANGES for outcome in report.outcomes):
                    # With the data, last (rows written by COPY and bulk statements send no signals).
                    content_changed_now()
        except batch.ImportBusy:
            raise SyncError(IMPORT_BUSY) from None
        except OperationalError as exc:
            # SQLite: the write lock of another import (or save) held past the database's timeout.
            if connection.vendor == "sqlite" and "locked" in str(exc):
                raise SyncError(IMPORT_BUSY) from None
            raise
        if not self.dry_run:
            for source_path, name, outcome in copies:
                error = self._copy(source_path, name)
                if error:
                    outcome.failed_copies.append((name, error))
        return report

    def _read_state(self):
        self.identities = renames.Identities() if self.whole_archive else None
        self.guest_ids = dict(Guest.objects.values_list("short", "id"))
        self.guest_state = {short: (sha, None) for short, sha in Guest.objects.values_list("short", "source_sha256")}
        self.episode_state = {
            slug: (sha, published)
            for slug, sha, published in Episode.objects.values_list("slug", "source_sha256", "is_published")
        }

    def _import(self, report, sources, copies):
        # A file with no row yet is parsed whatever its bytes: with many, the worker process that
        # parses them starts now, while this one reads the files.
        self.episode_keys = {source.key for source in sources if source.kind == "episode"}
        self.edited_keys = self._edited_keys(sources) if self.chosen else set()
        new = sum(not (source.draft and not self.include_drafts) and self.state(source) is None for source in sources)
        with workers.parse_worker(new if self.parallel else 0) as worker:
            work = []
            for source in sources:
                outcome, raw, sha = self._precheck(source)
                report.outcomes.append(outcome)
                if raw is not None:
                    work.append((source, outcome, raw, sha))
            # New people last: their rows are written after the episodes' lines have started to
            # stream (NewRows); their ids are drawn first.
            work.sort(key=lambda item: item[0].kind == "person")
            parsed = workers.parse_many([raw for _, _, raw, _ in work], parallel=self.parallel, worker=worker)
            self._write(work, parsed, copies)

    def state(self, source):
        """(sha, published or None) of the row a file would write, if there is one."""
        return (self.guest_state if source.kind == "person" else self.episode_state).get(source.key)

    def _write(self, work, parsed, copies):
        """Write the parsed files: the new rows together (``NewRows``), then the rows that exist
        already, file by file."""
        if not work:
            return  # every file unchanged (or skipped): nothing to write
        self.writer = batch.writer()
        try:
            existing = []
            keys = self.episode_keys
            with NewRows(self, work, self.writer) as new_rows:
                for done, ((source, outcome, raw, sha), doc) in enumerate(zip(work, parsed), 1):
                    if self.keep_documents and not isinstance(doc, DocumentError):
                        outcome.document = doc
                    renamed = (
                        self.identities.renamed_row(source, doc, keys, outcome)
                        if self.whole_archive and new_rows.takes(source)
                        else None
                    )
                    if outcome.code == Code.AMBIGUOUS:
                        pass  # failed: which row it is the file of is not guessed
                    elif renamed is not None or not new_rows.takes(source):
                        existing.append((source, outcome, doc, sha, renamed))
                    else:
                        new_rows.add(source, outcome, doc, sha, raw)
                    self.progress(done, len(work))
                new_rows.write(copies)
            # A file taken for a row's renamed one that a later file could be as well: neither.
            existing = [entry for entry in existing if entry[1].code != Code.AMBIGUOUS]
            addresses.taken_again(new_rows.created_keys())
            # Each row is locked again, and then checked, as it is written (_person, _episode).
            lock_rows(Guest, short__in=[source.key for source, *_ in existing if source.kind == "person"])
            lock_rows(Episode, slug__in=[source.key for source, *_ in existing if source.kind == "episode"])
            lock_rows(Episode, pk__in=[renamed for *_, renamed in existing if renamed is not None])
            for source, outcome, doc, sha, renamed in existing:
                self.apply(source, outcome, doc, sha, copies, renamed=renamed)
        finally:
            self.writer.close()

    def _precheck(self, source):
        """(outcome, raw bytes, sha) of a file; no bytes when there is nothing more to do."""
        outcome = Outcome(str(source.path), source.kind, source.key)
        if source.draft and not self.include_drafts:
            outcome.set(Status.SKIPPED, Code.DRAFT)
            return outcome, None, None
        try:
            raw = source.read()
        except OSError as exc:
            outcome.set(Status.FAILED, Code.UNREADABLE, exc.strerror or str(exc))
            return outcome, None, None
        sha = documents.sha256(raw)
        state = self.state(source)
        edited = (source.kind, source.key) in self.edited_keys
        if state and state[0] == sha and state[1] in (None, not source.draft) and not edited:
            outcome.set(Status.UNCHANGED)
            return outcome, None, None
        return outcome, raw, sha

    def _edited_keys(self, sources):
        """(kind, key) of the existing rows among ``sources`` edited in the CMS since their last
        sync, found in a fixed number of queries."""
        keys = {kind: [s.key for s in sources if s.kind == kind] for kind in ("episode", "person")}
        edited = {
            ("person", guest.short) for guest in Guest.objects.filter(short__in=keys["person"]) if is_edited(guest)
        }
        episodes = Episode.objects.filter(slug__in=keys["episode"])
        for episode, data, body in EpisodeTree(episodes):
            if is_edited(episode, (data, body)):
                edited.add(("episode", episode.slug))
        return edited

    def apply(self, source, outcome, doc, sha, copies, renamed=None):
        """Write one parsed document (or record why not): all of it, or nothing. ``renamed``: the
        id of the episode whose renamed file this is."""
        try:
            if isinstance(doc, DocumentError):
                raise doc
            with transaction.atomic():
                if source.kind == "person":
                    status, images = self._person(source, doc, sha, outcome)
                else:
                    status, images = self._episode(source, doc, sha, outcome, renamed)
        except DatabaseError as exc:
            outcome.set(Status.FAILED, Code.REFUSED, str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            return
        except DocumentError as exc:
            self.invalid(source, outcome, exc)
            return
        self.written(source, outcome, status, images, copies)

    def invalid(self, source, outcome, exc):
        if source.draft:
            outcome.set(Status.SKIPPED, Code.DRAFT_INVALID, str(exc))
        else:
            outcome.set(Status.FAILED, Code.INVALID, str(exc))

    def written(self, source, outcome, status, images, copies):
        if status == Status.CONFLICT:
            outcome.set(Status.CONFLICT, Code.EDITED)
            return
        outcome.set(status, detail=outcome.detail if status == Status.RENAMED else "")
        for name in images:
            if not name:
                continue
            found = source.root / name if source.root else None
            if found is not None and found.is_file():
                copies.append((found, name, outcome))
            else:
                outcome.missing_images.append(name)

    def _edited(self, existing):
        key = existing.slug if isinstance(existing, Episode) else existing.short
        return not self.force and key not in self.taken and is_edited(existing)

    def _person(self, source, doc, sha, outcome):
        columns = self.person_columns(source, doc, sha)
        existing = (
            Guest.objects.select_for_update().filter(short=source.key).first()
            if source.key in self.guest_state
            else None
        )
        if existing is not None:
            if self._edited(existing):
                return Status.CONFLICT, []
            for attr, value in columns.items():
                setattr(existing, attr, value)
            existing.save()
            status = Status.UPDATED
        else:
            existing = Guest.objects.create(**columns)
            status = Status.CREATED
        self.guest_ids[existing.short] = existing.pk
        return status, [columns.get("picture", "")]

    def person_columns(self, source, doc, sha):
        columns = person_fields(doc, source.key)
        columns.update(source=doc.text, source_sha256=sha, synced_digest=doc.content_digest())
        return columns

    def episode_data(self, source, doc, sha):
        """The checked and converted episode, its row's columns included."""
        parsed = episode_fields(doc, source.key)
        missing = [key for key in parsed.guests if key not in self.guest_ids]
        if missing:
            raise DocumentError(f"guest {', '.join(map(repr, missing))} has no person file (_people/{missing[0]}.md)")
        parsed.fields.update(
            source=doc.text,
            source_sha256=sha,
            synced_digest=doc.content_digest(),
            is_published=not source.draft,
        )
        return parsed

    def _episode(self, source, doc, sha, outcome, renamed=None):
        parsed = self.episode_data(source, doc, sha)
        columns = parsed.fields
        # Locked, then checked: an editor's save waits for this file, or this file for the save,
        # and what is checked for edits is what is written over.
        if renamed is not None:
            episode = Episode.objects.select_for_update().filter(pk=renamed).first()
        elif source.key in self.episode_state:
            episode = Episode.objects.select_for_update().filter(slug=source.key).first()
        else:
            episode = None
        if episode is not None:
            if episode.is_published == source.draft and source.draft:
                raise DocumentError(f"a published episode {source.key!r} exists; the draft would replace it")
            if self._edited(episode):
                return Status.CONFLICT, []
            if renamed is not None:
                outcome.detail = episode.slug  # the name it had
            for attr, value in columns.items():
                setattr(episode, attr, value)
            episode.save()
            previous_lines = list(
                TranscriptLine.objects.filter(episode=episode)
                .order_by("position")
                .values_list("uid", "text", "speaker", "sec")
            )
            for model in EPISODE_CHILDREN.values():
                model.objects.filter(episode=episode).delete()
            status = Status.UPDATED if renamed is None else Status.RENAMED
        else:
            episode = Episode.objects.create(**columns)
            status = Status.CREATED
            previous_lines = None
        for model, child_columns, rows in child_rows(episode.pk, parsed, self.guest_ids, previous_lines):
            self.writer.insert(model, child_columns, rows)
        return status, [columns.get("image", "")]

    def _copy(self, source_path, name):
        """Copy an image named by a file into media storage; the reason when it could not be."""
        storage = self.storage
        try:
            if storage.exists(name) and storage.size(name) == source_path.stat().st_size:
                return None
            if isinstance(storage, FileSystemStorage):  # replaced in place, never missing
                target = Path(storage.path(name))
                target.parent.mkdir(parents=True, exist_ok=True)
                copy_atomic(source_path, target)
            else:  # object storage, say: through the storage's own save, under the same name
                if storage.exists(name):
                    storage.delete(name)
                with source_path.open("rb") as handle:
                    storage.save(name, handle)
        except STORAGE_ERRORS as exc:
            return getattr(exc, "strerror", None) or str(exc)
        return None
