r"""Find and replace across transcripts: every match previewed in context, only the ticked ones
applied, each change recorded in the episodes' history.

A match is identified by its line, its place in the line and a fingerprint of the line's text
when it was previewed; a line changed since the preview is skipped, never rewritten blindly.

A regular expression is the editor's own program, and some take exponential time (``(\w+\s?)+$``
ran for 30 s and got the worker killed). Expressions run on the ``regex`` module, whose matching
takes a timeout: one search or one replacement gets ``MATCH_SECONDS`` of matching in all, across
every line, and then stops with a sentence, not a killed worker. Literal terms stay on ``re``,
exactly as before: they run in linear time.
"""

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from time import monotonic as _clock

import regex
from django.db import transaction

from episodes.models import Episode, Section, TranscriptLine, lock_rows
from episodes.timecodes import time_label

from . import history

MAX_MATCHES = 1000
CONTEXT = 60
# Matching time one find or one apply may spend on a regular expression, all lines together; a
# sensible expression needs a fraction of it over the whole archive.
MATCH_SECONDS = 2.0
# The regex module expands counted repeats when it compiles, before any timeout applies:
# ``a{1000000000}`` would take minutes. These bounds keep compiling a matter of milliseconds.
MAX_EXPRESSION_LENGTH = 1000
MAX_REPEAT_PRODUCT = 10_000
TOO_SLOW = (
    "That regular expression takes too long to run over the transcripts; make it more specific "
    "(fewer nested repeats such as (a+)+, or anchor it to a word)."
)

_COUNTED_REPEAT = re.compile(r"\{\s*(\d*)\s*(?:,\s*(\d*)\s*)?\}")


class PatternError(ValueError):
    pass


def _compile_expression(term, case_sensitive):
    if len(term) > MAX_EXPRESSION_LENGTH:
        raise PatternError(
            f"That regular expression is {len(term):,} characters long; at most {MAX_EXPRESSION_LENGTH:,} are accepted."
        )
    # Every count is multiplied, nested or not: a safe over-estimate of what compiling expands.
    product = 1
    for counts in _COUNTED_REPEAT.findall(term):
        product *= max([int(count) for count in counts if count] or [1])
    if product > MAX_REPEAT_PRODUCT:
        raise PatternError(
            f"The repeat counts in that regular expression (the numbers in braces) multiply to {product:,}; "
            f"at most {MAX_REPEAT_PRODUCT:,} can be run. Use smaller counts."
        )
    try:
        return regex.compile(term, 0 if case_sensitive else regex.IGNORECASE)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise PatternError(f"That is not a valid regular expression: {exc}.") from None


def _replacement_checker(pattern):
    """An ``re`` pattern with the groups of ``pattern`` and nothing else: ``re`` checks a
    replacement as soon as it is given one, where ``regex`` waits for a match to expand."""
    names = {index: name for name, index in pattern.groupindex.items()}
    groups = "".join(f"(?P<{names[index]}>)" if index in names else "()" for index in range(1, pattern.groups + 1))
    try:
        return re.compile(groups)
    except re.error:  # a group name only regex accepts: the replacement is checked as it is used
        return regex.compile("")


