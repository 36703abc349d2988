"""An episode's transcript as readers and players need it, and its renderings.

``Transcript`` merges the stored sections and lines (one ``position`` order) into the shape of
the page: the lines before the first header, then each section with its lines, every one with
its anchor. ``cues`` gives the same lines on a single, non-decreasing timeline, which is what
caption files and chapter lists require of their times.

The renderings (WebVTT, SRT, Podcasting 2.0 JSON, plain text, Podcasting 2.0 chapters) are one
small class each, listed in ``FORMATS``; the download links, the URLs and the feed's
``podcast:transcript``/``podcast:chapters`` tags are all made from that one list.
"""

import json
import re
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter

from django.utils.text import slugify

from .timecodes import format_seconds, parse_duration, time_label

HEADER, LINE = "header", "line"


def in_transcript_order(sections, lines, position=attrgetter("position")):
    """(HEADER, section) and (LINE, line) of one transcript, in their shared order: by position,
    a section before a line at the same position, as the archive's files write them and the
    transcript editor shows them. ``position`` reads an item's position (rows: its attribute)."""
    items = [(HEADER, section) for section in sections] + [(LINE, line) for line in lines]
    items.sort(key=lambda item: (position(item[1]), item[0] == LINE))
    return items


def plain_items(sections, lines):
    """``("header", title)`` and ``("line", text, speaker, sec, time)`` in transcript order, from
    ``(position, title)`` and ``(position, text, speaker, sec, time)``."""
    return [(kind, *row[1:]) for kind, row in in_transcript_order(sections, lines, itemgetter(0))]


# Fixed ids on the episode page that a section heading must never take.
PAGE_ANCHORS = frozenset(
    {"top", "main", "site-q", "transcript", "contents", "show-notes", "listen", "guests", "downloads", "speakers"}
    # The transcript's tools (the player, find, share), which the page and its script name.
    | {"player", "tools", "tools-back", "tools-play", "tools-note", "now-line", "quote-button"}
    | {"find", "find-q", "find-count", "find-next", "find-prev"}
    | {"share", "share-title", "share-link", "share-cite", "share-time", "share-start", "share-status"}
    | {"share-close", "contents-title", "show-notes-title", "speakers-title", "transcript-title"}
)
# A last line has nothing after it to end at; people speak about 2.5 words a second.
WORDS_PER_SECOND = 2.5
MIN_CUE_MS = 1000
_SPACE = re.compile(r"\s+")


def speaker_name(who):
    """Older files write the speaker as ``'Alexey:'``; the name is what comes before the colon."""
    return (who or "").strip().rstrip(":").strip()


def line_anchor(uid):
    """The id of a line on its episode page, which its links hold: its uid, which outlives
    edits of the line and of the lines around it (see ``lineids``)."""
    return f"line-{uid}"


def position_anchor(position):
    """The id links of old hold: the line's place in the transcript (the line there now)."""
    return f"line-{position}"


def one_line(text):
    return _SPACE.sub(" ", text or "").strip()


@dataclass
class Line:
    anchor: str
    position: int
    uid: str
    speaker: str
    text: str
    seconds: int | None  # when the line starts (its sec); None for an untimed line
    label: str  # the time to show, as written when it was written
    continued: bool = False  # the same speaker as the line before it, in the same block
    person: object = None  # who of the episode's cast speaks it, once matched (speakers.attribute)
    speaker_html: str = ""  # the name as the episode page shows it (views.episode)

    @property
    def is_timed(self):
        return self.seconds is not None

    @property
    def position_anchor(self):
        return position_anchor(self.position)


@dataclass
class Section:
    anchor: str
    title: str
    lines: list = field(default_factory=list)

    @property
    def seconds(self):
        """When the section starts: at its first timed line."""
        return next((line.seconds for line in self.lines if line.is_timed), None)

    @property
    def label(self):
        return format_seconds(self.seconds)


@dataclass
class Cue:
    start_ms: int
    end_ms: int
    speaker: str
    text: str
    line: Line


