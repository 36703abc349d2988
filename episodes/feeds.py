"""The podcast's RSS feed, on Django's syndication framework, with the Podcasting 2.0 namespace:
``podcast:transcript`` per transcript format, ``podcast:chapters``, ``podcast:person`` per guest,
and ``podcast:season``/``podcast:episode``."""

import datetime
from urllib.parse import urljoin

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed

from . import markup, site
from .models import EPISODE_CARD_FIELDS, Episode
from .transcripts import FORMATS, TranscriptFacts

PODCAST_NAMESPACE = "https://podcastindex.org/namespace/1.0"


class PodcastRss(Rss201rev2Feed):
    """RSS 2.0 plus the Podcasting 2.0 elements an item carries in ``podcast``.

    Addresses reach here relative to the site and are made absolute against the feed's own
    link, which the syndication framework has already made absolute for this request."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:podcast": PODCAST_NAMESPACE}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("image"):
            handler.startElement("image", {})
            handler.addQuickElement("url", self._absolute(self.feed["image"]))
            handler.addQuickElement("title", self.feed["title"])
            handler.addQuickElement("link", self.feed["link"])
            handler.endElement("image")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
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
        for person in podcast.get("people", ()):
            attrs = {"role": "guest", "href": self._absolute(person["href"])}
            if person["img"]:
                attrs["img"] = self._absolute(person["img"])
            handler.addQuickElement("podcast:person", person["name"], attrs)

    def _absolute(self, url):
        return urljoin(self.feed["link"], url)


class EpisodeFeed(Feed):
    feed_type = PodcastRss

    def title(self):
        return site.name()

    def description(self):
        return site.description()

    def link(self):
        return reverse("episodes:episode_list")

    def feed_url(self):
        return reverse("episodes:feed")

    def language(self):
        return site.language()

    def items(self):
        return (
            Episode.objects.published()
            .newest_first()
            .cards()
            .with_transcript_facts()
            .only(*EPISODE_CARD_FIELDS, "description", "intro", "youtube_id", "updated_at")
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Readers show a description as HTML, and these fields are the file's own text, with
        # whatever markup it holds: the feed carries their text alone.
        return markup.plain_text(item.summary)

    def item_pubdate(self, item):
        day = item.published_on
        if day is None:
            return None
        return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)

    def item_updateddate(self, item):
        return item.updated_at

    def item_guid(self, item):
        return item.get_absolute_url()

    def item_guid_is_permalink(self, item):
        return True

    def item_extra_kwargs(self, item):
        base = item.get_absolute_url()
        files = []
        facts = TranscriptFacts(
            is_empty=not (item.has_lines or item.has_sections),
            is_timed=item.has_timed_lines,
            has_chapters=item.has_timed_section,
        )
        for rendering in FORMATS:
            if not rendering.available(facts):
                continue
            files.append(
                {
                    "kind": rendering.kind,
                    "url": base + rendering.filename,
                    "type": rendering.feed_type,
                    "rel": rendering.rel,
                }
            )
        people = [
            {
                "name": appearance.guest.name,
                "href": appearance.guest.get_absolute_url(),
                "img": appearance.guest.picture.url if appearance.guest.picture else "",
            }
            for appearance in item.appearances.all()
        ]
        return {"podcast": {"season": item.season, "episode": item.number, "files": files, "people": people}}
