"""Documents <-> models, both directions: the one place that knows both the file format and the
database.

Reading: ``Importer`` turns archive files into rows (``episode_fields``/``person_fields`` check
and convert one document). Writing: ``build_episode``/``build_person`` turn rows back into the
document's data, in the file's key order and with the file's types; ``Exporter`` writes files.

Faithfulness rests on three things kept per row (see ``models.Synced``): the source text and a
digest of the content at the last sync, so an unchanged row is written back as the exact bytes it
came from; the layout (key order, the form of odd values); and ``extra``, the keys that have no
column, as YAML.
"""

import contextlib
import datetime
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, OperationalError, connection, transaction

from episodes.caching import content_changed_now
from episodes.links import is_url
from episodes.models import Appearance, Episode, Guest, PlatformLink, QuotableClip, Section, TranscriptLine

from . import documents
from .documents import DocumentError
from .files import FileWriteError, copy_atomic, write_atomic

MAX_TRANSCRIPT_ITEMS = 20_000

try:  # object storage's client: its errors say that the store is out of reach, like a disk's
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - django-storages' S3 backend not installed
    STORAGE_ERRORS = (OSError,)
TODO = PlatformLink.TODO

# Keys with a column of their own: file key -> (model field, kind), in the order a new key is
# placed in a file that did not have it.
EPISODE_FIELDS = {
    "title": ("title", "text"),
    "short": ("short_title", "text"),
    "season": ("season", "number"),
    "episode": ("number", "number"),
    "guests": None,
    "image": ("image", "path"),
    "ids": None,
    "links": None,
    "description": ("description", "text"),
    "intro": ("intro", "text"),
    "topics": ("topics", "text list"),
    "dateadded": ("date_added", "date"),
    "date": ("date", "date"),
    "duration": ("duration", "text"),
    "quotableClips": None,
    "transcript": None,
}
PERSON_FIELDS = {
    "short": ("short", "text"),
    "title": ("title", "text"),
    "picture": ("picture", "path"),
    "linkedin": ("linkedin", "text"),
    "twitter": ("twitter", "text"),
    "github": ("github", "text"),
    "web": ("web", "url"),
    "bio_short": ("bio_short", "text"),
}
IDS = {"youtube": "youtube_id", "anchor": "anchor_id"}
LINE_KEYS = ("line", "sec", "time", "who")
CLIP_KEYS = {"name": "name", "startOffset": "start_offset", "endOffset": "end_offset", "url": "url"}


# --- checking and converting one document ------------------------------------------------------


def _type_name(value):
    return (
        "nothing"
        if value is None
        else {"str": "text", "int": "a number", "list": "a list", "dict": "a mapping"}.get(
            type(value).__name__, f"a {type(value).__name__}"
        )
    )


def _convert(key, kind, value, layout):
    """A file value -> its column value; records in ``layout`` how to write it back."""
    if value is None:
        layout.setdefault("null", []).append(key)
        return None
    if kind in ("text", "path", "url"):
        if not isinstance(value, str):
            raise DocumentError(f"'{key}' must be text, not {_type_name(value)} (quote it)")
        if kind == "url" and value and not is_url(value):
            raise DocumentError(f"'{key}' must be an http(s) address, not {value!r}")
        if kind == "path":
            check_relative_path(key, value)
        return value
    if kind == "number":
        if type(value) is not int or value < 0:
            raise DocumentError(f"'{key}' must be a whole number, not {_type_name(value)} ({value!r})")
        return value
    if kind == "date":
        if type(value) is datetime.date:
            return value
        if isinstance(value, str):
            try:
                parsed = datetime.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                if parsed.isoformat() == value:
                    layout.setdefault("as_text", []).append(key)
                    return parsed
        raise DocumentError(f"'{key}' must be a date (YYYY-MM-DD), not {value!r}")
    if kind == "text list":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise DocumentError(f"'{key}' must be a list of text")
        return value
    raise AssertionError(kind)


def _column_value(kind, value):
    if value is None:
        return [] if kind == "text list" else "" if kind in ("text", "path", "url") else None
    return value


def check_relative_path(key, value):
    path = PurePosixPath(value)
    if value and (path.is_absolute() or ".." in path.parts or "\\" in value or ":" in path.parts[0]):
        raise DocumentError(f"'{key}' {value!r} leaves the site folder; give a path inside it, like images/...")


def _split_known(data, spec):
    layout = {"keys": list(data)}
    columns = {}
    extra = {}
    for key, value in data.items():
        if key not in spec:
            extra[key] = value
        elif spec[key] is not None:
            attr, kind = spec[key]
            columns[attr] = _column_value(kind, _convert(key, kind, value, layout))
    return columns, extra, layout