class Transcript:
    def __init__(self, opening, sections, duration=""):
        self.opening = opening  # the lines before the first header
        self.sections = sections
        self.duration_seconds = parse_duration(duration)

    @classmethod
    def from_rows(cls, sections, lines, duration=""):
        """From Section and TranscriptLine rows of one episode (any order)."""
        taken = set(PAGE_ANCHORS)
        opening, built = [], []
        for kind, row in in_transcript_order(sections, lines):
            if kind == LINE:
                block = built[-1].lines if built else opening
                line = _line(row)
                line.continued = bool(block) and bool(line.speaker) and block[-1].speaker == line.speaker
                block.append(line)
            else:
                built.append(Section(_section_anchor(row.title, taken, len(built) + 1), row.title))
        return cls(opening, built, duration)

    # What decides which renderings an episode offers; the feed reads the same three facts from
    # the database (EpisodeQuerySet.with_transcript_facts) without loading any line.

    @property
    def is_empty(self):
        return not (self.opening or self.sections)

    @property
    def anchors(self):
        """Every id the transcript puts on the page, and the page's own fixed ones."""
        lines = {anchor for line in self.lines for anchor in (line.anchor, line.position_anchor)}
        return PAGE_ANCHORS | {section.anchor for section in self.sections} | lines

    @property
    def blocks(self):
        """The page's reading order: the opening lines as a section without a title, then the
        sections."""
        opening = [Section("", "", self.opening)] if self.opening else []
        return opening + self.sections

    @property
    def lines(self):
        yield from self.opening
        for section in self.sections:
            yield from section.lines

    @property
    def is_timed(self):
        return any(line.is_timed for line in self.lines)

    @property
    def has_chapters(self):
        return any(line.is_timed for section in self.sections for line in section.lines)

    def chapters(self):
        """(start seconds, section) for each section that has a timed line, on the cue timeline."""
        starts = {id(cue.line): cue.start_ms for cue in self.cues()}
        chapters = []
        for section in self.sections:
            first = next((line for line in section.lines if line.is_timed), None)
            if first is not None:
                chapters.append((starts[id(first)] / 1000, section))
        return chapters

    def cues(self):
        """Every line with a start and an end on one timeline that never goes back (see
        ``timeline``). A caption lasts at least MIN_CUE_MS, so it may run past the next one's
        start (captions may overlap, they may not go back); the last ones take as long as their
        words take to say, up to the episode's end."""
        lines = list(self.lines)

        def last_end(start, group):
            words = sum(len(lines[index].text.split()) for index in group)
            end = start + max(MIN_CUE_MS, int(words / WORDS_PER_SECOND * 1000))
            if self.duration_seconds and self.duration_seconds * 1000 > start:
                end = min(end, self.duration_seconds * 1000)
            return end

        spans = timeline([(line.seconds, len(line.text)) for line in lines], last_end)
        return [
            Cue(start, max(end, start + MIN_CUE_MS), line.speaker, one_line(line.text), line)
            for line, (start, end) in zip(lines, spans, strict=True)
        ]


def timeline(lines, last_end):
    """Where each line sits on one timeline that never goes back: (start ms, end ms) for each of
    ``lines``, given in transcript order as (its second or None, the length of its text).

    Archive times sometimes step back a little (a line re-timed by hand): such a line starts
    where the one before it did. An untimed line shares the time up to the next timed line with
    the timed line before it, in proportion to its length; untimed lines before any timed one
    start at zero. Each line ends where the next one starts, so together they cover the timeline
    with neither gap nor overlap; the last timed line and the untimed ones after it (``group``,
    their indexes) end at ``last_end(start_ms, group)``.
    """
    groups = []  # (start_ms, [indexes])
    running = 0
    for index, (seconds, _) in enumerate(lines):
        if seconds is not None:
            running = max(running, seconds * 1000)
            groups.append((running, [index]))
        elif groups:
            groups[-1][1].append(index)
        else:
            groups.append((0, [index]))
    spans = [None] * len(lines)
    for number, (start, group) in enumerate(groups):
        end = groups[number + 1][0] if number + 1 < len(groups) else max(start, last_end(start, group))
        if len(group) == 1:  # most lines are timed: nothing to share
            spans[group[0]] = (start, end)
            continue
        sizes = [max(1, lines[index][1]) for index in group]
        total = sum(sizes)
        at = start
        for index, size in zip(group, sizes, strict=True):
            share = (end - start) * size // total
            spans[index] = (at, end if index == group[-1] else at + share)
            at += share
    return spans


def talk_spans(lines, duration_seconds):
    """``timeline`` as talk time counts it: the last lines run to the episode's end (its
    duration), or take no time when that is not known."""
    episode_end = (duration_seconds or 0) * 1000
    return timeline(lines, lambda start, group: episode_end)


def _line(row):
    return Line(
        anchor=line_anchor(row.uid),
        position=row.position,
        uid=row.uid,
        speaker=speaker_name(row.speaker),
        text=row.text,
        seconds=row.sec,
        label=time_label(row.sec, row.time),
    )


