"""What the change page was opened with, carried by the page itself (a hidden field) so that a
save made after someone else's can be merged against it (``merge``).

It holds the episode's version token, its fields as text, its short lists (guests, links, clips)
and each transcript item's values in the order shown: lines by their uid, which outlives edits
and re-imports, sections by id. It is kept small, since the page carries it whole: each item's id
is written as the step from the previous item's of its kind (mostly 1), a section's key is not
written (it is its id), and the whole is compressed with zlib: the largest episode's comes to
about 28 KB. (bzip2 packs it a sixth smaller, but costs the page twice zlib's time to make and a
save eight times its time to read: more than the few kilobytes are worth.)
"""

import base64
import binascii
import bz2
import datetime
import functools
import json
import zlib
from dataclasses import dataclass, field

from .items import HEADER, LINE

# Enough for the largest transcripts the editor takes, and a bound on what a page may send.
MAX_DECOMPRESSED = 20_000_000


@dataclass
class Base:
    token: str
    fields: dict  # name -> value as text (``field_text``)
    order: list = field(default_factory=list)  # the items' keys, as the page numbered them
    values: dict = field(default_factory=dict)  # key -> the item's values (``item_values``)
    keys: dict = field(default_factory=dict)  # (kind, id) -> key
    lists: dict = field(default_factory=dict)  # the short lists' rows by prefix (``lists``)


def item_key(item):
    return f"l:{item.obj.uid}" if item.kind == LINE else f"h:{item.obj.pk}"


def item_values(item):
    """A stored item's values as the page sends them back: text, speaker, time, second."""
    obj = item.obj
    if item.kind == HEADER:
        return [obj.title]
    return [obj.text, obj.speaker, obj.time, "" if obj.sec is None else str(obj.sec)]


def sent_values(kind, text, speaker, time, sec):
    """The same, from what the page sent for an item."""
    text = (text or "").replace("\r\n", "\n")
    if kind == HEADER:
        return [text]
    return [text, speaker or "", time or "", (sec or "").strip()]


def field_text(value):
    """A field's value as text, the same whether it comes from a form or from the row."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    if hasattr(value, "name") and not isinstance(value, str):  # a stored or uploaded file
        return value.name or ""
    return str(value)


def encode(token, fields, items, lists=None):
    packed, last = [], {}
    for item in items:
        kind, pk = item.kind[0], item.obj.pk
        uid = item.obj.uid if item.kind == LINE else ""
        packed.append([kind, pk - last.get(kind, 0), uid, *item_values(item)])
        last[kind] = pk
    data = {"t": token, "f": fields, "r": lists or {}, "i": packed}
    compressed = zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 6)
    return base64.urlsafe_b64encode(compressed).decode("ascii")


def _inflate(text):
    """The snapshot's JSON text, or None when it is not a whole one or inflates past the bound."""
    packed = base64.urlsafe_b64decode(text.encode("ascii"))
    # A page opened before the snapshot was zlib's carries bzip2's (its magic number first).
    inflater = bz2.BZ2Decompressor() if packed[:3] == b"BZh" else zlib.decompressobj()
    raw = inflater.decompress(packed, MAX_DECOMPRESSED)
    return raw if inflater.eof else None


@functools.lru_cache(maxsize=1)
def decode(text):
    """The Base a page sent, or None when it sent none or something that is not one.

    A save reads it in several places (the episode's fields, each list, the transcript, where
    to open the page after): it is unpacked once, and the callers only read it."""
    if not text:
        return None
    try:
        raw = _inflate(text)
        if raw is None:
            return None
        data = json.loads(raw)
        base = Base(str(data["t"]), dict(data["f"]), lists=dict(data.get("r") or {}))
        last = {}
        for kind, step, uid, *values in data["i"]:
            pk = last[kind] = last.get(kind, 0) + int(step)
            key = f"l:{uid}" if kind == "l" else f"h:{pk}"
            base.order.append(key)
            base.values[key] = list(values)
            base.keys[({"l": LINE, "h": HEADER}[kind], pk)] = key
    except (ValueError, TypeError, KeyError, OSError, EOFError, binascii.Error, UnicodeError, zlib.error):
        return None
    return base
