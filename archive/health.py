"""The archive's health: every problem across the archive, by kind, from plain values, so that
``check_archive`` (over a site folder's files, no database) and the admin's health page (over
the rows) find the same problems and count them alike.

A transcript is given as its items in file order: ``("header", title)`` or
``("line", text, speaker, sec, time, ...)``, the shape ``episode_file.read_transcript`` reads;
a problem of a transcript names the item's place in it (0-based, headers included), which is
also the row of the transcript editor on the episode's change page.

The kinds, beyond the per-line rules of ``episodes.problems``:

- ``no-time``: a line with no second.
- ``empty-section``: a header followed directly by another header.
- ``todo-link``: a platform link still ``TODO``.
- ``missing-image``: an episode's ``image`` or a person's ``picture`` that names no file.
- ``unusual-pace``: a timed line whose words (with those of the untimed lines after it) over the
  seconds until the next timed line fall outside ``PACE_BAND``. Over both snapshots of the real
  archive the median is about 2.2 words a second, the 1st percentile 0.25 to 0.4 and the 99th
  5 to 7; outside 0.3 to 6 words a second is a slow or a fast stretch no conversation keeps up
  (a wrong second, a line cut in two, a long silence or music), about one span in 40 in the
  newer snapshot. A span of no seconds is left to ``backwards`` and ``time-mismatch``.
- ``unreadable``: a file the import would refuse (only the files can have these).
"""

from dataclasses import dataclass, field

from episodes import problems as line_rules
from episodes.models import PlatformLink

NO_TIME = "no-time"
EMPTY_SECTION = "empty-section"
TODO_LINK = "todo-link"
MISSING_IMAGE = "missing-image"
UNUSUAL_PACE = "unusual-pace"
UNREADABLE = "unreadable"

PACE_BAND = (0.3, 6.0)  # words a second; see the module's docstring

KINDS = {
    UNREADABLE: "file the import refuses",
    NO_TIME: "line with no time",
    line_rules.NO_SPEAKER: "line with no speaker",
    line_rules.EMPTY_TEXT: "line with no text",
    line_rules.BACKWARDS: "time goes backwards",
    line_rules.TIME_MISMATCH: "time and second disagree",
    line_rules.UNKNOWN_SPEAKER: "speaker is neither a host nor a guest",
    EMPTY_SECTION: "section with no lines",
    UNUSUAL_PACE: "unusual words per second",
    TODO_LINK: "platform link still TODO",
    MISSING_IMAGE: "image missing",
}
assert set(line_rules.PROBLEM_LABELS) <= set(KINDS), "every line rule is a kind"


@dataclass(frozen=True)
class Finding:
    """One problem: its kind, where (``position``: the transcript item, None for the file or
    episode as a whole) and what was found."""

    kind: str
    position: int | None = None
    detail: str = ""

    @property
    def label(self):
        return KINDS[self.kind]

    def __str__(self):
        return f"{self.label}: {self.detail}" if self.detail else self.label


@dataclass
class Subject:
    """What the checks read of an episode or a person, from a file or from rows."""

    items: list = field(default_factory=list)
    links: list = field(default_factory=list)  # (platform, address)
    images: list = field(default_factory=list)  # (path, present) of each image it names
    speakers: object = None  # an episodes.speakers.Speakers; None leaves speakers unjudged


def check(subject):
    """Every Finding of one episode or person, transcript first in item order."""
    found = transcript_findings(subject.items, subject.speakers)
    found += [Finding(TODO_LINK, None, platform) for platform, url in subject.links if url == PlatformLink.TODO]
    found += [Finding(MISSING_IMAGE, None, path) for path, present in subject.images if path and not present]
    return found


def transcript_findings(items, speakers):
    """The Findings of a transcript's items, in item order."""
    found = []
    previous_sec = None
    for position, item in enumerate(items):
        if item[0] == "header":
            if position + 1 < len(items) and items[position + 1][0] == "header":
                found.append(Finding(EMPTY_SECTION, position, item[1][:80]))
            continue
        text, speaker, sec, time = item[1:5]
        if sec is None:
            found.append(Finding(NO_TIME, position))
        for problem in line_rules.line_problems(text, speaker, sec, time, previous_sec, speakers):
            found.append(Finding(problem.code, position, problem.detail))
        if sec is not None:
            previous_sec = sec
    found += pace_findings(items)
    found.sort(key=lambda finding: finding.position)
    return found


def pace(items):
    """(position, words, seconds) of each timed line: its words and those of the untimed lines
    after it, and the seconds until the next timed line (the last timed line has none)."""
    spans = []
    start = None
    words = 0
    for position, item in enumerate(items):
        if item[0] != "line":
            continue
        if item[3] is not None:
            if start is not None:
                spans.append((start[0], words, item[3] - start[1]))
            start, words = (position, item[3]), 0
        words += len(item[1].split())
    return spans


def pace_findings(items):
    low, high = PACE_BAND
    found = []
    for position, words, seconds in pace(items):
        if seconds > 0 and not low <= words / seconds <= high:
            found.append(
                Finding(UNUSUAL_PACE, position, f"{words} words in {seconds} s, {words / seconds:.2f} a second")
            )
    return found


def counts(findings):
    """{kind: number} of findings, every kind listed, in the order of ``KINDS``."""
    totals = dict.fromkeys(KINDS, 0)
    for finding in findings:
        totals[finding.kind] += 1
    return totals


def parse_kinds(text):
    """The kinds a comma-separated list names, or ValueError naming the unknown ones."""
    chosen = [kind.strip() for kind in (text or "").split(",") if kind.strip()]
    unknown = [kind for kind in chosen if kind not in KINDS]
    if unknown:
        raise ValueError(f"unknown kind {', '.join(unknown)}; the kinds are {', '.join(KINDS)}")
    return chosen or list(KINDS)
