"""Two editors at once: an edit merged with what others saved since its page was opened.

Three versions of the same things (an episode's fields by name, its transcript lines by uid):
``base``, what the page was opened with; ``mine``, what the editor sent; ``theirs``, what is
stored now. A thing changed on one side only takes that side's value; one changed the same way
on both sides is no conflict; one changed differently on both is a conflict, which the editor
settles by choosing a side for it. Nothing here touches the database or Django.

A value of ``None`` is "not there": a line deleted, or not yet made.
"""

import math
from dataclasses import dataclass, field

MINE, THEIRS = "mine", "theirs"
SIDES = (MINE, THEIRS)


@dataclass(frozen=True)
class Conflict:
    """One thing both sides changed differently, with its three versions."""

    key: object
    base: object
    mine: object
    theirs: object


@dataclass
class Merged:
    values: dict = field(default_factory=dict)  # key -> the merged value (None: not there)
    sides: dict = field(default_factory=dict)  # key -> MINE or THEIRS, the side it took
    conflicts: list = field(default_factory=list)  # Conflict, for the keys left unsettled

    def taken_from_mine(self):
        return [key for key, side in self.sides.items() if side == MINE]


def _keys(base, mine, theirs):
    """Every key once: in base's order, then the ones added on either side."""
    seen = dict.fromkeys(base)
    seen.update(dict.fromkeys(theirs))
    seen.update(dict.fromkeys(mine))
    return list(seen)


def merge(base, mine, theirs, choices=None):
    """Merge three mappings of key -> value.

    ``mine`` holds what the editor changed or sent: a key absent from it is as in ``base``.
    ``choices`` maps a conflicting key to MINE or THEIRS; a conflict with no choice is reported
    and left out of the values."""
    choices = choices or {}
    result = Merged()
    for key in _keys(base, mine, theirs):
        was = base.get(key)
        now = theirs.get(key)
        sent = mine.get(key, was)
        if sent == was or sent == now:
            side = THEIRS
        elif now == was:
            side = MINE
        else:
            side = choices.get(key)
            if side not in SIDES:
                result.conflicts.append(Conflict(key, was, sent, now))
                continue
        result.values[key] = sent if side == MINE else now
        result.sides[key] = side
    return result


def translate_order(order, base_keys, theirs_order):
    """Where an item the editor placed at ``order`` (a number among the base's items, which were
    numbered 0, 1, 2... as the page showed them) goes among the items stored now.

    It goes after the base item it followed (``theirs_order`` gives each stored item's number
    now), or the nearest one before that which is still there, as far after it as it was; an
    item at a base item's own number takes that item's number now."""
    if order < 0 or not base_keys:
        return order
    index = min(math.floor(order), len(base_keys) - 1)
    while index >= 0 and base_keys[index] not in theirs_order:
        index -= 1
    if index < 0:
        return order - math.floor(order) - 1  # before every item that is left
    past = order - index
    # Within (0, 1) after the anchor, in the same order as sent, so it stays before the next one.
    return theirs_order[base_keys[index]] + past / (past + 1)
