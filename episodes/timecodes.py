"""Seconds and the times people write: the one place for that rule."""

import datetime
import re

_TIME = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d{1,2})\s*$")
_ISO_DURATION = re.compile(r"^P(?:\d+D)?T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


def format_seconds(seconds):
    """12 -> '0:12', 754 -> '12:34', 3608 -> '1:00:08'; None -> ''."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def length_label(seconds):
    """A length of time as a reader takes it in: 3725 -> '1 h 02 min', 754 -> '12 min 34 s',
    42 -> '42 s'; None -> ''."""
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def time_label(sec, time):
    """The time shown for a line: as written, else from ``sec``. ``sec`` alone is the timing:
    ``time`` is text and does not always agree with it (3608 seconds written '60:08')."""
    return time or format_seconds(sec)


def parse_time(text):
    """'12:34' -> 754, '1:00:08' -> 3608, '60:08' -> 3608; None when it is not a time."""
    match = _TIME.match(text or "")
    if not match:
        return None
    hours, minutes, secs = match.groups()
    if int(secs) >= 60:
        return None
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)


def parse_duration(text):
    """ISO 8601 'PT00H58M42S' -> 3522 seconds; None when it is not such a duration."""
    match = _ISO_DURATION.match(text or "")
    if not match or not any(match.groups()):
        return None
    hours, minutes, secs = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(float(secs or 0))


def at_noon(day):
    """A day as a moment (noon UTC, the same day everywhere on Earth but at its edges), or None."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC) if day else None
