"""Writing rows back to the archive's files, and knowing whether a row still matches its file.

A row whose content nobody changed is written back as the exact bytes it came from; a changed one
by PyYAML's dumper in the file's own style (``documents.write_back``). Each file is written
atomically, so a full disk or a read-only folder leaves the old file whole.
"""

from collections import defaultdict, namedtuple
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction

from episodes.models import Appearance, Episode, Guest, PlatformLink, QuotableClip, Section, TranscriptLine

from . import documents, workers
from .batch import update_rows
from .episode_file import CLIP_KEYS, build_episode
from .fields import build_person
from .files import STORAGE_ERRORS, FileWriteError, write_atomic
from .report import SyncError


class EpisodeTree:
    """Everything needed to write a set of episodes, in a fixed number of queries."""

    def __init__(self, episodes):
        self.episodes = list(episodes)
        ids = [episode.pk for episode in self.episodes]
        self.guests = defaultdict(list)
        self.links = defaultdict(list)
        self.clips = defaultdict(list)
        self.items = defaultdict(list)
        for chunk in _chunks(ids, 500):
            for episode_id, short in (
                Appearance.objects.filter(episode_id__in=chunk)
                .order_by("episode_id", "position", "id")
                .values_list("episode_id", "guest__short")
            ):
                self.guests[episode_id].append(short)
            for episode_id, platform, url in (
                PlatformLink.objects.filter(episode_id__in=chunk)
                .order_by("episode_id", "position", "id")
                .values_list("episode_id", "platform", "url")
            ):
                self.links[episode_id].append((platform, url))
            for row in (
                QuotableClip.objects.filter(episode_id__in=chunk)
                .order_by("episode_id", "position", "id")
                .values_list("episode_id", *ClipRow._fields)
            ):
                self.clips[row[0]].append(ClipRow(*row[1:]))
            for episode_id, position, title in (
                Section.objects.filter(episode_id__in=chunk).order_by().values_list("episode_id", "position", "title")
            ):
                self.items[episode_id].append((position, "header", title))
            for row in (
                TranscriptLine.objects.filter(episode_id__in=chunk)
                .order_by()
                .values_list("episode_id", "position", "text", "speaker", "sec", "time", "keys")
            ):
                self.items[row[0]].append((row[1], "line") + row[2:])
        for items in self.items.values():
            items.sort(key=lambda item: (item[0], item[1] == "line"))

    def __iter__(self):
        for episode in self.episodes:
            pk = episode.pk
            data, body = build_episode(episode, self.guests[pk], self.links[pk], self.clips[pk], self.items[pk])
            yield episode, data, body


# What ``episode_file.write_clip`` reads of a clip, without making a model instance of each.
ClipRow = namedtuple("ClipRow", [*CLIP_KEYS.values(), "keys"])


def _chunks(values, size):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def episode_document(episode):
    """(data, body) of one episode as it is in the database now."""
    ((_, data, body),) = EpisodeTree([episode])
    return data, body


def current_digest(obj, document=None):
    """The fingerprint of a row's content now; ``document``: its (data, body), when known."""
    if document is None:
        document = episode_document(obj) if isinstance(obj, Episode) else build_person(obj)
    return documents.digest(*document)


def is_edited(obj, document=None):
    """Whether the row was changed in the CMS since it was last imported or exported (a row made
    in the CMS and never written to a file counts as changed); ``document``: its (data, body)
    now, when known (``EpisodeTree`` makes those of many episodes at once)."""
    return not obj.synced_digest or current_digest(obj, document) != obj.synced_digest


def render(obj, data, body, *, reformat=False):
    """The file text for a row (see ``documents.write_back``)."""
    return documents.write_back(obj.source, obj.synced_digest, data, body, reformat)[0]


@dataclass
class ExportReport:
    written: int = 0
    unchanged: int = 0
    images: int = 0
    files: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # files that could not be written, and why

    @property
    def ok(self):
        return not self.errors


class Exporter:
    """Writes rows back to files in the archive's layout."""

    def __init__(self, out, *, reformat=False, slugs=(), seasons=(), storage=None):
        self.out = Path(out)
        self.reformat = reformat
        self.slugs = list(slugs)
        self.seasons = list(seasons)
        self.storage = storage or default_storage

    def episodes(self):
        episodes = Episode.objects.all().order_by("id")
        if self.slugs:
            episodes = episodes.filter(slug__in=self.slugs)
            missing = set(self.slugs) - set(episodes.values_list("slug", flat=True))
            if missing:
                raise SyncError(f"no episode with the slug {', '.join(sorted(missing))}")
        if self.seasons:
            episodes = episodes.filter(season__in=self.seasons)
        return episodes

    def people(self, episodes):
        people = Guest.objects.all().order_by("id")
        if self.slugs or self.seasons:
            people = people.filter(appearances__episode__in=episodes).distinct()
        return people

    def run(self):
        report = ExportReport()
        episodes = self.episodes()
        for folder in ("_podcast", "_people"):
            try:
                (self.out / folder).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SyncError(f"{self.out / folder}: cannot be made ({exc.strerror or exc}); nothing was written")
        people, episodes = list(self.people(episodes)), list(episodes)
        rows = []  # (row, file), in the order of the jobs

        def jobs():
            # Made as the second process takes them: it dumps the first files while the
            # transcripts are still being read and the later documents built.
            for guest in people:
                rows.append((guest, self.out / "_people" / f"{guest.short}.md"))
                yield (guest.source, guest.synced_digest, *build_person(guest), self.reformat)
            for episode, data, body in EpisodeTree(episodes):
                rows.append((episode, self.out / "_podcast" / episode.filename))
                yield (episode.source, episode.synced_digest, data, body, self.reformat)

        synced = []
        written = workers.write_back_many(jobs(), count=len(people) + len(episodes))
        for number, (text, digest) in enumerate(written):
            obj, path = rows[number]  # its job was made before its result came
            if not self._write(report, text, path):
                continue  # the file on disk is as it was, and so is the row's record of it
            if obj.source != text or obj.synced_digest != digest:
                obj.source, obj.source_sha256, obj.synced_digest = text, documents.sha256(text.encode("utf-8")), digest
                synced.append(obj)
            self._image(report, obj.picture if isinstance(obj, Guest) else obj.image)
        fields = ["source", "source_sha256", "synced_digest"]
        with transaction.atomic():
            for model in (Guest, Episode):
                changed = [row for row in synced if isinstance(row, model)]
                if changed:
                    update_rows(model, fields, changed)
        return report

    def _write(self, report, text, path):
        """Write one file (atomically: a failure leaves the old one whole); whether it is there."""
        raw = text.encode("utf-8")
        try:
            same = path.read_bytes() == raw
        except OSError:
            same = False
        report.files.append(path)
        if same:
            report.unchanged += 1
            return True
        try:
            write_atomic(path, raw)
        except FileWriteError as exc:
            report.errors.append(str(exc))
            return False
        report.written += 1
        return True

    def _image(self, report, image):
        name = image.name if image else ""
        if not name:
            return
        target = self.out / name
        try:
            if not self.storage.exists(name):
                return
            if target.is_file() and target.stat().st_size == self.storage.size(name):
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            with self.storage.open(name, "rb") as src:
                write_atomic(target, src.read())
            report.images += 1
        except STORAGE_ERRORS as exc:
            reason = getattr(exc, "strerror", None) or exc
            report.warnings.append(f"image {name} could not be written to {target}: {reason}")
