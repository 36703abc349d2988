"""The files an import reads: where they are, what each is, and the rule that gives a file's
key and draft flag from its name."""

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .report import SyncError


def file_key(name):
    """(key, draft) of an archive file's name: ``_some-episode.md`` is the draft of
    ``some-episode``; a name starting with ``_`` is a draft or a template."""
    stem = PurePosixPath(name).stem
    return stem.lstrip("_"), stem.startswith("_")


@dataclass
class Source:
    """A file to import: where it is, what it is, and the site root its images are under."""

    path: Path
    kind: str
    root: Path = None
    content: bytes = None  # given directly (an upload) instead of read from path

    def __post_init__(self):
        self.key, self.draft = file_key(self.path.name)

    def read(self):
        return self.content if self.content is not None else self.path.read_bytes()


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