def check_length(model, attr, value, label):
    limit = model._meta.get_field(attr).max_length
    if limit and isinstance(value, str) and len(value) > limit:
        raise DocumentError(f"{label} is {len(value):,} characters long; at most {limit:,} fit")


def _check_lengths(model, columns, spec):
    labels = {attr: f"'{key}'" for key, kind in spec.items() if kind for attr in [kind[0]]}
    for attr, value in columns.items():
        check_length(model, attr, value, labels.get(attr, f"'{attr}'"))


def _dump_extra(extra):
    return documents.dump(extra) if extra else ""


@dataclass
class EpisodeData:
    """One episode document, checked and converted, ready to be written to the database."""

    fields: dict
    guests: list
    links: list
    clips: list
    items: list  # ("header", title) or ("line", text, who, sec, time, keys), in file order


def episode_fields(doc, slug):
    """Check an episode document and convert it to column values, or raise DocumentError."""
    data = doc.data
    if "title" not in data:
        raise DocumentError("'title' is missing")
    columns, extra, layout = _split_known(data, EPISODE_FIELDS)
    if columns.get("title") is None or not columns["title"].strip():
        raise DocumentError("'title' must not be empty")

    guests = data.get("guests")
    if guests is None:
        guests = []
        if "guests" in data:
            layout.setdefault("null", []).append("guests")
    if not isinstance(guests, list) or not all(isinstance(g, str) for g in guests):
        raise DocumentError("'guests' must be a list of people keys")
    if len(set(guests)) != len(guests):
        raise DocumentError("'guests' names the same person twice")

    ids = data.get("ids") or {}
    if not isinstance(ids, dict):
        raise DocumentError(f"'ids' must be a mapping, not {_type_name(ids)}")
    layout["ids"] = list(ids)
    other_ids = {}
    for key, value in ids.items():
        if not isinstance(value, str):
            raise DocumentError(f"'ids.{key}' must be text, not {_type_name(value)}")
        if key in IDS:
            columns[IDS[key]] = value
        else:
            other_ids[key] = value
    if other_ids:
        layout["ids_other"] = other_ids

    links = data.get("links") or {}
    if not isinstance(links, dict):
        raise DocumentError(f"'links' must be a mapping of platform to address, not {_type_name(links)}")
    for platform, url in links.items():
        if not isinstance(platform, str) or not (url == TODO or is_url(url)):
            raise DocumentError(f"'links.{platform}' must be an http(s) address or {TODO}, not {url!r}")

    clips = data.get("quotableClips") or []
    if not isinstance(clips, list):
        raise DocumentError("'quotableClips' must be a list")
    converted_clips = []
    for number, clip in enumerate(clips, 1):
        if not isinstance(clip, dict) or not set(clip) <= set(CLIP_KEYS):
            raise DocumentError(f"quotableClips item {number} must be a mapping of {', '.join(CLIP_KEYS)}")
        for key in ("startOffset", "endOffset"):
            if key in clip and (type(clip[key]) is not int or clip[key] < 0):
                raise DocumentError(f"quotableClips item {number}: '{key}' must be a whole number of seconds")
        for key in ("name", "url"):
            if key in clip and not isinstance(clip[key], str):
                raise DocumentError(f"quotableClips item {number}: '{key}' must be text")
        if clip.get("url") and not is_url(clip["url"]):
            raise DocumentError(f"quotableClips item {number}: 'url' must be an http(s) address, not {clip['url']!r}")
        converted_clips.append(clip)

    transcript = data.get("transcript")
    if transcript is None:
        transcript = []
    if not isinstance(transcript, list):
        raise DocumentError(f"'transcript' must be a list of lines and headers, not {_type_name(transcript)}")
    if len(transcript) > MAX_TRANSCRIPT_ITEMS:
        raise DocumentError(
            f"the transcript has {len(transcript):,} items; more than {MAX_TRANSCRIPT_ITEMS:,} are refused"
        )
    items = [_transcript_item(number, item) for number, item in enumerate(transcript, 1)]

    for key in ("transcript", "quotableClips", "links", "ids"):
        if key in data and data[key] is None:
            layout.setdefault("null", []).append(key)
    for platform, url in links.items():
        check_length(PlatformLink, "platform", platform, f"the platform name {platform[:40]!r}")
        check_length(PlatformLink, "url", url, f"'links.{platform}'")
    # The limits once, and a label only for an item that is too long: this runs for every line.
    header_limit = Section._meta.get_field("title").max_length
    time_limit = TranscriptLine._meta.get_field("time").max_length
    for number, item in enumerate(items, 1):
        if item[0] == "header":
            if len(item[1]) > header_limit:
                check_length(Section, "title", item[1], f"transcript item {number}: 'header'")
        elif len(item[4]) > time_limit:
            check_length(TranscriptLine, "time", item[4], f"transcript item {number}: 'time'")
    for number, clip in enumerate(converted_clips, 1):
        for key in ("name", "url"):
            check_length(QuotableClip, CLIP_KEYS[key], clip.get(key), f"quotableClips item {number}: '{key}'")
    columns["slug"] = slug
    _check_lengths(Episode, columns, EPISODE_FIELDS)
    columns["extra"] = _dump_extra(extra)
    columns["layout"] = layout
    columns["body"] = doc.body
    return EpisodeData(columns, guests, list(links.items()), converted_clips, items)


