"""A transcript save made after someone else's, turned into the save it would have been had the
editor opened the page after theirs: each item merged three ways (``merge``) between what the
page was opened with (``snapshot``), what it sent, and what is stored now. What the editor did
not change is sent as untouched, so the other editor's change stays; what only the editor
changed is sent against the row as stored now; a conflict is left for the editor to settle.
"""

from dataclasses import dataclass, field

from .items import HEADER, LINE, posted_kind
from .merge import MINE, merge, translate_order
from .snapshot import item_key, item_values, sent_values

ROW_FIELDS = ("kind", "id", "order", "text", "speaker", "time", "sec", "DELETE", "uid")
CHOICE = "merge-"  # a conflict's choice is posted as merge-<key>: mine or theirs


@dataclass
class Rebased:
    rows: list = field(default_factory=list)  # row dicts (ROW_FIELDS) to send, existing first
    untouched: list = field(default_factory=list)  # tokens: l<id>, h<id>
    conflicts: list = field(default_factory=list)


def posted_rows(data, prefix):
    """The rows a page sent, as dicts of their fields."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    except ValueError:
        return []
    rows = []
    for index in range(max(0, total)):
        row = {name: data.get(f"{prefix}-{index}-{name}") for name in ROW_FIELDS}
        row["kind"] = posted_kind(data, f"{prefix}-{index}")
        if row["kind"] in (LINE, HEADER):
            rows.append(row)
    return rows


def choices(data):
    return {name[len(CHOICE) :]: value for name, value in data.items() if name.startswith(CHOICE)}


def _pk(row):
    value = row.get("id") or ""
    return int(value) if value.isdigit() else None


def _order(row, default):
    try:
        return float(row.get("order"))
    except (TypeError, ValueError):
        return float(default)


def _unknown_untouched(data, prefix, base):
    """The rows the page listed as untouched that it cannot have shown (the formset refuses
    them); the others are as in the base, which is what a row not sent means here."""
    unknown = []
    for token in (data.get(f"{prefix}-UNTOUCHED") or "").split(","):
        token = token.strip()
        kind = {"l": LINE, "h": HEADER}.get(token[:1])
        if token and not (kind and token[1:].isdigit() and (kind, int(token[1:])) in base.keys):
            unknown.append(token)
    return unknown


class _Now:
    """The items as stored now, by key."""

    def __init__(self, items):
        self.items = {item_key(item): item for item in items}
        self.values = {key: item_values(item) for key, item in self.items.items()}
        self.order = {key: order for order, key in enumerate(self.items)}


def rebase(data, prefix, base, items, chosen=None):
    """What to send in place of what the page sent (``data``), given the ``base`` it was opened
    with and the ``items`` stored now."""
    now = _Now(items)
    result = Rebased()
    mine, sent, fresh = {}, {}, []
    for row in posted_rows(data, prefix):
        key = base.keys.get((row["kind"], _pk(row)))
        if key is None:
            # A new row, or one the page cannot have shown: sent as it came (the formset says
            # which, if it is the second).
            fresh.append(row) if not row.get("id") else result.rows.append(row)
            continue
        sent[key] = row
        mine[key] = None if row.get("DELETE") else _values(row)
    result.untouched.extend(_unknown_untouched(data, prefix, base))
    merged = merge(base.values, mine, now.values, chosen)
    result.conflicts = merged.conflicts
    index_of = {key: index for index, key in enumerate(base.order)}
    for key, value in merged.values.items():
        row = sent.get(key)
        if row is None and key not in now.items:
            continue  # deleted by them, untouched here: gone
        _place(result, now, key, value, row, merged.sides[key], base, index_of)
    for conflict in merged.conflicts:
        if conflict.key in now.items:  # left as stored until the editor chooses
            result.untouched.append(_token(now.items[conflict.key]))
    for row in fresh:
        result.rows.append({**row, "order": str(translate_order(_order(row, len(base.order)), base.order, now.order))})
    return result


def _values(row):
    return sent_values(row["kind"], row.get("text"), row.get("speaker"), row.get("time"), row.get("sec"))


def _token(item):
    return ("h" if item.kind == HEADER else "l") + str(item.obj.pk)


def _place(result, now, key, value, row, side, base, index_of):
    """Send one merged item: untouched, or as a row against the item stored now."""
    item = now.items.get(key)
    moved = row is not None and _order(row, -1) != index_of.get(key, -1)
    if item is not None and value is not None and (side != MINE or value == now.values[key]) and not moved:
        result.untouched.append(_token(item))
        return
    if item is None and value is None:
        return
    order = translate_order(_order(row, index_of[key]), base.order, now.order) if moved else now.order.get(key)
    kind = item.kind if item is not None else row["kind"]
    out = {"kind": kind, "id": str(item.obj.pk) if item is not None else "", "order": str(order)}
    if value is None:
        out["DELETE"] = "on"
        value = now.values[key]
    if side == MINE and row is not None:
        out.update(text=row.get("text"), speaker=row.get("speaker"), time=row.get("time"), sec=row.get("sec"))
    else:
        out.update(zip(("text", "speaker", "time", "sec"), value))
    if item is None:
        # Deleted by them, kept here: the line comes back as it was, with its uid.
        out["order"] = str(translate_order(_order(row, index_of[key]), base.order, now.order))
        if kind == LINE:
            out["uid"] = key.removeprefix("l:")
    result.rows.insert(0, out) if item is not None else result.rows.append(out)


def as_data(data, prefix, rebased):
    """The page's data with its transcript rows replaced by the rebased ones."""
    result = {name: value for name, value in data.items() if not name.startswith(f"{prefix}-")}
    existing = [row for row in rebased.rows if row.get("id")]
    new = [row for row in rebased.rows if not row.get("id")]
    for index, row in enumerate(existing + new):
        for name, value in row.items():
            if value is not None and not (name == "DELETE" and not value):
                result[f"{prefix}-{index}-{name}"] = value
    result.update(
        {
            f"{prefix}-TOTAL_FORMS": str(len(existing) + len(new)),
            f"{prefix}-INITIAL_FORMS": str(len(existing)),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": data.get(f"{prefix}-MAX_NUM_FORMS") or "1000",
            f"{prefix}-UNTOUCHED": ",".join(rebased.untouched),
        }
    )
    return result
