"""The one table between an archive file's keys and the columns of its row, in both directions.

Reading, a file value is checked and converted to its column's value, and what it takes to write
it back the same way is noted in the row's ``layout`` (the key order, a null written as such, a
date written as text); keys with no column are kept, as YAML, in ``extra``. Writing, the row's
values are put back under their keys in the file's order, with keys new to the file placed
where they belong. An episode's keys that hold lists and mappings are ``episode_file``'s.
"""

import datetime
from pathlib import PurePosixPath

from episodes.links import is_url
from episodes.models import Guest

from . import documents
from .documents import DocumentError

# Keys with a column of their own: file key -> (model field, kind), in the order a new key is
# placed in a file that did not have it; None for the keys ``episode_file`` reads and writes.
EPISODE_FIELDS = {
    "title": ("title", "text"),
    "short": ("short_title", "text"),
    "season": ("season", "number"),
    "episode": ("number", "number"),
    "guests": None,
    "image": ("image", "path"),
    "ids": None,
    "links": None,
    "description": ("description", "text"),
    "intro": ("intro", "text"),
    "topics": ("topics", "text list"),
    "dateadded": ("date_added", "date"),
    "date": ("date", "date"),
    "duration": ("duration", "text"),
    "quotableClips": None,
    "transcript": None,
}
PERSON_FIELDS = {
    "short": ("short", "text"),
    "title": ("title", "text"),
    "picture": ("picture", "path"),
    "linkedin": ("linkedin", "text"),
    "twitter": ("twitter", "text"),
    "github": ("github", "text"),
    "web": ("web", "url"),
    "bio_short": ("bio_short", "text"),
}


# --- reading ---------------------------------------------------------------------------------------


def type_name(value):
    return (
        "nothing"
        if value is None
        else {"str": "text", "int": "a number", "list": "a list", "dict": "a mapping"}.get(
            type(value).__name__, f"a {type(value).__name__}"
        )
    )


def _text(key, kind, value, layout):
    if not isinstance(value, str):
        raise DocumentError(f"'{key}' must be text, not {type_name(value)} (quote it)")
    if kind == "url" and value and not is_url(value):
        raise DocumentError(f"'{key}' must be an http(s) address, not {value!r}")
    if kind == "path":
        check_relative_path(key, value)
    return value


def _number(key, kind, value, layout):
    if type(value) is not int or value < 0:
        raise DocumentError(f"'{key}' must be a whole number, not {type_name(value)} ({value!r})")
    return value


def _date(key, kind, value, layout):
    if type(value) is datetime.date:
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.isoformat() == value:
                layout.setdefault("as_text", []).append(key)
                return parsed
    raise DocumentError(f"'{key}' must be a date (YYYY-MM-DD), not {value!r}")


def _text_list(key, kind, value, layout):
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DocumentError(f"'{key}' must be a list of text")
    return value


# Each kind of value: how a file value becomes a column value, and the column's empty value.
KINDS = {
    "text": (_text, ""),
    "path": (_text, ""),
    "url": (_text, ""),
    "number": (_number, None),
    "date": (_date, None),
    "text list": (_text_list, []),
}


def convert(key, kind, value, layout):
    """A file value -> its column value; records in ``layout`` how to write it back."""
    read, empty = KINDS[kind]
    if value is None:
        layout.setdefault("null", []).append(key)
        return [] if empty == [] else empty
    return read(key, kind, value, layout)


def check_relative_path(key, value):
    path = PurePosixPath(value)
    if value and (path.is_absolute() or ".." in path.parts or "\\" in value or ":" in path.parts[0]):
        raise DocumentError(f"'{key}' {value!r} leaves the site folder; give a path inside it, like images/...")


def split_known(data, spec):
    """(columns, extra, layout) of a file's data: the values of ``spec``'s keys converted, the
    keys it does not know, and the layout."""
    layout = {"keys": list(data)}
    # Every column, empty unless the file has its key: a key taken out of a file empties its
    # column when the file is imported over the row.
    columns = {attr: [] if KINDS[kind][1] == [] else KINDS[kind][1] for attr, kind in filter(None, spec.values())}
    extra = {}
    for key, value in data.items():
        if key not in spec:
            extra[key] = value
        elif spec[key] is not None:
            attr, kind = spec[key]
            columns[attr] = convert(key, kind, value, layout)
    return columns, extra, layout


def check_length(model, attr, value, label):
    limit = model._meta.get_field(attr).max_length
    if limit and isinstance(value, str) and len(value) > limit:
        raise DocumentError(f"{label} is {len(value):,} characters long; at most {limit:,} fit")


def check_lengths(model, columns, spec):
    labels = {attr: f"'{key}'" for key, kind in spec.items() if kind for attr in [kind[0]]}
    for attr, value in columns.items():
        check_length(model, attr, value, labels.get(attr, f"'{attr}'"))


def dump_extra(extra):
    return documents.dump(extra) if extra else ""


def person_fields(doc, short):
    """Check a person document and convert it to column values, or raise DocumentError."""
    data = doc.data
    columns, extra, layout = split_known(data, PERSON_FIELDS)
    if data.get("short") != short:
        raise DocumentError(f"'short' is {data.get('short')!r} but the file name says {short!r}; they must match")
    if not columns.get("title"):
        columns["title"] = ""
    check_lengths(Guest, columns, PERSON_FIELDS)
    columns["extra"] = dump_extra(extra)
    columns["layout"] = layout
    columns["bio"] = doc.body
    return columns


# --- writing ---------------------------------------------------------------------------------------


def _ordered_keys(layout, spec, present):
    """The file's key order, with keys new to the file placed where they belong."""
    keys = list(layout.get("keys", []))
    canonical = list(spec)
    for key in canonical:
        if key in keys or not present(key):
            continue
        earlier = canonical[: canonical.index(key)]
        at = max((keys.index(k) + 1 for k in earlier if k in keys), default=0)
        keys.insert(at, key)
    return keys


def _file_value(key, kind, value, layout):
    if value in (None, "", []) and key in layout.get("null", ()):
        return None
    if kind == "date" and value is not None and key in layout.get("as_text", ()):
        return value.isoformat()
    if kind == "path":
        return value.name if hasattr(value, "name") else value
    return value


OMIT = object()  # a special key that the file does not have and that is empty now


def columns_to_data(obj, spec, layout, extra, specials):
    """A row's document data: its columns under ``spec``'s keys, ``extra``'s keys, and the keys
    given in ``specials`` (OMIT to leave one out), in the file's order."""

    def value_of(key):
        if key in extra:
            return extra[key]
        if key in specials:
            return specials[key]
        if key not in spec:  # a key of "other front matter" that an editor removed
            return OMIT
        attr, kind = spec[key]
        value = _file_value(key, kind, getattr(obj, attr), layout)
        if value in ("", []) and key not in layout.get("keys", ()):
            return OMIT
        if value is None and key not in layout.get("null", ()):
            return OMIT
        return value

    values = {key: value_of(key) for key in set(spec) | set(extra) | set(layout.get("keys", ()))}
    keys = _ordered_keys(layout, spec, lambda key: values.get(key, OMIT) is not OMIT)
    # Keys an editor added under "other front matter" go last, in the order they were written.
    keys += [key for key in extra if key not in keys]
    return {key: values[key] for key in keys if values.get(key, OMIT) is not OMIT}


def load_extra(text):
    return documents.load(text) or {} if text else {}


def build_person(guest):
    """A person's document data and body from their row."""
    layout = guest.layout or {}
    data = columns_to_data(guest, PERSON_FIELDS, layout, load_extra(guest.extra), {})
    return data, guest.bio