_LINE_KEYS = frozenset(LINE_KEYS)


def _transcript_item(number, item):
    if isinstance(item, dict):
        if "header" in item and len(item) == 1:
            if not isinstance(item["header"], str):
                raise DocumentError(
                    f"transcript item {number}: 'header' must be text, not {_type_name(item['header'])}"
                )
            return ("header", item["header"])
        if "line" in item and item.keys() <= _LINE_KEYS:
            text, sec, when, who = item["line"], item.get("sec"), item.get("time"), item.get("who")
            if not isinstance(text, str):
                raise DocumentError(f"transcript item {number}: 'line' must be text, not {_type_name(text)}")
            if "sec" in item and (type(sec) is not int or sec < 0):
                raise DocumentError(f"transcript item {number}: 'sec' must be a whole number of seconds, not {sec!r}")
            if "time" in item and not isinstance(when, str):
                raise DocumentError(
                    f"transcript item {number}: 'time' must be text like '12:34', not {_type_name(when)} "
                    f"({when!r}); quote it"
                )
            if "who" in item and not isinstance(who, str):
                raise DocumentError(f"transcript item {number}: 'who' must be text, not {_type_name(who)}")
            keys = " ".join(item)
            return ("line", text, who or "", sec, when or "", keys)
    raise DocumentError(
        f"transcript item {number} is neither a line (line, sec, time, who) nor a header: {str(item)[:80]!r}"
    )


def person_fields(doc, short):
    data = doc.data
    columns, extra, layout = _split_known(data, PERSON_FIELDS)
    if data.get("short") != short:
        raise DocumentError(f"'short' is {data.get('short')!r} but the file name says {short!r}; they must match")
    if not columns.get("title"):
        columns["title"] = ""
    _check_lengths(Guest, columns, PERSON_FIELDS)
    columns["extra"] = _dump_extra(extra)
    columns["layout"] = layout
    columns["bio"] = doc.body
    return columns


# --- rows back to documents ----------------------------------------------------------------------


def _ordered_keys(layout, spec, present):
    """The file's key order, with keys new to the file placed where they belong."""
    keys = list(layout.get("keys", []))
    canonical = list(spec)
    for key in canonical:
        if key in keys or not present(key):
            continue
        earlier = canonical[: canonical.index(key)]
        at = max((keys.index(k) + 1 for k in earlier if k in keys), default=0)
        keys.insert(at, key)
    return keys


def _file_value(key, kind, value, layout):
    if value in (None, "", []) and key in layout.get("null", ()):
        return None
    if kind == "date" and value is not None and key in layout.get("as_text", ()):
        return value.isoformat()
    if kind == "path":
        return value.name if hasattr(value, "name") else value
    return value


OMIT = object()  # a special key that the file does not have and that is empty now


def _columns_to_data(obj, spec, layout, extra, specials):
    def value_of(key):
        if key in extra:
            return extra[key]
        if key in specials:
            return specials[key]
        if key not in spec:  # a key of "other front matter" that an editor removed
            return OMIT
        attr, kind = spec[key]
        value = _file_value(key, kind, getattr(obj, attr), layout)
        if value in ("", []) and key not in layout.get("keys", ()):
            return OMIT
        if value is None and key not in layout.get("null", ()):
            return OMIT
        return value

    values = {key: value_of(key) for key in set(spec) | set(extra) | set(layout.get("keys", ()))}
    keys = _ordered_keys(layout, spec, lambda key: values.get(key, OMIT) is not OMIT)
    # Keys an editor added under "other front matter" go last, in the order they were written.
    keys += [key for key in extra if key not in keys]
    return {key: values[key] for key in keys if values.get(key, OMIT) is not OMIT}


def _load_extra(text):
    return documents.load(text) or {} if text else {}


