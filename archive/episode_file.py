"""An episode file's keys that are more than a value: its guests, ids, links, quotable clips and
transcript, each read (checked and converted) and written back by a pair of functions here. The
keys with a column of their own are ``fields``'.

``episode_fields`` reads a whole episode document into ``EpisodeData``; ``build_episode`` writes
one back from its row and its children's rows.
"""

from dataclasses import dataclass

from django.conf import settings

from episodes import lineids
from episodes.links import is_url
from episodes.models import (
    EPISODE_CHILDREN,
    Appearance,
    Episode,
    PlatformLink,
    QuotableClip,
    Section,
    TranscriptLine,
)

from .documents import DocumentError
from .fields import (
    EPISODE_FIELDS,
    OMIT,
    check_length,
    check_lengths,
    columns_to_data,
    dump_extra,
    load_extra,
    split_known,
    type_name,
)

# The most transcript items an episode may have: a hostile file is refused past it, and the
# admin's transcript editor takes an episode of that size (settings).
MAX_TRANSCRIPT_ITEMS = settings.PODCAST_MAX_TRANSCRIPT_ITEMS
TODO = PlatformLink.TODO
IDS = {"youtube": "youtube_id", "anchor": "anchor_id"}
LINE_KEYS = ("line", "sec", "time", "who")
CLIP_KEYS = {"name": "name", "startOffset": "start_offset", "endOffset": "end_offset", "url": "url"}


@dataclass
class EpisodeData:
    """One episode document, checked and converted, ready to be written to the database."""

    fields: dict
    guests: list
    links: list
    clips: list
    items: list  # ("header", title) or ("line", text, who, sec, time, keys), in file order


def episode_fields(doc, slug):
    """Check an episode document and convert it to column values, or raise DocumentError."""
    data = doc.data
    if "title" not in data:
        raise DocumentError("'title' is missing")
    columns, extra, layout = split_known(data, EPISODE_FIELDS)
    if columns.get("title") is None or not columns["title"].strip():
        raise DocumentError("'title' must not be empty")
    guests = read_guests(data, layout)
    read_ids(data, columns, layout)
    links = read_links(data)
    clips = read_clips(data)
    items = read_transcript(data)
    for key in ("transcript", "quotableClips", "links", "ids"):
        if key in data and data[key] is None:
            layout.setdefault("null", []).append(key)
    columns["slug"] = slug
    check_lengths(Episode, columns, EPISODE_FIELDS)
    columns["extra"] = dump_extra(extra)
    columns["layout"] = layout
    columns["body"] = doc.body
    return EpisodeData(columns, guests, links, clips, items)


# --- reading, key by key ------------------------------------------------------------------------


def read_guests(data, layout):
    guests = data.get("guests")
    if guests is None:
        guests = []
        if "guests" in data:
            layout.setdefault("null", []).append("guests")
    if not isinstance(guests, list) or not all(isinstance(g, str) for g in guests):
        raise DocumentError("'guests' must be a list of people keys")
    if len(set(guests)) != len(guests):
        raise DocumentError("'guests' names the same person twice")
    return guests


def read_ids(data, columns, layout):
    """The ids the episode has columns for go to them; the others are kept in the layout."""
    ids = data.get("ids") or {}
    if not isinstance(ids, dict):
        raise DocumentError(f"'ids' must be a mapping, not {type_name(ids)}")
    layout["ids"] = list(ids)
    columns.update(dict.fromkeys(IDS.values(), ""))  # an id taken out of the file is gone from the row
    other_ids = {}
    for key, value in ids.items():
        if not isinstance(value, str):
            raise DocumentError(f"'ids.{key}' must be text, not {type_name(value)}")
        if key in IDS:
            columns[IDS[key]] = value
        else:
            other_ids[key] = value
    if other_ids:
        layout["ids_other"] = other_ids


def read_links(data):
    """(platform, address) pairs, in the file's order."""
    links = data.get("links") or {}
    if not isinstance(links, dict):
        raise DocumentError(f"'links' must be a mapping of platform to address, not {type_name(links)}")
    for platform, url in links.items():
        if not isinstance(platform, str) or not (url == TODO or is_url(url)):
            raise DocumentError(f"'links.{platform}' must be an http(s) address or {TODO}, not {url!r}")
        check_length(PlatformLink, "platform", platform, f"the platform name {platform[:40]!r}")
        check_length(PlatformLink, "url", url, f"'links.{platform}'")
    return list(links.items())


