"""Back where you were: the transcript row the editor was at when they saved, as the anchor the
change page opens at afterwards (its rows are ``t-row-<n>``, numbered in their order).

The page's script says which row had the focus; without it, the first row the save changed (or
added) is taken, found by comparing what the page sent with what it was opened with."""

from ..forms import MERGE_BASE
from .items import HEADER, LINE, load_items
from .rebase import posted_rows, sent_values
from .snapshot import decode

FOCUS = "focus"  # the hidden field: l<id> or h<id>


def _key(token):
    kind = {"l": LINE, "h": HEADER}.get((token or "")[:1])
    return (kind, int(token[1:])) if kind and token[1:].isdigit() else None


def _changed(post, prefix, base, index):
    """The keys of the stored items this save changed or added."""
    changed = []
    for row in posted_rows(post, prefix):
        pk = row.get("id") or ""
        key = (row["kind"], int(pk)) if pk.isdigit() else None
        if key not in index or row.get("DELETE"):
            continue
        values = sent_values(row["kind"], row["text"], row["speaker"], row["time"], row["sec"])
        if base is None or base.values.get(base.keys.get(key)) != values:
            changed.append(key)
    if base is not None:
        known = set(base.keys)
        changed += [key for key in index if key not in known]
    return changed


def anchor(post, episode, prefix="transcript"):
    """The fragment (``#t-row-<n>``) of the row to open the saved page at, or ""."""
    index = {item.key: order for order, item in enumerate(load_items(episode))}
    focused = _key(post.get(FOCUS))
    if focused in index:
        return f"#t-row-{index[focused]}"
    base = decode(post.get(MERGE_BASE))
    changed = _changed(post, prefix, base, index)
    if not changed:
        return ""
    return f"#t-row-{min(index[key] for key in changed)}"