class _Budget:
    """The matching time left to one find or one apply."""

    def __init__(self, seconds):
        self.left = seconds

    def matches(self, pattern, text):
        if self.left <= 0:
            raise PatternError(TOO_SLOW)
        started = _clock()
        try:
            # The timeout bounds each step of the iteration; the budget, checked after each
            # match, bounds them all together.
            for match in pattern.finditer(text, timeout=self.left):
                yield match
                if self.left - (_clock() - started) <= 0:
                    raise PatternError(TOO_SLOW)
        except TimeoutError:
            raise PatternError(TOO_SLOW) from None
        finally:
            self.left -= _clock() - started


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
        if not self.regex:
            self.pattern = re.compile(re.escape(self.term), 0 if self.case_sensitive else re.IGNORECASE)
            return
        self.pattern = _compile_expression(self.term, self.case_sensitive)
        try:
            # Checks the replacement's group references against the expression now,
            # rather than in the middle of applying it.
            _replacement_checker(self.pattern).sub(self.replacement, "")
        except (re.error, IndexError) as exc:
            raise PatternError(f"The replacement does not fit the expression: {exc}.") from None

    def matches(self, text, budget):
        """The matches in ``text``; an expression's matching time is taken from ``budget``."""
        if not self.regex:
            return self.pattern.finditer(text)
        return budget.matches(self.pattern, text)

    def replacement_for(self, match):
        if not self.regex:
            return self.replacement
        try:
            return match.expand(self.replacement)
        except (regex.error, IndexError) as exc:
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

    @property
    def summary(self):
        """The counts as the page says them: of every match in scope, however many are shown."""
        episodes = f"{self.episodes:,} episode{'s' * (self.episodes != 1)}"
        if self.truncated:
            return f"{len(self.matches):,} of {self.total:,} matches shown, in {episodes}"
        return f"{self.total:,} match{'es' * (self.total != 1)} in {episodes}"


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
        yield ("line", row[0], row[1], row[2], time_label(row[5], row[3]), row[4])
    for row in sections.values_list("id", "episode_id", "title"):
        yield ("header", row[0], row[1], row[2], "", "")


def find(query, *, episode_ids=None, limit=None):
    """Every match in scope, in episode and transcript order (the first ``limit`` of them, by
    default ``MAX_MATCHES``), counted all."""
    limit = MAX_MATCHES if limit is None else limit
    result = Search()
    found = []
    budget = _Budget(MATCH_SECONDS)
    # Every episode with a match, shown or not: the count is of the whole search.
    episodes = set()
    for kind, item_id, episode_id, text, time, speaker in _items(episode_ids, query):
        fingerprint = _fingerprint(text)
        for match in query.matches(text, budget):
            if match.start() == match.end():
                continue
            result.total += 1
            episodes.add(episode_id)
            if len(found) < limit:
                found.append((kind, item_id, episode_id, text, time, speaker, match, fingerprint))
    titles = dict(Episode.objects.filter(pk__in={entry[2] for entry in found}).values_list("id", "title"))
    result.episodes = len(episodes)
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
    # One transaction, the episodes locked before their lines are read: an import waits for
    # this, or this for the import, and the fingerprints are checked against what is written over.
    with transaction.atomic():
        lock_rows(Episode, pk__in=_episodes_of(by_kind))
        _replace(query, wanted, fingerprints, by_kind, result, user)
    return result


def _episodes_of(by_kind):
    lines = TranscriptLine.objects.filter(pk__in=by_kind["l"]).values_list("episode_id", flat=True)
    headers = Section.objects.filter(pk__in=by_kind["h"]).values_list("episode_id", flat=True)
    return sorted(set(lines) | set(headers))


def _replace(query, wanted, fingerprints, by_kind, result, user):
    lines = {("l", obj.pk): obj for obj in TranscriptLine.objects.filter(pk__in=by_kind["l"])}
    headers = {("h", obj.pk): obj for obj in Section.objects.filter(pk__in=by_kind["h"])}
    objects = {**lines, **headers}
    changed = {"l": [], "h": []}
    budget = _Budget(MATCH_SECONDS)
    for item, spans in wanted.items():
        obj = objects.get(item)
        attr = "text" if item[0] == "l" else "title"
        if obj is None or _fingerprint(getattr(obj, attr)) != fingerprints[item]:
            result.skipped += len(spans)
            continue
        text = getattr(obj, attr)
        pieces, cursor, count = [], 0, 0
        for match in query.matches(text, budget):
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
        return
    episodes = list(Episode.objects.filter(pk__in=episode_ids).oldest_first())
    history.ensure_baseline(episodes, user)
    if changed["l"]:
        TranscriptLine.objects.bulk_update(changed["l"], ["text"], batch_size=500)
    if changed["h"]:
        Section.objects.bulk_update(changed["h"], ["title"], batch_size=500)
    history.touch(episode_ids)
    for episode in episodes:
        episode.refresh_from_db(fields=["updated_at"])
    comment = (
        f"Find and replace: {query.describe()}; {result.replaced} "
        f"replacement{'s' * (result.replaced != 1)} in {len(episodes)} episode(s)."
    )
    history.record(user, episodes, comment)
    result.episodes = episodes
