"""The podcast's RSS feeds, on Django's syndication framework.

``PodcastFeed`` (``/podcast/feed.xml``) is what podcast apps subscribe to: the episodes that have
audio, each with its ``<enclosure>``, the ``itunes:`` tags Apple Podcasts asks for and the
Podcasting 2.0 namespace (``podcast:guid``, ``podcast:locked``, ``podcast:person`` for the hosts
and guests, ``podcast:season``/``podcast:episode``, ``podcast:transcript`` per transcript format,
``podcast:chapters``, ``podcast:soundbite`` per quotable clip). ``EpisodesFeed``
(``/podcast/episodes.xml``) is the visitors' feed of every published episode, audio or not.

An item's ``pubDate`` is its episode's date (``date``, at noon UTC), else when the host released
its audio, else the day it was added to the archive (``dateadded``); an episode with none of
these takes the date of the episode before it (by season and number), so that the items, which
go newest first by those dates, keep the show's order. Its guid is ``Episode.guid``.
"""

import datetime
import functools
import mimetypes
import re
import uuid
from collections import defaultdict
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.feedgenerator import Rss201rev2Feed

from . import markup, site
from .models import EPISODE_CARD_FIELDS, ContentVersion, Episode, Guest, QuotableClip
from .timecodes import at_noon, parse_duration
from .transcripts import FORMATS, TranscriptFacts

PODCAST_NAMESPACE = "https://podcastindex.org/namespace/1.0"
ITUNES_NAMESPACE = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# The namespace's spec makes a show's podcast:guid from its feed's address, in this UUID space.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url):
    """The show's podcast:guid: the setting, else a UUID of the feed's address without its
    scheme and trailing slashes."""
    if getattr(settings, "PODCAST_GUID", ""):
        return settings.PODCAST_GUID
    address = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, address))


