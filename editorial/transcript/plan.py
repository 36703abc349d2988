"""A transcript save in two steps: ``plan`` works out, from the checked forms and the stored
items, what to create, change and delete (and nothing that did not change); ``apply`` writes it,
a statement or two per kind of change, so correcting one word in a 300-line transcript is one
UPDATE."""

from dataclasses import dataclass, field

from episodes.models import Section, TranscriptLine

from .items import HEADER, LINE
from .positions import assign_positions

MODELS = {HEADER: Section, LINE: TranscriptLine}


@dataclass
class Plan:
    created: dict = field(default_factory=lambda: {HEADER: [], LINE: []})  # unsaved instances
    changed: dict = field(default_factory=lambda: {HEADER: [], LINE: []})  # instances, values set
    fields: dict = field(default_factory=lambda: {HEADER: set(), LINE: set()})  # the fields changed
    deleted: dict = field(default_factory=lambda: {HEADER: [], LINE: []})
    changed_fields: list = field(default_factory=list)  # (instance, [field names]) for the history


def plan(formset):
    """What saving ``formset`` (valid) changes."""
    result = Plan()
    kept = _kept(formset, result)
    positions = assign_positions([item.obj.position if item else None for _, _, _, item in kept])
    taken = {item.obj.uid for item in formset.items if item.kind == LINE}
    for position, (_, _, data, item) in zip(positions, kept):
        if data is None:
            _moved(result, item, position)
        elif item is None:
            created = MODELS[data["kind"]](episode=formset.episode, position=position, **values(data))
            if data["kind"] == LINE:
                # A line brought back keeps the uid it had, and so its links, unless it is taken.
                if data.get("uid") and data["uid"] not in taken:
                    created.uid = data["uid"]
                taken.add(created.uid)
            result.created[data["kind"]].append(created)
        else:
            _edited(result, item, position, values(data))
    return result


def _kept(formset, result):
    """The items that stay, in their new order, as (order, index, data or None, item or None);
    the deleted ones noted in ``result``."""
    kept = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or not data.get("kind"):
            continue
        item = formset.by_key.get((data["kind"], data.get("id")))
        if data.get("DELETE"):
            if item is not None:
                result.deleted[item.kind].append(item.obj)
            continue
        if item is None and not has_content(data):
            continue  # an inserted row left blank
        order = data.get("order")
        kept.append((index if order is None else order, index, data, item))
    for key in formset.untouched:
        # Untouched rows keep the order they were shown in; nothing of them is compared.
        kept.append((formset.order_of[key], -1, None, formset.by_key[key]))
    kept.sort(key=lambda entry: (entry[0], entry[1]))
    return kept


def _moved(result, item, position):
    if item.obj.position != position:
        item.obj.position = position
        result.changed[item.kind].append(item.obj)
        result.fields[item.kind].add("position")


def _edited(result, item, position, new):
    obj = item.obj
    new["position"] = position
    differs = [name for name, value in new.items() if getattr(obj, name) != value]
    if differs:
        for name in differs:
            setattr(obj, name, new[name])
        result.changed[item.kind].append(obj)
        result.fields[item.kind].update(differs)
        result.changed_fields.append((obj, [name for name in differs if name != "position"] or ["position"]))


def has_content(data):
    return any((data.get(name) or "") for name in ("text", "speaker", "time")) or data.get("sec") is not None


def values(data):
    """A submitted item's values, as the row's fields."""
    if data["kind"] == HEADER:
        return {"title": data.get("text") or ""}
    return {
        "text": data.get("text") or "",
        "speaker": data.get("speaker") or "",
        "sec": data.get("sec"),
        "time": data.get("time") or "",
    }


def apply(result):
    """Write a plan; (created, changed with their fields, deleted) instances, as the admin's
    change message and the history want them."""
    created, deleted = [], []
    for kind, model in MODELS.items():
        if result.deleted[kind]:
            model.objects.filter(pk__in=[obj.pk for obj in result.deleted[kind]]).delete()
            deleted += result.deleted[kind]
        if result.changed[kind]:
            model.objects.bulk_update(result.changed[kind], sorted(result.fields[kind]), batch_size=500)
        if result.created[kind]:
            created += model.objects.bulk_create(result.created[kind], batch_size=500)
    return created, result.changed_fields, deleted