def build_episode(episode, guests, links, clips, items):
    """An episode's document data and body from its row and its children's rows.

    ``guests``: keys in order; ``links``: (platform, url); ``clips``: clip rows (``ClipRow`` or
    model instances); ``items``: sections and lines merged in position order, as
    (position, "header", title) or (position, "line", text, speaker, sec, time, keys).
    """
    layout = episode.layout or {}
    null = set(layout.get("null", ()))

    ids = {}
    id_values = {key: getattr(episode, attr) for key, attr in IDS.items()}
    id_values.update(layout.get("ids_other", {}))
    for key in layout.get("ids", []):
        if key in id_values:
            ids[key] = id_values.pop(key)
    ids.update((key, value) for key, value in id_values.items() if value)

    transcript = []
    for item in items:
        if item[1] == "header":
            transcript.append({"header": item[2]})
        else:
            transcript.append(_line_item(*item[2:]))

    keys = set(layout.get("keys", ()))

    def special(key, value):
        if not value and key in null:
            return None
        return value if value or key in keys else OMIT

    specials = {
        "guests": special("guests", list(guests)),
        "ids": special("ids", ids),
        "links": special("links", dict(links)),
        "quotableClips": special("quotableClips", [_clip_item(clip) for clip in clips]),
        "transcript": special("transcript", transcript),
    }
    data = _columns_to_data(episode, EPISODE_FIELDS, layout, _load_extra(episode.extra), specials)
    return data, episode.body


_USUAL_LINE = " ".join(LINE_KEYS)


def _line_item(text, speaker, sec, when, keys):
    values = {"line": text, "sec": sec, "time": when, "who": speaker}
    if keys == _USUAL_LINE and sec is not None:
        return values  # all four keys in the usual order, none of them null: most lines
    order = keys.split() if keys else []
    order += [key for key in LINE_KEYS if key not in order and values[key] not in (None, "")]
    return {key: values[key] for key in order if key == "line" or values[key] is not None}


def _clip_item(clip):
    values = {key: getattr(clip, attr) for key, attr in CLIP_KEYS.items()}
    order = clip.keys.split() if clip.keys else []
    order += [key for key in CLIP_KEYS if key not in order and values[key] not in (None, "")]
    return {key: values[key] for key in order if values[key] is not None}


def build_person(guest):
    layout = guest.layout or {}
    data = _columns_to_data(guest, PERSON_FIELDS, layout, _load_extra(guest.extra), {})
    return data, guest.bio


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


# What ``_clip_item`` reads of a clip, without making a model instance of each.
ClipRow = namedtuple("ClipRow", [*CLIP_KEYS.values(), "keys"])


def _chunks(values, size):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def episode_document(episode):
    """(data, body) of one episode as it is in the database now."""
    ((_, data, body),) = EpisodeTree([episode])
    return data, body


def current_digest(obj):
    data, body = episode_document(obj) if isinstance(obj, Episode) else build_person(obj)
    return documents.digest(data, body)


def is_edited(obj):
    """Whether the row was changed in the CMS since it was last imported or exported (a row made
    in the CMS and never written to a file counts as changed)."""
    return not obj.synced_digest or current_digest(obj) != obj.synced_digest


def render(obj, data, body, *, reformat=False):
    """The file text for a row (see ``documents.write_back``)."""
    return documents.write_back(obj.source, obj.synced_digest, data, body, reformat)[0]


# --- import --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    path: str
    kind: str  # "episode" or "person"
    key: str
    status: str  # created, updated, unchanged, skipped, conflict, failed
    message: str = ""
    warnings: list = field(default_factory=list)


STATUSES = ("created", "updated", "unchanged", "skipped", "conflict", "failed")


@dataclass
class Report:
    outcomes: list = field(default_factory=list)
    dry_run: bool = False

    def count(self, status, kind=None):
        return sum(1 for o in self.outcomes if o.status == status and (kind is None or o.kind == kind))

    @property
    def ok(self):
        return not any(o.status in ("failed", "conflict") for o in self.outcomes)

    def summary(self):
        parts = []
        for kind, label in (("person", "People"), ("episode", "Episodes")):
            if any(o.kind == kind for o in self.outcomes):
                counts = ", ".join(f"{self.count(s, kind)} {s}" for s in STATUSES)
                parts.append(f"{label}: {counts}.")
        if self.dry_run:
            parts.append("Dry run: nothing was written.")
        return " ".join(parts) or "No files found."


class SyncError(Exception):
    pass


IMPORT_BUSY = (
    "Another import is running on this database; nothing was imported. Run this one again when it has finished."
)
# The key of the PostgreSQL advisory lock that an import holds (any number, the same everywhere).
IMPORT_LOCK_KEY = 7_316_852_902


