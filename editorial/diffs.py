"""What changed, as an editor reads it: each changed field as its old and new value, and each
changed transcript line with the words that went marked ``<del>`` and the words that came marked
``<ins>``, in the order of the file. The upload preview and the history both show changes this way.

A transcript item here is a plain tuple: ``("header", title)`` or
``("line", text, speaker, sec, time)``.
"""

import datetime
import difflib
import json
import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe

from episodes.timecodes import time_label

# Words, the spaces between them and punctuation, each a token of its own: a fixed comma is one
# token changed, not the word before it.
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
# Two lines are the same line corrected when at least this share of their words is kept.
SAME_LINE = 0.5
MAX_LINES = 200


def tokens(text):
    return _TOKENS.findall(text or "")


def marked(old, new, sides=("del", "ins")):
    """``new`` with the words of ``old`` it lost in ``<del>`` and the words it gained in
    ``<ins>``, escaped, in one piece of HTML; ``sides``: which of the two to show (``("del",)``
    is ``old`` with its lost words marked, ``("ins",)`` is ``new`` with its gained ones)."""
    a, b = tokens(old), tokens(new)
    parts = []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(a[a1:a2])))
            continue
        if a2 > a1 and "del" in sides:
            parts.append(f"<del>{escape(''.join(a[a1:a2]))}</del>")
        if b2 > b1 and "ins" in sides:
            parts.append(f"<ins>{escape(''.join(b[b1:b2]))}</ins>")
    return mark_safe("".join(parts))  # every piece of text in it is escaped


def show(value):
    """A value as the editor reads it: text as it is, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        # To the second: a version keeps milliseconds, the database microseconds.
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


@dataclass
class FieldChange:
    name: str
    old: str
    new: str

    @property
    def before(self):
        """The old value, the words it loses marked."""
        return marked(self.old, self.new, ("del",))

    @property
    def after(self):
        """The new value, the words it gains marked."""
        return marked(self.old, self.new, ("ins",))


def field_changes(old, new, names=None):
    """The fields whose values differ between two mappings, in ``names``' order (else sorted)."""
    names = names if names is not None else sorted(set(old) | set(new))
    changes = []
    for name in names:
        before, after = show(old.get(name)), show(new.get(name))
        if before != after:
            changes.append(FieldChange(name, before, after))
    return changes


def item_label(item):
    """An item as one line of text: ``## Title``, or ``0:05 Bob: text``."""
    if item[0] == "header":
        return f"## {item[1]}"
    _, text, who, sec, when = item[:5]
    stamp = time_label(sec, when)
    return " ".join(part for part in (stamp, f"{who}:" if who else "", text) if part)


@dataclass
class LineChange:
    """One item of the transcript: changed (both sides), removed (old only) or added (new only)."""

    old: str = None
    new: str = None
    number: int = 0  # the item's place in the new file (from 1), or where it was for a removal

    @property
    def kind(self):
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"

    @property
    def words(self):
        return marked(self.old or "", self.new or "")


@dataclass
class TranscriptChanges:
    lines: list = field(default_factory=list)
    more: int = 0  # changes beyond the ones kept

    @property
    def total(self):
        return len(self.lines) + self.more


def _similar(a, b):
    return difflib.SequenceMatcher(a=tokens(a), b=tokens(b), autojunk=False).ratio() >= SAME_LINE


def _pair(old, new, start):
    """The lines of a replaced stretch, each old line matched in order with the next new line
    that reads like it; the others removed or added."""
    result, j = [], 0
    for label in old:
        match = next((k for k in range(j, len(new)) if _similar(label, new[k])), None)
        if match is None:
            result.append(LineChange(old=label, number=start + j + 1))
            continue
        result += [LineChange(new=text, number=start + k + 1) for k, text in enumerate(new[j:match], j)]
        result.append(LineChange(old=label, new=new[match], number=start + match + 1))
        j = match + 1
    result += [LineChange(new=text, number=start + k + 1) for k, text in enumerate(new[j:], j)]
    return result


def transcript_changes(old_items, new_items, limit=MAX_LINES):
    """The items that differ between two transcripts, in file order, at most ``limit`` of them
    (the rest counted)."""
    old = [item_label(item) for item in old_items]
    new = [item_label(item) for item in new_items]
    changes = TranscriptChanges()
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        found = _pair(old[a1:a2], new[b1:b2], b1)
        room = max(0, limit - len(changes.lines))
        changes.lines += found[:room]
        changes.more += max(0, len(found) - room)
    return changes
