"""Episodes' audio from the show's feed at its podcast host (``manage.py import_feed``).

The archive's files name no audio: the host has it. Its RSS feed gives, per item, the audio's
address, size, type and duration, and when it was released. Each item is matched to one
episode, by the first of these that finds any:

1. the host's episode id, the last word of the item's link or guid
   (``.../episodes/AB-Testing---Jakob-Graff-e1eq73v``), against the one in the episode's
   ``ids.anchor`` (or its Anchor link);
2. a YouTube id in the item's link, guid or description, against the episode's;
3. the item's title, exactly as the episode's.

A rule that finds several episodes for an item, or several items for one episode, is reported
as ambiguous and changes nothing: a match is never guessed. Audio an editor set by hand is kept
unless forced.
"""

import calendar
import datetime
import mimetypes
import re
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
from django.db import transaction

from episodes import caching
from episodes.links import external_url, known_youtube_id
from episodes.models import AUDIO_FIELDS, Episode, anchor_episode_id, lock_rows

# A host's feed of a few thousand episodes is a few MB; anything much bigger is not one.
MAX_FEED_BYTES = 50 * 1024 * 1024
FETCH_TIMEOUT = 30
YOUTUBE_ID = re.compile(r"(?:youtube\.com/(?:watch\?(?:[^\s\"'<>]*&)?v=|embed/)|youtu\.be/)([A-Za-z0-9_-]{11})")


class FeedError(Exception):
    """The feed cannot be read; the message names it and why."""


@dataclass
class HostItem:
    """One item of the host's feed, as far as audio goes."""

    title: str
    link: str
    guid: str
    description: str = ""
    audio: dict = field(default_factory=dict)  # AUDIO_FIELDS, or empty when it has no usable audio
    problem: str = ""  # why it has no audio

    @property
    def name(self):
        return self.title or self.guid or self.link or "(an item with no title)"