def read_clips(data):
    clips = data.get("quotableClips") or []
    if not isinstance(clips, list):
        raise DocumentError("'quotableClips' must be a list")
    for number, clip in enumerate(clips, 1):
        _check_clip(number, clip)
    return clips


def _check_clip(number, clip):
    label = f"quotableClips item {number}"
    if not isinstance(clip, dict) or not set(clip) <= set(CLIP_KEYS):
        raise DocumentError(f"{label} must be a mapping of {', '.join(CLIP_KEYS)}")
    for key in ("startOffset", "endOffset"):
        if key in clip and (type(clip[key]) is not int or clip[key] < 0):
            raise DocumentError(f"{label}: '{key}' must be a whole number of seconds")
    for key in ("name", "url"):
        if key in clip and not isinstance(clip[key], str):
            raise DocumentError(f"{label}: '{key}' must be text")
    if clip.get("url") and not is_url(clip["url"]):
        raise DocumentError(f"{label}: 'url' must be an http(s) address, not {clip['url']!r}")
    for key in ("name", "url"):
        check_length(QuotableClip, CLIP_KEYS[key], clip.get(key), f"{label}: '{key}'")


def read_transcript(data):
    transcript = data.get("transcript")
    if transcript is None:
        transcript = []
    if not isinstance(transcript, list):
        raise DocumentError(f"'transcript' must be a list of lines and headers, not {type_name(transcript)}")
    if len(transcript) > MAX_TRANSCRIPT_ITEMS:
        raise DocumentError(
            f"the transcript has {len(transcript):,} items; more than {MAX_TRANSCRIPT_ITEMS:,} are refused"
        )
    items = [_transcript_item(number, item) for number, item in enumerate(transcript, 1)]
    # The limits once, and a label only for an item that is too long: this runs for every line.
    header_limit = Section._meta.get_field("title").max_length
    time_limit = TranscriptLine._meta.get_field("time").max_length
    for number, item in enumerate(items, 1):
        if item[0] == "header":
            if len(item[1]) > header_limit:
                check_length(Section, "title", item[1], f"transcript item {number}: 'header'")
        elif len(item[4]) > time_limit:
            check_length(TranscriptLine, "time", item[4], f"transcript item {number}: 'time'")
    return items


_LINE_KEYS = frozenset(LINE_KEYS)


def _transcript_item(number, item):
    if isinstance(item, dict):
        if "header" in item and len(item) == 1:
            if not isinstance(item["header"], str):
                raise DocumentError(f"transcript item {number}: 'header' must be text, not {type_name(item['header'])}")
            return ("header", item["header"])
        if "line" in item and item.keys() <= _LINE_KEYS:
            return _line(number, item)
    raise DocumentError(
        f"transcript item {number} is neither a line (line, sec, time, who) nor a header: {str(item)[:80]!r}"
    )


def _line(number, item):
    text, sec, when, who = item["line"], item.get("sec"), item.get("time"), item.get("who")
    if not isinstance(text, str):
        raise DocumentError(f"transcript item {number}: 'line' must be text, not {type_name(text)}")
    if "sec" in item and (type(sec) is not int or sec < 0):
        raise DocumentError(f"transcript item {number}: 'sec' must be a whole number of seconds, not {sec!r}")
    if "time" in item and not isinstance(when, str):
        raise DocumentError(
            f"transcript item {number}: 'time' must be text like '12:34', not {type_name(when)} ({when!r}); quote it"
        )
    if "who" in item and not isinstance(who, str):
        raise DocumentError(f"transcript item {number}: 'who' must be text, not {type_name(who)}")
    return ("line", text, who or "", sec, when or "", " ".join(item))


# --- writing, key by key ------------------------------------------------------------------------