def _section_anchor(title, taken, number):
    """A readable, unique id: the title's slug, numbered when the title comes back."""
    base = slugify(title, allow_unicode=True)[:80].strip("-") or f"section-{number}"
    if base.startswith("line-") or base[0].isdigit():
        base = f"s-{base}"
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


# --- renderings ----------------------------------------------------------------------------------


def _clock(ms, separator):
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _vtt_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Rendering:
    """One downloadable form of a transcript.

    ``filename`` is the last part of its address (``/podcast/<slug>/<filename>``); ``kind`` is
    the feed tag it is announced with (``transcript`` or ``chapters``)."""

    name = ""
    filename = ""
    content_type = ""  # sent with the file
    feed_type = ""  # the type the feed announces (Podcasting 2.0 names SRT application/x-subrip)
    kind = "transcript"
    rel = ""  # "captions" for the timed caption formats, as the namespace asks

    @property
    def key(self):
        return self.filename.replace(".", "-")

    def available(self, facts):
        """Whether an episode offers this rendering, from ``is_empty``, ``is_timed`` and
        ``has_chapters`` (a Transcript, or the feed's TranscriptFacts)."""
        return not facts.is_empty

    def render(self, episode, transcript):
        raise NotImplementedError


class WebVTT(Rendering):
    name = "WebVTT"
    filename = "transcript.vtt"
    content_type = "text/vtt; charset=utf-8"
    feed_type = "text/vtt"
    rel = "captions"

    def available(self, facts):
        return facts.is_timed

    def render(self, episode, transcript):
        blocks = ["WEBVTT"]
        for cue in transcript.cues():
            voice = f"<v {_vtt_escape(cue.speaker)}>" if cue.speaker else ""
            timing = f"{_clock(cue.start_ms, '.')} --> {_clock(cue.end_ms, '.')}"
            blocks.append(f"{cue.line.anchor}\n{timing}\n{voice}{_vtt_escape(cue.text)}")
        return "\n\n".join(blocks) + "\n"


class SubRip(Rendering):
    name = "SRT"
    filename = "transcript.srt"
    content_type = "application/x-subrip; charset=utf-8"
    feed_type = "application/x-subrip"
    rel = "captions"

    def available(self, facts):
        return facts.is_timed

    def render(self, episode, transcript):
        blocks = []
        for number, cue in enumerate(transcript.cues(), 1):
            speaker = f"{cue.speaker}: " if cue.speaker else ""
            timing = f"{_clock(cue.start_ms, ',')} --> {_clock(cue.end_ms, ',')}"
            blocks.append(f"{number}\n{timing}\n{speaker}{cue.text}")
        return "\n\n".join(blocks) + "\n"


class JSONTranscript(Rendering):
    name = "JSON"
    filename = "transcript.json"
    content_type = "application/json"
    feed_type = "application/json"

    def available(self, facts):
        return facts.is_timed

    def render(self, episode, transcript):
        segments = []
        for cue in transcript.cues():
            segment = {"speaker": cue.speaker} if cue.speaker else {}
            segment.update(startTime=cue.start_ms / 1000, endTime=cue.end_ms / 1000, body=cue.text)
            segments.append(segment)
        return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=1)


class PlainText(Rendering):
    name = "Text"
    filename = "transcript.txt"
    content_type = "text/plain; charset=utf-8"
    feed_type = "text/plain"

    def render(self, episode, transcript):
        out = [episode.title, ""]

        def lines(items):
            for line in items:
                when = f"[{line.label}] " if line.label else ""
                who = f"{line.speaker}: " if line.speaker else ""
                out.extend([f"{when}{who}{one_line(line.text)}", ""])

        lines(transcript.opening)
        for section in transcript.sections:
            title = one_line(section.title)
            out.extend([title, "-" * len(title), ""])
            lines(section.lines)
        return "\n".join(out)


class Chapters(Rendering):
    name = "Chapters"
    filename = "chapters.json"
    content_type = "application/json+chapters"
    feed_type = "application/json+chapters"
    kind = "chapters"

    def available(self, facts):
        return facts.has_chapters

    def render(self, episode, transcript):
        chapters = [
            {"startTime": _number(start), "title": one_line(section.title)} for start, section in transcript.chapters()
        ]
        return json.dumps({"version": "1.2.0", "chapters": chapters}, ensure_ascii=False, indent=1)


def _number(value):
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True)
class TranscriptFacts:
    is_empty: bool
    is_timed: bool
    has_chapters: bool


FORMATS = (WebVTT(), SubRip(), JSONTranscript(), PlainText(), Chapters())
BY_FILENAME = {rendering.filename: rendering for rendering in FORMATS}
