"""``health`` over a site folder's files, without the database: each file parsed and read as
the import reads it, its problems named by file and transcript item."""

from dataclasses import dataclass, field
from pathlib import Path

from episodes import site
from episodes.speakers import Speakers

from . import documents, health
from .documents import DocumentError
from .episode_file import episode_fields
from .fields import person_fields
from .report import SyncError
from .sources import collect


@dataclass
class FileFindings:
    """The findings of one file, with where it is."""

    path: Path
    findings: list = field(default_factory=list)
    item_lines: list | None = None  # the file's line of each transcript item, when one has a problem
    error_line: int | None = None  # the line an unreadable file's error names, when it names one

    def line(self, finding):
        """The file's line (1-based) the finding points at, or None for the file as a whole."""
        if finding.kind == health.UNREADABLE:
            return self.error_line
        if finding.position is None or not self.item_lines or finding.position >= len(self.item_lines):
            return None
        return self.item_lines[finding.position]


@dataclass
class People:
    """What the episodes' checks need of the person files: their titles and whether they read."""

    titles: dict = field(default_factory=dict)  # key -> title ("" when the file has none)

    def host_names(self):
        """The hosts as ``settings.PODCAST_HOSTS`` names them: their files' titles, else the
        key (as ``episodes.speakers`` names a host); None when it names no host."""
        keys = site.hosts()
        return [self.titles.get(key) or key for key in keys] if keys else None


def read(source):
    """The document of a file, or DocumentError; too large a file is refused unread."""
    try:
        if source.path.stat().st_size > documents.MAX_BYTES:
            raise DocumentError(f"the file is larger than {documents.MAX_BYTES:,} bytes")
        return documents.parse(source.read())
    except OSError as exc:
        raise DocumentError(exc.strerror or str(exc)) from None


def image(root, path):
    return (path, bool(path) and (root / path).is_file())


def check_person(source, people):
    doc = read(source)
    columns = person_fields(doc, source.key)
    people.titles[source.key] = columns["title"]
    return health.check(health.Subject(images=[image(source.root, columns.get("picture", ""))])), None


def check_episode(source, people, hosts):
    """(findings, the file's line of each transcript item): the lines are looked up only when a
    transcript item has a problem."""
    doc = read(source)
    parsed = episode_fields(doc, source.key)
    missing = [key for key in parsed.guests if key not in people.titles]
    if missing:
        raise DocumentError(f"guest {', '.join(map(repr, missing))} has no person file (_people/{missing[0]}.md)")
    speakers = None if hosts is None else Speakers(hosts, [people.titles[key] for key in parsed.guests])
    subject = health.Subject(parsed.items, parsed.links, [image(source.root, parsed.fields.get("image", ""))], speakers)
    found = health.check(subject)
    located = any(finding.position is not None for finding in found)
    return found, documents.item_lines(doc.text, "transcript") if located else None


def check_folder(root):
    """(FileFindings of every file, people first, and whether speakers were judged: only when
    ``settings.PODCAST_HOSTS`` names the hosts), or SyncError when ``root`` is not a site folder."""
    root = Path(root)
    if not root.is_dir():
        raise SyncError(f"{root}: not a site folder (no such directory)")
    sources = collect([root])
    people = People()
    results = [_checked(source, check_person, people) for source in sources if source.kind == "person"]
    hosts = people.host_names()
    results += [_checked(source, check_episode, people, hosts) for source in sources if source.kind == "episode"]
    return results, hosts is not None


def _checked(source, check, *args):
    try:
        found, lines = check(source, *args)
    except DocumentError as exc:
        detail = exc.message if exc.line else str(exc)
        return FileFindings(source.path, [health.Finding(health.UNREADABLE, None, detail)], error_line=exc.line)
    return FileFindings(source.path, found, lines)