def build_episode(episode, guests, links, clips, items):
    """An episode's document data and body from its row and its children's rows.

    ``guests``: keys in order; ``links``: (platform, url); ``clips``: clip rows (``ClipRow`` or
    model instances); ``items``: sections and lines merged in position order, as
    (position, "header", title) or (position, "line", text, speaker, sec, time, keys).
    """
    layout = episode.layout or {}
    null = set(layout.get("null", ()))
    keys = set(layout.get("keys", ()))

    def special(key, value):
        if not value and key in null:
            return None
        return value if value or key in keys else OMIT

    specials = {
        "guests": special("guests", list(guests)),
        "ids": special("ids", write_ids(episode, layout)),
        "links": special("links", dict(links)),
        "quotableClips": special("quotableClips", [write_clip(clip) for clip in clips]),
        "transcript": special("transcript", write_transcript(items)),
    }
    data = columns_to_data(episode, EPISODE_FIELDS, layout, load_extra(episode.extra), specials)
    return data, episode.body


def write_ids(episode, layout):
    ids = {}
    id_values = {key: getattr(episode, attr) for key, attr in IDS.items()}
    id_values.update(layout.get("ids_other", {}))
    for key in layout.get("ids", []):
        if key in id_values:
            ids[key] = id_values.pop(key)
    ids.update((key, value) for key, value in id_values.items() if value)
    return ids


def write_transcript(items):
    return [{"header": item[2]} if item[1] == "header" else write_line(*item[2:]) for item in items]


_USUAL_LINE = " ".join(LINE_KEYS)


def write_line(text, speaker, sec, when, keys):
    values = {"line": text, "sec": sec, "time": when, "who": speaker}
    if keys == _USUAL_LINE and sec is not None:
        return values  # all four keys in the usual order, none of them null: most lines
    order = keys.split() if keys else []
    order += [key for key in LINE_KEYS if key not in order and values[key] not in (None, "")]
    return {key: values[key] for key in order if key == "line" or values[key] is not None}


def write_clip(clip):
    values = {key: getattr(clip, attr) for key, attr in CLIP_KEYS.items()}
    order = clip.keys.split() if clip.keys else []
    order += [key for key in CLIP_KEYS if key not in order and values[key] not in (None, "")]
    return {key: values[key] for key in order if values[key] is not None}


# --- the child tables' rows -------------------------------------------------------------------

# An episode's child tables as the import writes them: each model's columns, the episode's first.
CHILD_COLUMNS = {
    Appearance: ("episode_id", "guest_id", "position"),
    PlatformLink: ("episode_id", "platform", "url", "position"),
    QuotableClip: ("episode_id", "position", "keys", *CLIP_KEYS.values()),
    Section: ("episode_id", "position", "title"),
    TranscriptLine: ("episode_id", "position", "text", "speaker", "sec", "time", "keys", "uid"),
}
assert set(CHILD_COLUMNS) == set(EPISODE_CHILDREN.values()), "every child table is written"


def child_rows(pk, parsed, guest_ids, previous_lines=None):
    """(model, columns, rows) of an episode's children, the transcript lines last.
    ``previous_lines``: (uid, text, speaker, sec) of the lines these replace, whose uids carry
    over to the lines they became (see ``episodes.lineids``)."""
    sections, lines = [], []
    for position, item in enumerate(parsed.items):
        if item[0] == "header":
            sections.append((pk, position, item[1]))
        else:
            _, text, who, sec, when, keys = item
            lines.append((pk, position, text, who, sec, when, keys))
    content = [(text, who, sec) for _, _, text, who, sec, _, _ in lines]
    uids = lineids.content_uids(content) if previous_lines is None else lineids.carry(previous_lines, content)
    lines = [(*line, uid) for line, uid in zip(lines, uids)]
    clips = [
        (pk, i, " ".join(clip), *(clip.get(key, "" if key in ("name", "url") else None) for key in CLIP_KEYS))
        for i, clip in enumerate(parsed.clips)
    ]
    rows = {
        Appearance: [(pk, guest_ids[key], i) for i, key in enumerate(parsed.guests)],
        PlatformLink: [(pk, platform, url, i) for i, (platform, url) in enumerate(parsed.links)],
        QuotableClip: clips,
        Section: sections,
        TranscriptLine: lines,
    }
    return [(model, CHILD_COLUMNS[model], rows[model]) for model in CHILD_COLUMNS]
