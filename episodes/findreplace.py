"""Find and replace across transcripts: every match previewed in context, only the ticked ones
applied, each change recorded in the episodes' history.

A match is identified by its line, its place in the line and a fingerprint of the line's text
when it was previewed; a line changed since the preview is skipped, never rewritten blindly.
"""

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from . import editing
from .models import Episode, Section, TranscriptLine
from .timecodes import format_seconds

MAX_MATCHES = 1000
CONTEXT = 60


class PatternError(ValueError):
    pass


@dataclass
class Query:
    """What to find and what to put instead: a literal term or a regular expression."""

    term: str
    replacement: str = ""
    regex: bool = False
    case_sensitive: bool = False

    def __post_init__(self):
        if not self.term:
            raise PatternError("Give something to find.")
        flags = 0 if self.case_sensitive else re.IGNORECASE
        try:
            self.pattern = re.compile(self.term if self.regex else re.escape(self.term), flags)
        except re.error as exc:
            raise PatternError(f"That is not a valid regular expression: {exc}.") from None
        if self.regex:
            try:
                # Checks the replacement's group references against the expression now,
                # rather than in the middle of applying it.
                self.pattern.sub(self.replacement, "")
            except (re.error, IndexError) as exc:
                raise PatternError(f"The replacement does not fit the expression: {exc}.") from None

    def replacement_for(self, match):
        if not self.regex:
            return self.replacement
        try:
            return match.expand(self.replacement)
        except (re.error, IndexError) as exc:
            raise PatternError(f"The replacement does not fit the expression: {exc}.") from None

    def describe(self):
        how = "regular expression" if self.regex else "text"
        case = "case-sensitive" if self.case_sensitive else "any case"
        return f"{how} {self.term!r} ({case}) -> {self.replacement!r}"


def _fingerprint(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass
class Match:
    kind: str  # "line" or "header"
    item_id: int
    episode_id: int
    episode_title: str
    time: str
    speaker: str
    start: int
    end: int
    before: str
    found: str
    after: str
    replacement: str
    fingerprint: str

    @property
    def key(self):
        return f"{self.kind[0]}{self.item_id}:{self.start}:{self.end}:{self.fingerprint}"


@dataclass
class Search:
    matches: list = field(default_factory=list)
    total: int = 0
    episodes: int = 0

    @property
    def truncated(self):
        return self.total > len(self.matches)


def _items(episode_ids, query):
    """(kind, id, episode_id, text, time, speaker) of every line and header in scope."""
    lines = TranscriptLine.objects.order_by("episode_id", "position")
    sections = Section.objects.order_by("episode_id", "position")
    if episode_ids is not None:
        lines = lines.filter(episode_id__in=episode_ids)
        sections = sections.filter(episode_id__in=episode_ids)
    # The database narrows a plain ASCII term (its case folding agrees with Python's there);
    # Python decides in every case, so both databases find the same matches.
    if not query.regex and query.term.isascii():
        lines = lines.filter(text__icontains=query.term)
        sections = sections.filter(title__icontains=query.term)
    for row in lines.values_list("id", "episode_id", "text", "time", "speaker", "sec"):
        yield ("line", row[0], row[1], row[2], row[3] or format_seconds(row[5]), row[4])
    for row in sections.values_list("id", "episode_id", "title"):
        yield ("header", row[0], row[1], row[2], "", "")


def find(query, *, episode_ids=None, limit=MAX_MATCHES):
    """Every match in scope, in episode and transcript order (the first ``limit`` of them)."""
    result = Search()
    found = []
    for kind, item_id, episode_id, text, time, speaker in _items(episode_ids, query):
        fingerprint = _fingerprint(text)
        for match in query.pattern.finditer(text):
            if match.start() == match.end():
                continue
            result.total += 1
            if len(found) < limit:
                found.append((kind, item_id, episode_id, text, time, speaker, match, fingerprint))
    titles = dict(Episode.objects.filter(pk__in={entry[2] for entry in found}).values_list("id", "title"))
    result.episodes = len(titles)
    for kind, item_id, episode_id, text, time, speaker, match, fingerprint in found:
        start, end = match.span()
        result.matches.append(
            Match(
                kind,
                item_id,
                episode_id,
                titles.get(episode_id, ""),
                time,
                speaker,
                start,
                end,
                ("…" if start > CONTEXT else "") + text[max(0, start - CONTEXT) : start],
                text[start:end],
                text[end : end + CONTEXT] + ("…" if len(text) > end + CONTEXT else ""),
                query.replacement_for(match),
                fingerprint,
            )
        )
    return result


_KEY = re.compile(r"^([lh])(\d+):(\d+):(\d+):([0-9a-f]{12})$")


@dataclass
class Applied:
    replaced: int = 0
    skipped: int = 0
    episodes: list = field(default_factory=list)


def apply(query, keys, *, user=None):
    """Replace the matches named by ``keys`` (from ``Match.key``) and record the change."""
    wanted = defaultdict(set)
    fingerprints = {}
    result = Applied()
    for key in keys:
        parsed = _KEY.match(key)
        if not parsed:
            result.skipped += 1
            continue
        kind, item_id, start, end, fingerprint = parsed.groups()
        item = (kind, int(item_id))
        wanted[item].add((int(start), int(end)))
        fingerprints[item] = fingerprint
    by_kind = defaultdict(list)
    for kind, item_id in wanted:
        by_kind[kind].append(item_id)
    lines = {("l", obj.pk): obj for obj in TranscriptLine.objects.filter(pk__in=by_kind["l"])}
    headers = {("h", obj.pk): obj for obj in Section.objects.filter(pk__in=by_kind["h"])}
    objects = {**lines, **headers}
    changed = {"l": [], "h": []}
    for item, spans in wanted.items():
        obj = objects.get(item)
        attr = "text" if item[0] == "l" else "title"
        if obj is None or _fingerprint(getattr(obj, attr)) != fingerprints[item]:
            result.skipped += len(spans)
            continue
        text = getattr(obj, attr)
        pieces, cursor, count = [], 0, 0
        for match in query.pattern.finditer(text):
            if match.span() in spans:
                pieces += [text[cursor : match.start()], query.replacement_for(match)]
                cursor = match.end()
                count += 1
        result.skipped += len(spans) - count
        if count:
            pieces.append(text[cursor:])
            setattr(obj, attr, "".join(pieces))
            changed[item[0]].append(obj)
            result.replaced += count
    episode_ids = {obj.episode_id for objs in changed.values() for obj in objs}
    if not episode_ids:
        return result
    episodes = list(Episode.objects.filter(pk__in=episode_ids).order_by("season", "number", "id"))
    editing.ensure_baseline(episodes, user)
    if changed["l"]:
        TranscriptLine.objects.bulk_update(changed["l"], ["text"], batch_size=500)
    if changed["h"]:
        Section.objects.bulk_update(changed["h"], ["title"], batch_size=500)
    editing.touch(episode_ids)
    for episode in episodes:
        episode.refresh_from_db(fields=["updated_at"])
    comment = (
        f"Find and replace: {query.describe()}; {result.replaced} "
        f"replacement{'s' * (result.replaced != 1)} in {len(episodes)} episode(s)."
    )
    editing.record(user, episodes, comment)
    result.episodes = episodes
    return result