def exclusive_import():
    """Make the current transaction the only import running, or raise SyncError at once.

    Two imports at once would each decide from rows the other is about to write, and the second
    would wait on the first's new rows. On PostgreSQL a transaction-level advisory lock says
    which runs; on SQLite every transaction takes the write lock as it begins (``transaction_mode``
    IMMEDIATE, see settings), so a second import waits for the first there, up to the database's
    timeout, then stops with the same sentence."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        (locked,) = cursor.fetchone()
    if not locked:
        raise SyncError(IMPORT_BUSY)


@dataclass
class Source:
    """A file to import: where it is, what it is, and the site root its images are under."""

    path: Path
    kind: str
    root: Path = None
    content: bytes = None  # given directly (an upload) instead of read from path

    def read(self):
        return self.content if self.content is not None else self.path.read_bytes()

    @property
    def draft(self):
        return self.path.name.startswith("_")

    @property
    def key(self):
        return self.path.stem.lstrip("_")


def collect(paths):
    """Archive files under site roots or given one by one: people first, then episodes."""
    sources = []
    for given in map(Path, paths):
        if given.is_dir():
            if not (given / "_podcast").is_dir() and not (given / "_people").is_dir():
                raise SyncError(f"{given}: not a site root (it has neither _podcast/ nor _people/)")
            for folder, kind in (("_people", "person"), ("_podcast", "episode")):
                sources += [Source(p, kind, given) for p in sorted((given / folder).glob("*.md"))]
        elif given.is_file() and given.suffix == ".md":
            kind = "person" if given.parent.name == "_people" else "episode"
            sources.append(Source(given, kind, given.parent.parent))
        else:
            raise SyncError(f"{given}: no such site folder or .md file")
    sources.sort(key=lambda s: s.kind != "person")
    return sources


def lock_rows(model, **lookup):
    """Lock the rows of ``model`` that ``lookup`` selects until the transaction ends, in the order
    every writer of several rows takes them (by id), so that two writers never wait for each
    other in a circle: one waits for the other's change, and then sees it."""
    if lookup and all(lookup.values()):
        list(model.objects.select_for_update().filter(**lookup).order_by("pk").values("pk"))


