"""What looks wrong in a transcript: times going backwards, no speaker, a time that disagrees
with its second, empty text, a speaker who is neither the host nor a guest. The change page marks
them on each line, the change list counts them and filters by them.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from episodes.models import Episode, TranscriptLine
from episodes.timecodes import format_seconds, parse_time
from episodes.transcripts import speaker_name

from .speakers import cached, episode_speakers

BACKWARDS = "backwards"
NO_SPEAKER = "no-speaker"
TIME_MISMATCH = "time-mismatch"
EMPTY_TEXT = "empty-text"
UNKNOWN_SPEAKER = "unknown-speaker"

PROBLEM_LABELS = {
    BACKWARDS: "time goes backwards",
    NO_SPEAKER: "no speaker",
    TIME_MISMATCH: "time and second disagree",
    EMPTY_TEXT: "empty text",
    UNKNOWN_SPEAKER: "speaker is neither the host nor a guest",
}


@dataclass
class Problem:
    code: str
    detail: str = ""

    @property
    def label(self):
        return PROBLEM_LABELS[self.code]

    def __str__(self):
        return f"{self.label} ({self.detail})" if self.detail else self.label


def line_problems(text, speaker, sec, time, previous_sec, speakers):
    """The problems of one line, given the second of the last timed line before it."""
    found = []
    if not (text or "").strip():
        found.append(Problem(EMPTY_TEXT))
    if not (speaker or "").strip():
        found.append(Problem(NO_SPEAKER))
    elif speakers is not None and not speakers.knows(speaker):
        found.append(Problem(UNKNOWN_SPEAKER, speaker_name(speaker)[:60]))
    if time or sec is not None:
        parsed = parse_time(time) if time else None
        if time and parsed is None:
            found.append(Problem(TIME_MISMATCH, f"{time!r} is not a time"))
        elif parsed != sec:
            written = time or "no time"
            second = "no second" if sec is None else f"second {sec} is {format_seconds(sec)}"
            found.append(Problem(TIME_MISMATCH, f"{written}, {second}"))
    if sec is not None and previous_sec is not None and sec < previous_sec:
        found.append(Problem(BACKWARDS, f"{format_seconds(sec)} after {format_seconds(previous_sec)}"))
    return found


def transcript_problems(lines, speakers):
    """Problems of lines given in transcript order as (key, text, speaker, sec, time): {key: [..]}."""
    found = {}
    previous = None
    for key, text, speaker, sec, time in lines:
        problems = line_problems(text, speaker, sec, time, previous, speakers)
        if problems:
            found[key] = problems
        if sec is not None:
            previous = sec
    return found


def archive_problem_counts():
    """``problem_counts`` of the whole archive, kept while the archive does not change: the
    "has problems" filter needs every line of every episode."""
    configured = ",".join(getattr(settings, "PODCAST_HOSTS", None) or ())
    return cached(f"problems:{configured}", problem_counts)


def problem_counts(episode_ids=None):
    """{episode id: (line count, problem count)} for the given episodes (all when None), from
    two queries however many episodes and lines there are."""
    lines = TranscriptLine.objects.order_by("episode_id", "position")
    if episode_ids is not None:
        episode_ids = list(episode_ids)
        lines = lines.filter(episode_id__in=episode_ids)
    else:
        episode_ids = list(Episode.objects.values_list("id", flat=True))
    speakers = episode_speakers(episode_ids)
    by_episode = defaultdict(list)
    for row in lines.values_list("episode_id", "id", "text", "speaker", "sec", "time"):
        by_episode[row[0]].append(row[1:])
    counts = {}
    for episode_id in episode_ids:
        rows = by_episode.get(episode_id, [])
        found = transcript_problems(rows, speakers[episode_id])
        counts[episode_id] = (len(rows), sum(len(p) for p in found.values()))
    return counts
