"""What looks wrong in one transcript line, judged from the line alone and the second of the
timed line before it: times going backwards, no speaker, a time that disagrees with its second,
empty text, a speaker who is neither a host nor a guest.

Plain values in, plain values out, so that the admin (over rows) and the archive's checks (over
parsed files) judge a line the same way.
"""

from dataclasses import dataclass

from .timecodes import format_seconds, parse_time
from .transcripts import speaker_name

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
    """The problems of one line, given the second of the last timed line before it. ``speakers``
    (an ``episodes.speakers.Speakers``) judges the speaker; None leaves speakers unjudged."""
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