class Importer:
    """Imports archive files; each file all-or-nothing, the rest going on when one fails."""

    def __init__(self, *, include_drafts=False, dry_run=False, force=False, storage=None, progress=None, parallel=True):
        """``parallel``: parse in a second process when there are many files (not inside a web
        request, where a worker process per upload is a cost the server should not take)."""
        self.parallel = parallel
        self.include_drafts = include_drafts
        self.dry_run = dry_run
        self.force = force
        self.storage = storage or default_storage
        self.progress = progress or (lambda done, total: None)

    def run(self, paths):
        return self.run_sources(collect(paths))

    def run_sources(self, sources):
        report = Report(dry_run=self.dry_run)
        copies = []
        try:
            # One transaction for the whole import, each file in a savepoint of its own: what
            # the import reads of the rows (and decides from) is what it writes over.
            with transaction.atomic():
                exclusive_import()
                self._read_state()
                self._import(report, sources, copies)
                if self.dry_run:
                    transaction.set_rollback(True)
                elif any(outcome.status in ("created", "updated") for outcome in report.outcomes):
                    # With the data, last (rows written by COPY and bulk statements send no signals).
                    content_changed_now()
        except OperationalError as exc:
            if connection.vendor == "sqlite" and "locked" in str(exc):
                raise SyncError(IMPORT_BUSY) from None
            raise
        if not self.dry_run:
            for source_path, name, outcome in copies:
                error = self._copy(source_path, name)
                if error:
                    outcome.warnings.append(f"image {name} could not be copied to media storage: {error}")
        return report

    def _read_state(self):
        self.guest_ids = dict(Guest.objects.values_list("short", "id"))
        self.guest_state = {short: (sha, None) for short, sha in Guest.objects.values_list("short", "source_sha256")}
        self.episode_state = {
            slug: (sha, published)
            for slug, sha, published in Episode.objects.values_list("slug", "source_sha256", "is_published")
        }

    def _import(self, report, sources, copies):
        # A file with no row yet is parsed whatever its bytes: with many, the worker process that
        # parses them starts now, while this one reads the files.
        new = sum(not (source.draft and not self.include_drafts) and self._state(source) is None for source in sources)
        with documents.parse_worker(new if self.parallel else 0) as worker:
            work = []
            for source in sources:
                outcome, raw, sha = self._precheck(source)
                report.outcomes.append(outcome)
                if raw is not None:
                    work.append((source, outcome, raw, sha))
            if connection.vendor == "postgresql":
                # New people are written last there (NewRows): episodes first, so that the server
                # starts on their transcripts while the people are read.
                work.sort(key=lambda item: item[0].kind == "person")
            parsed = documents.parse_many([raw for _, _, raw, _ in work], parallel=self.parallel, worker=worker)
            self._write(work, parsed, copies)

    def _state(self, source):
        """(sha, published or None) of the row a file would write, if there is one."""
        return (self.guest_state if source.kind == "person" else self.episode_state).get(source.key)

    def _write(self, work, parsed, copies):
        """Write the parsed files: on PostgreSQL the new rows together (see ``NewRows``), then
        the rows that exist already, file by file."""
        if connection.vendor == "postgresql":
            # Waiting for the disk at commit adds nothing here: the import is all or nothing per
            # file, and a crash before the commit loses only this run, which can be redone.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        new_rows = NewRows(self, work) if connection.vendor == "postgresql" and work else None
        existing = []
        with new_rows or contextlib.nullcontext():
            for done, ((source, outcome, raw, sha), doc) in enumerate(zip(work, parsed), 1):
                if new_rows is None:
                    self._apply(source, outcome, doc, sha, copies)
                elif new_rows.takes(source):
                    new_rows.add(source, outcome, doc, sha, raw)
                else:
                    existing.append((source, outcome, doc, sha))
                self.progress(done, len(work))
            if new_rows is not None:
                new_rows.write(copies)
        # Each row is locked again, and then checked, as it is written (_person, _episode).
        lock_rows(Guest, short__in=[source.key for source, *_ in existing if source.kind == "person"])
        lock_rows(Episode, slug__in=[source.key for source, *_ in existing if source.kind == "episode"])
        for source, outcome, doc, sha in existing:
            self._apply(source, outcome, doc, sha, copies)

    def _precheck(self, source):
        """(outcome, raw bytes, sha) of a file; no bytes when there is nothing more to do."""
        outcome = Outcome(str(source.path), source.kind, source.key, "failed")
        if source.draft and not self.include_drafts:
            outcome.status, outcome.message = "skipped", "draft or template (its name starts with _)"
            return outcome, None, None
        try:
            raw = source.read()
        except OSError as exc:
            outcome.message = f"cannot read the file: {exc.strerror}"
            return outcome, None, None
        sha = documents.sha256(raw)
        state = self._state(source)
        if state and state[0] == sha and state[1] in (None, not source.draft):
            outcome.status = "unchanged"
            return outcome, None, None
        return outcome, raw, sha

    def _apply(self, source, outcome, doc, sha, copies):
        """Write one parsed document (or record why not): all of it, or nothing."""
        try:
            if isinstance(doc, DocumentError):
                raise doc
            with transaction.atomic():
                if source.kind == "person":
                    status, images = self._person(source, doc, sha, outcome)
                else:
                    status, images = self._episode(source, doc, sha, outcome)
        except DatabaseError as exc:
            outcome.message = f"the database refused it: {str(exc).strip().splitlines()[0]}"
            return
        except DocumentError as exc:
            self._invalid(source, outcome, exc)
            return
        self._written(source, outcome, status, images, copies)

    def _invalid(self, source, outcome, exc):
        if source.draft:
            outcome.status, outcome.message = "skipped", f"draft that does not parse: {exc}"
        else:
            outcome.message = str(exc)

    def _written(self, source, outcome, status, images, copies):
        outcome.status = status
        for name in images:
            if not name:
                continue
            found = source.root / name if source.root else None
            if found is not None and found.is_file():
                copies.append((found, name, outcome))
            else:
                outcome.warnings.append(f"image {name} is not in the site; the path is kept")

    def _conflict(self, existing, outcome):
        if not self.force and is_edited(existing):
            outcome.message = "changed in the CMS since it was last imported or exported; use --force to overwrite"
            return True
        return False

    def _person(self, source, doc, sha, outcome):
        columns = self._person_columns(source, doc, sha)
        existing = (
            Guest.objects.select_for_update().filter(short=source.key).first()
            if source.key in self.guest_state
            else None
        )
        if existing is not None:
            if self._conflict(existing, outcome):
                return "conflict", []
            for attr, value in columns.items():
                setattr(existing, attr, value)
            existing.save()
            status = "updated"
        else:
            existing = Guest.objects.create(**columns)
            status = "created"
        self.guest_ids[existing.short] = existing.pk
        return status, [columns.get("picture", "")]

    def _person_columns(self, source, doc, sha):
        columns = person_fields(doc, source.key)
        columns.update(source=doc.text, source_sha256=sha, synced_digest=doc.content_digest())
        return columns

    def _episode_data(self, source, doc, sha):
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

    def _episode(self, source, doc, sha, outcome):
        parsed = self._episode_data(source, doc, sha)
        columns = parsed.fields
        # Locked, then checked: an editor's save waits for this file, or this file for the save,
        # and what is checked for edits is what is written over.
        episode = (
            Episode.objects.select_for_update().filter(slug=source.key).first()
            if source.key in self.episode_state
            else None
        )
        if episode is not None:
            if episode.is_published == source.draft and source.draft:
                raise DocumentError(f"a published episode {source.key!r} exists; the draft would replace it")
            if self._conflict(episode, outcome):
                return "conflict", []
            for attr, value in columns.items():
                setattr(episode, attr, value)
            episode.save()
            for model in (Appearance, PlatformLink, QuotableClip, Section, TranscriptLine):
                model.objects.filter(episode=episode).delete()
            status = "updated"
        else:
            episode = Episode.objects.create(**columns)
            status = "created"
        self._children(episode, parsed)
        return status, [columns.get("image", "")]

    def _children(self, episode, parsed):
        for model, columns, rows in self._child_rows(episode.pk, parsed):
            insert_rows(model, columns, rows)

    def _child_rows(self, pk, parsed):
        """(model, columns, rows) of an episode's children, the transcript lines last."""
        sections, lines = [], []
        for position, item in enumerate(parsed.items):
            if item[0] == "header":
                sections.append((pk, position, item[1]))
            else:
                _, text, who, sec, when, keys = item
                lines.append((pk, position, text, who, sec, when, keys))
        return [
            (Appearance, APPEARANCE_COLUMNS, [(pk, self.guest_ids[key], i) for i, key in enumerate(parsed.guests)]),
            (PlatformLink, LINK_COLUMNS, [(pk, p, u, i) for i, (p, u) in enumerate(parsed.links)]),
            (
                QuotableClip,
                CLIP_COLUMNS,
                [
                    (
                        pk,
                        i,
                        " ".join(clip),
                        *(clip.get(key, "" if key in ("name", "url") else None) for key in CLIP_KEYS),
                    )
                    for i, clip in enumerate(parsed.clips)
                ],
            ),
            (Section, SECTION_COLUMNS, sections),
            (TranscriptLine, LINE_COLUMNS, lines),
        ]

    def _copy(self, source_path, name):
        storage = self.storage
        try:
            if storage.exists(name) and storage.size(name) == source_path.stat().st_size:
                return
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