def read(source):
    """The bytes of a feed: a file's path, or an http(s) address."""
    if "://" in source:
        if not external_url(source) or not source.lower().startswith(("http://", "https://")):
            raise FeedError(f"{source}: only http and https addresses can be read")
        request = urllib.request.Request(source, headers={"User-Agent": "podcast-cms import_feed"})
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
                data = response.read(MAX_FEED_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise FeedError(f"{source}: the host answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise FeedError(f"{source}: cannot be fetched ({getattr(exc, 'reason', exc)})") from None
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FEED_BYTES:
                raise FeedError(f"{source}: larger than {MAX_FEED_BYTES // 2**20} MB; not a podcast feed")
            data = path.read_bytes()
        except OSError as exc:
            raise FeedError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"{source}: larger than {MAX_FEED_BYTES // 2**20} MB; not a podcast feed")
    return data


def parse(data, source):
    """The items of a feed's bytes; FeedError when they are not an RSS or Atom feed."""
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedError(f"{source}: not an RSS feed ({reason or 'no channel and no items'})")
    return [_item(entry) for entry in parsed.entries]


def _item(entry):
    item = HostItem(
        title=(entry.get("title") or "").strip(),
        link=entry.get("link") or "",
        guid=entry.get("id") or "",
        description=entry.get("summary") or "",
    )
    enclosures = [link for link in entry.get("links", ()) if link.get("rel") == "enclosure"]
    if not enclosures:
        item.problem = "it has no enclosure"
        return item
    enclosure = enclosures[0]
    url = external_url(enclosure.get("href") or "")
    if not url or not url.lower().startswith(("http://", "https://")):
        item.problem = f"its enclosure's address {enclosure.get('href')!r} is not an http(s) address"
        return item
    kind = (enclosure.get("type") or "").strip().lower() or mimetypes.guess_type(url)[0] or ""
    if not kind.startswith(("audio/", "video/")):
        item.problem = f"its enclosure is {kind or 'of no type'}, not audio"
        return item
    item.audio = {
        "audio_url": url,
        "audio_length": _whole(enclosure.get("length")),
        "audio_type": kind[:100],
        "audio_duration": seconds(entry.get("itunes_duration")),
        "released_at": _time(entry.get("published_parsed")),
    }
    return item


def _whole(text):
    try:
        number = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def seconds(text):
    """A duration as feeds write it ("3817", "1:03:37", "63:37") in seconds, or None."""
    parts = str(text or "").strip().split(":")
    if not parts[0] or len(parts) > 3 or not all(part.isdigit() for part in parts):
        return None
    total = 0
    for part in parts:
        total = total * 60 + int(part)
    return total if 0 < total < 2**31 else None


def _time(parsed):
    if not parsed:
        return None
    try:
        return datetime.datetime.fromtimestamp(calendar.timegm(parsed), tz=datetime.UTC)
    except (OverflowError, ValueError, OSError):
        return None


@dataclass
class Plan:
    """What reading a feed would do: items matched to episodes (each with the rule that matched
    it), items matched to none, and items or episodes found twice."""

    matched: list = field(default_factory=list)  # (item, episode, rule)
    unmatched: list = field(default_factory=list)  # items
    ambiguous: list = field(default_factory=list)  # (item, [episodes])
    without_audio: list = field(default_factory=list)  # items with a problem
    # filled in by ``apply``: (episode, what happened) per matched episode
    results: list = field(default_factory=list)


class Episodes:
    """The episodes an item can match, by each rule's key."""

    def __init__(self, episodes):
        self.by = {"host id": defaultdict(list), "YouTube id": defaultdict(list), "title": defaultdict(list)}
        for episode in episodes:
            host_id = anchor_episode_id(episode.anchor_id) or anchor_episode_id(
                next((link.url for link in episode.links.all() if link.platform == "anchor"), "")
            )
            if host_id:
                self.by["host id"][host_id].append(episode)
            if known_youtube_id(episode.youtube_id):
                self.by["YouTube id"][episode.youtube_id].append(episode)
            if episode.title.strip():
                self.by["title"][episode.title.strip()].append(episode)

    def find(self, item):
        """(rule, [episodes]) of the first rule that finds any, or (None, [])."""
        keys = {
            "host id": {anchor_episode_id(item.link), anchor_episode_id(item.guid)} - {""},
            "YouTube id": set(YOUTUBE_ID.findall(f"{item.link} {item.guid} {item.description}")),
            "title": {item.title} - {""},
        }
        for rule, index in self.by.items():
            found = {episode.pk: episode for key in keys[rule] for episode in index.get(key, ())}
            if found:
                return rule, list(found.values())
        return None, []


def plan(items, episodes):
    plan = Plan()
    index = Episodes(episodes)
    claims = defaultdict(list)  # episode pk -> [(item, episode, rule)]
    for item in items:
        if item.problem:
            plan.without_audio.append(item)
            continue
        rule, found = index.find(item)
        if not found:
            plan.unmatched.append(item)
        elif len(found) > 1:
            plan.ambiguous.append((item, found))
        else:
            claims[found[0].pk].append((item, found[0], rule))
    for claimed in claims.values():
        if len(claimed) == 1:
            plan.matched.append(claimed[0])
        else:
            plan.ambiguous.extend((item, [episode]) for item, episode, _ in claimed)
    return plan


def read_plan(source):
    """The plan for the feed at ``source`` over every episode in the database."""
    items = parse(read(source), source)
    return plan(items, Episode.objects.only("id", "slug", "title", "youtube_id", "anchor_id").prefetch_related("links"))


def apply(plan, force=False, dry_run=False):
    """Write the matched items' audio, in one transaction; fills ``plan.results`` with
    (episode, "set" | "unchanged" | "kept") per matched episode ("kept": set by an editor)."""
    with transaction.atomic():
        pks = [episode.pk for _, episode, _ in plan.matched]
        lock_rows(Episode, pk__in=pks)
        current = Episode.objects.in_bulk(pks)
        changed = []
        for item, episode, _ in plan.matched:
            row = current.get(episode.pk)
            if row is None:
                continue  # removed since the plan was made
            if row.audio_set_by == Episode.AUDIO_BY_EDITOR and not force:
                plan.results.append((row, "kept"))
            elif all(getattr(row, name) == item.audio[name] for name in AUDIO_FIELDS):
                plan.results.append((row, "unchanged"))
            else:
                for name in AUDIO_FIELDS:
                    setattr(row, name, item.audio[name])
                row.audio_set_by = Episode.AUDIO_FROM_FEED
                changed.append(row)
                plan.results.append((row, "set"))
        if dry_run:
            transaction.set_rollback(True)
            return plan
        if changed:
            Episode.objects.bulk_update(changed, [*AUDIO_FIELDS, "audio_set_by"], batch_size=200)
            caching.content_changed()
    return plan
