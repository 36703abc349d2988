"""The change page's short lists beside the transcript (guests, links, clips) in a save made
after someone else's: each list is one value of the merge (``merge``). A list this editor left
as it was is sent as it is stored now, so their change to it stays (even when an import has
written its rows afresh); a list only this editor changed is saved as sent; one both changed
differently is a conflict to choose."""

from episodes.models import Episode

from ..forms import MERGE_BASE, MERGE_THEIRS, version_token
from .merge import MINE, merge
from .rebase import CHOICE
from .snapshot import decode

MAX_ROWS = 1000  # far more than any episode's guests, links or clips


def _text(value):
    return "" if value is None else str(value).replace("\r\n", "\n")


def stored_rows(objects, model, names):
    """A list's rows as stored, as text, in a stable order."""
    attnames = [model._meta.get_field(name).attname for name in names]
    return sorted([_text(getattr(obj, attname)) for attname in attnames] for obj in objects)


def sent_rows(data, prefix, names):
    """The same, from what the page sent (rows deleted or left blank are not in it)."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS") or 0), MAX_ROWS)
    except ValueError:
        return None
    rows = []
    for index in range(total):
        if data.get(f"{prefix}-{index}-DELETE"):
            continue
        values = [_text(data.get(f"{prefix}-{index}-{name}")) for name in names]
        blank = not any(value for name, value in zip(names, values) if name != "position")
        if blank and not data.get(f"{prefix}-{index}-id"):
            continue
        rows.append(values)
    return sorted(rows)


def _as_stored(objects, model, names, prefix, data):
    """The page's data with this list as stored now: saving it changes nothing."""
    result = {name: value for name, value in data.items() if not name.startswith(f"{prefix}-")}
    attnames = [model._meta.get_field(name).attname for name in names]
    for index, obj in enumerate(objects):
        result[f"{prefix}-{index}-id"] = str(obj.pk)
        for name, attname in zip(names, attnames):
            result[f"{prefix}-{index}-{name}"] = _text(getattr(obj, attname))
    count = str(len(objects))
    result.update(
        {
            f"{prefix}-TOTAL_FORMS": count,
            f"{prefix}-INITIAL_FORMS": count,
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": str(MAX_ROWS),
        }
    )
    return result


def bound_data(data, episode, model, names, prefix):
    """What a list's formset is bound to, and the list's conflict (or None)."""
    base = decode(data.get(MERGE_BASE))
    sent = data.get("version") or ""
    if base is None or base.token != sent or prefix not in base.lists:
        return data, None
    current = Episode.objects.select_for_update().filter(pk=episode.pk).values_list("updated_at", flat=True)
    now = version_token(current.first())
    mine = sent_rows(data, prefix, names)
    if sent == now or mine is None:
        return data, None
    objects = list(model.objects.filter(episode=episode))
    key = f"r:{prefix}"
    chosen = {key: data.get(f"{CHOICE}{key}")} if data.get(MERGE_THEIRS) == now else {}
    merged = merge({key: base.lists[prefix]}, {key: mine}, {key: stored_rows(objects, model, names)}, chosen)
    if merged.conflicts:
        return data, merged.conflicts[0]
    if merged.sides[key] == MINE:
        return data, None
    return _as_stored(objects, model, names, prefix, data), None