class NewRows:
    """The rows of new people and episodes, written together (PostgreSQL).

    File by file, every episode costs a dozen round trips (a savepoint, its row, a COPY per kind
    of child, the release), and the server's work on one file (most of it the text search index
    of its lines) waits for ours on the next, and ours for it. Here ids are drawn from the
    sequences up front; transcript lines stream through a COPY as files are read, so that the
    server indexes them while this process converts the next files; the other rows follow at the
    end, a COPY per table, and the foreign keys are checked then (Django makes them deferrable,
    so lines may come before their episode).

    All of it happens inside one savepoint of the import's transaction. A file that fails its
    checks is left out. If the database refuses anything, the savepoint is rolled back and the
    same files are written again one by one (``Importer._apply``), each all or nothing.
    """

    def __init__(self, importer, work):
        self.importer = importer
        self.guest_ids_before = dict(importer.guest_ids)
        self.entries = []
        self.failed = False
        new_people = [source for source, _, _, _ in work if source.kind == "person" and self.takes(source)]
        new_episodes = sum(source.kind == "episode" and self.takes(source) for source, _, _, _ in work)
        self.guests_named = set()  # the guests of the episodes written here
        self.cursor = connection.cursor()
        self._lines = self.lines = None  # the lines' COPY: its context manager and the COPY, while open
        self.tables = {}  # model -> (columns, rows), for a COPY each at the end
        try:
            # The new people's ids now: episodes come first and name them.
            self.person_ids = dict(zip(map(id, new_people), self._draw_ids(Guest, len(new_people))))
            for source in new_people:
                importer.guest_ids.setdefault(source.key, self.person_ids[id(source)])
            self.episode_ids = iter(self._draw_ids(Episode, new_episodes))
            self.savepoint = transaction.savepoint()
        except BaseException:
            self.cursor.close()
            raise

    def takes(self, source):
        """Whether ``source`` is new: a row that exists goes through ``Importer._apply``."""
        return self.importer._state(source) is None

    def _draw_ids(self, model, count):
        if not count:
            return []
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in self.cursor.fetchall()]

    def add(self, source, outcome, doc, sha, raw):
        importer = self.importer
        entry = _Entry(source, outcome, raw, sha)
        self.entries.append(entry)
        if self.failed:
            return  # written file by file, with the others
        try:
            if isinstance(doc, DocumentError):
                raise doc
            if source.kind == "person":
                columns = importer._person_columns(source, doc, sha)
                columns["id"] = self.person_ids[id(source)]
                self._queue(Guest, *model_row(Guest, columns))
                entry.images = [columns.get("picture", "")]
            else:
                parsed = importer._episode_data(source, doc, sha)
                pk = parsed.fields["id"] = next(self.episode_ids)
                self.guests_named.update(parsed.guests)
                self._queue(Episode, *model_row(Episode, parsed.fields))
                for model, columns, rows in importer._child_rows(pk, parsed):
                    if model is TranscriptLine:
                        self._stream_lines(rows)
                    else:
                        self._queue(model, columns, rows)
                entry.images = [parsed.fields.get("image", "")]
        except DocumentError as exc:
            importer._invalid(source, outcome, exc)
        except DatabaseError:
            self._fail()

    def _queue(self, model, columns, rows):
        self.tables.setdefault(model, (columns, []))[1].extend(rows)

    def _stream_lines(self, rows):
        if not rows:
            return
        with connection.wrap_database_errors:
            if self._lines is None:
                self._lines = self.cursor.cursor.copy(copy_statement(TranscriptLine, LINE_COLUMNS))
                self.lines = self._lines.__enter__()
            for row in rows:
                self.lines.write_row(row)

    def _end_lines(self, error=None):
        """End the lines' COPY: in full, or as failed when there is an ``error``."""
        if self._lines is None:
            return
        manager, self._lines, self.lines = self._lines, None, None
        if error is None:
            manager.__exit__(None, None, None)
            return
        try:
            with connection.wrap_database_errors:
                manager.__exit__(type(error), error, error.__traceback__)
        except DatabaseError:
            pass  # it had ended already; the rollback clears the rest

    def _fail(self):
        self.failed = True
        self._end_lines(DatabaseError("the import stopped"))

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
                with connection.wrap_database_errors:
                    self._end_lines()
                    raw = self.cursor.cursor
                    for model in (Guest, Episode, Appearance, PlatformLink, QuotableClip, Section):
                        if model in self.tables:
                            copy_rows(raw, model, *self.tables[model])
                    # Checked now, inside the savepoint, so that a refusal falls back to the files
                    # one by one instead of failing the whole import at its commit.
                    raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    raw.execute("SET CONSTRAINTS ALL DEFERRED")
            except DatabaseError:
                self._fail()
        if self.failed:
            transaction.savepoint_rollback(self.savepoint)
            importer.guest_ids = dict(self.guest_ids_before)
            # People first, as they would go alone.
            for entry in sorted(self.entries, key=lambda entry: entry.source.kind != "person"):
                entry.outcome.status, entry.outcome.message = "failed", ""
                try:
                    doc = documents.parse(entry.raw)
                except DocumentError as exc:
                    doc = exc
                importer._apply(entry.source, entry.outcome, doc, entry.sha, copies)
            return
        transaction.savepoint_commit(self.savepoint)
        for entry in self.entries:
            if entry.images is not None:
                importer._written(entry.source, entry.outcome, "created", entry.images, copies)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        # On the way out, an error or not: no COPY left open (a failed one is ended as failed).
        self._end_lines(exc_info[1] or DatabaseError("the import stopped"))
        self.cursor.close()