class PodcastRss(Rss201rev2Feed):
    """RSS 2.0 plus what the feed's ``itunes`` and ``podcast`` entries hold, channel and item.

    Addresses reach here relative to the site and are made absolute against the feed's own
    link, which the syndication framework has already made absolute for this request."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:itunes": ITUNES_NAMESPACE, "xmlns:podcast": PODCAST_NAMESPACE}

    def latest_post_date(self):
        # With no item to date it, the framework would say "now", which differs from one
        # process to the next under the same ETag: the content's last change says the same.
        if any(item.get("updateddate") or item.get("pubdate") for item in self.items):
            return super().latest_post_date()
        return (self.feed.get("show") or {}).get("changed_at") or datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        channel = self.feed.get("show") or {}
        image = channel.get("image")
        if image:
            handler.startElement("image", {})
            handler.addQuickElement("url", self._absolute(image))
            handler.addQuickElement("title", self.feed["title"])
            handler.addQuickElement("link", self.feed["link"])
            handler.endElement("image")
        if not channel.get("podcast"):
            return
        handler.addQuickElement("itunes:author", channel["author"])
        handler.addQuickElement("itunes:summary", self.feed["description"])
        owner_name, owner_email = channel["owner"]
        if owner_email:
            handler.startElement("itunes:owner", {})
            handler.addQuickElement("itunes:name", owner_name)
            handler.addQuickElement("itunes:email", owner_email)
            handler.endElement("itunes:owner")
        if image:
            handler.addQuickElement("itunes:image", None, {"href": self._absolute(image)})
        handler.addQuickElement("itunes:category", None, {"text": channel["category"]})
        handler.addQuickElement("itunes:explicit", "true" if channel["explicit"] else "false")
        handler.addQuickElement("itunes:type", "episodic")
        handler.addQuickElement("podcast:guid", podcast_guid(self.feed["feed_url"]))
        handler.addQuickElement(
            "podcast:locked", "yes" if channel["locked"] else "no", {"owner": owner_email} if owner_email else {}
        )
        for person in channel["hosts"]:
            self._person(handler, person, "host")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        itunes = item.get("itunes") or {}
        for name in ("duration", "season", "episode"):
            if itunes.get(name) is not None:
                handler.addQuickElement(f"itunes:{name}", str(itunes[name]))
        if itunes:
            handler.addQuickElement("itunes:episodeType", "full")
        if itunes.get("image"):
            handler.addQuickElement("itunes:image", None, {"href": self._absolute(itunes["image"])})
        podcast = item.get("podcast") or {}
        if podcast.get("season") is not None:
            handler.addQuickElement("podcast:season", str(podcast["season"]))
        if podcast.get("episode") is not None:
            handler.addQuickElement("podcast:episode", str(podcast["episode"]))
        for tag in podcast.get("files", ()):
            attrs = {"url": self._absolute(tag["url"]), "type": tag["type"]}
            if tag["kind"] == "transcript":
                attrs["language"] = self.feed["language"]
                if tag["rel"]:
                    attrs["rel"] = tag["rel"]
            handler.addQuickElement(f"podcast:{tag['kind']}", None, attrs)
        for person in podcast.get("hosts", ()):
            self._person(handler, person, "host")
        for person in podcast.get("people", ()):
            self._person(handler, person, "guest")
        for start, duration, name in podcast.get("soundbites", ()):
            handler.addQuickElement("podcast:soundbite", name, {"startTime": str(start), "duration": str(duration)})

    def _person(self, handler, person, role):
        attrs = {"role": role, "href": self._absolute(person["url"])}
        if person["picture"]:
            attrs["img"] = self._absolute(person["picture"])
        handler.addQuickElement("podcast:person", person["name"], attrs)

    def _absolute(self, url):
        return absolute(self.feed["link"], url)


def feed_date(episode):
    """When the feed says the episode came out, or None (see the module's docstring)."""
    if episode.date:
        return at_noon(episode.date)
    return episode.released_at or at_noon(episode.date_added)


def in_feed_order(episodes):
    """``episodes`` (in the show's order, oldest first) newest first by their feed dates, each
    with its date as ``feed_date``."""
    before = None
    for episode in episodes:
        episode.feed_date = feed_date(episode) or before or episode.created_at
        before = episode.feed_date
    # Newest first; of one date, the later in the show's order first.
    return [episode for _, episode in sorted(enumerate(episodes), key=lambda pair: (pair[1].feed_date, pair[0]))][::-1]


def soundbites(episodes):
    """{episode id: [(start, duration, name)]}: the quotable clips that have both ends, in
    seconds, in the episode's order; in one query of plain values (the archive has thousands of
    clips, of which a feed needs four fields)."""
    found = defaultdict(list)
    clips = (
        QuotableClip.objects.filter(episode__in=episodes, start_offset__isnull=False, end_offset__gt=F("start_offset"))
        .order_by("episode_id", "position", "id")
        .values_list("episode_id", "start_offset", "end_offset", "name")
    )
    for episode_id, start, end, name in clips:
        found[episode_id].append((start, end - start, name))
    return found


# A feed names some thousand addresses: they are made as reverse() and urljoin() make them,
# without asking them each time.
PLAIN_KEY = re.compile(r"[A-Za-z0-9._~-]+")  # a key reverse() writes as it is


@functools.lru_cache(maxsize=16)
def _page_pattern(name, prefix, urlconf):
    return reverse(name, args=["KEY"], urlconf=urlconf).split("KEY")


def page_address(name, key):
    """``reverse(name, args=[key])`` for the pages of an episode or a person."""
    if PLAIN_KEY.fullmatch(key) and key not in (".", ".."):
        before, after = _page_pattern(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
        return before + key + after
    return reverse(name, args=[key])


def absolute(base, url):
    """``urljoin(base, url)``, at once for a path from the root with no dot segment in it."""
    if url.startswith("/") and not url.startswith("//") and "/." not in url:
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}{url}"
    return urljoin(base, url)


class EpisodesFeed(Feed):
    """Every published episode, for visitors' feed readers."""

    feed_type = PodcastRss
    podcast = False

    def title(self):
        return site.name()

    def description(self):
        return site.description()

    def link(self):
        return reverse("episodes:episode_list")

    def feed_url(self):
        return reverse("episodes:episodes_feed")

    def get_object(self, request):
        """What the channel and every item say alike, read once per feed (the feed object itself
        serves every request)."""
        return {"hosts": [person_entry(person) for person in hosts()] if self.podcast else []}

    def feed_extra_kwargs(self, obj):
        return {
            "show": {
                "image": site.cover(),
                "podcast": self.podcast,
                "author": site.author(),
                "owner": site.owner(),
                "category": _setting("PODCAST_CATEGORY", "Technology"),
                "explicit": _setting("PODCAST_EXPLICIT", False),
                "locked": _setting("PODCAST_LOCKED", True),
                "hosts": obj["hosts"],
                "changed_at": ContentVersion.objects.filter(pk=1).values_list("changed_at", flat=True).first(),
            }
        }

    @property
    def language(self):
        # An attribute, not a method, to the syndication framework: it does not call it.
        return site.language()

    def episodes(self):
        return Episode.objects.published()

    def items(self, obj):
        episodes = (
            self.episodes()
            .oldest_first()
            .cards()
            .with_transcript_facts()
            .only(
                *EPISODE_CARD_FIELDS,
                "description",
                "intro",
                "youtube_id",
                "updated_at",
                "created_at",
                "guid",
                "duration",
                "audio_url",
                "audio_length",
                "audio_type",
                "audio_duration",
            )
        )
        if not self.podcast:
            return in_feed_order(list(episodes))
        episodes = in_feed_order(list(episodes))
        bites = soundbites([episode.pk for episode in episodes])
        for episode in episodes:
            episode.feed_hosts = obj["hosts"]
            episode.feed_soundbites = bites.get(episode.pk, [])
        return episodes

    def item_link(self, item):
        return page_address("episodes:episode", item.slug)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Readers show a description as HTML, and these fields are the file's own text, with
        # whatever markup it holds: the feed carries their text alone.
        return markup.plain_text(item.summary) or item.title

    def item_pubdate(self, item):
        return item.feed_date

    def item_updateddate(self, item):
        return item.updated_at

    def item_guid(self, item):
        return item.guid

    def item_guid_is_permalink(self, item):
        return False

    def item_enclosure_url(self, item):
        return item.audio_url or None

    def item_enclosure_length(self, item):
        return item.audio_length or 0

    def item_enclosure_mime_type(self, item):
        return item.audio_type or mimetypes.guess_type(item.audio_url)[0] or "audio/mpeg"

    def item_extra_kwargs(self, item):
        podcast = {
            "season": item.season,
            "episode": item.number,
            "files": self._transcript_files(item),
            "people": [person_entry(appearance.guest) for appearance in item.appearances.all()],
        }
        if not self.podcast:
            return {"podcast": podcast}
        podcast["hosts"] = item.feed_hosts
        podcast["soundbites"] = item.feed_soundbites
        itunes = {
            "duration": item.audio_duration or parse_duration(item.duration),
            "season": item.season or None,
            "episode": item.number or None,
            "image": item.image.url if item.image else "",
        }
        return {"podcast": podcast, "itunes": itunes}

    def _transcript_files(self, item):
        base = self.item_link(item)
        facts = TranscriptFacts(
            is_empty=not (item.has_lines or item.has_sections),
            is_timed=item.has_timed_lines,
            has_chapters=item.has_timed_section,
        )
        return [
            {
                "kind": rendering.kind,
                "url": base + rendering.filename,
                "type": rendering.feed_type,
                "rel": rendering.rel,
            }
            for rendering in FORMATS
            if rendering.available(facts)
        ]


class PodcastFeed(EpisodesFeed):
    """The episodes that have audio, for podcast apps."""

    podcast = True

    def feed_url(self):
        return reverse("episodes:feed")

    def episodes(self):
        return Episode.objects.published().exclude(audio_url="")


def person_entry(person):
    """What a podcast:person says of someone: name, page, picture (site-relative)."""
    return {
        "name": person.name,
        "url": page_address("episodes:person", person.short),
        "picture": person.picture.url if person.picture else "",
    }


def _setting(name, default):
    return getattr(settings, name, default)


def hosts():
    """The hosts' person rows, in the setting's order."""
    keys = site.hosts()
    return sorted(Guest.objects.filter(short__in=keys), key=lambda person: keys.index(person.short))