@dataclass
class _Entry:
    """A new file on its way in: its bytes, not its parsed document (several times larger), in
    case it has to be written again alone; ``images`` stays None if it failed its checks."""

    source: Source
    outcome: Outcome
    raw: bytes
    sha: str
    images: list = None


APPEARANCE_COLUMNS = ("episode_id", "guest_id", "position")
LINK_COLUMNS = ("episode_id", "platform", "url", "position")
CLIP_COLUMNS = ("episode_id", "position", "keys", *CLIP_KEYS.values())
SECTION_COLUMNS = ("episode_id", "position", "title")
LINE_COLUMNS = ("episode_id", "position", "text", "speaker", "sec", "time", "keys")


def model_row(model, values):
    """(columns, [row]) of a new ``model(**values)`` as ``save()`` would insert it: every column,
    with its default, ``auto_now`` time and the database's adaptation (JSON) applied."""
    obj = model(**values)
    fields = model._meta.concrete_fields
    row = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    return [field.attname for field in fields], [row]


def copy_statement(model, columns):
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    return f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"


def copy_rows(cursor, model, columns, rows):
    """COPY rows into a table (PostgreSQL), through psycopg's ``cursor`` (the one under Django's:
    COPY is not in Django's API, and its errors are psycopg's, for the caller to wrap)."""
    with cursor.copy(copy_statement(model, columns)) as copy:
        for row in rows:
            copy.write_row(row)


def update_rows(model, fields, objs):
    """Write ``fields`` of many rows, one UPDATE each, sent together (psycopg pipelines them):
    ``bulk_update``'s CASE expressions cost more to build than the rows' text does to send."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in fields)
    statement = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(statement, [[getattr(obj, name) for name in fields] + [obj.pk] for obj in objs])


def insert_rows(model, columns, rows):
    """Insert many plain rows at once: a long transcript is hundreds of rows and the archive tens
    of thousands, and building a model instance for each costs more than parsing its YAML.
    PostgreSQL takes them by COPY; other databases by one executemany."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY goes round Django's cursor: its errors must become Django's (DatabaseError) too.
            with connection.wrap_database_errors:
                copy_rows(cursor.cursor, model, columns, rows)
        else:
            quote = connection.ops.quote_name
            names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
            table = quote(model._meta.db_table)
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


# --- export --------------------------------------------------------------------------------------


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
        written = documents.write_back_many(jobs(), count=len(people) + len(episodes))
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
