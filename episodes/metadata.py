"""What public pages tell machines: descriptions, schema.org JSON-LD and OpenGraph tags."""

import html
import json
import re

from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from . import links, markup, site
from .timecodes import parse_duration

# json.dumps leaves these as they are; inside a <script> element they could end it early.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def script_json(data):
    """JSON to put inside <script type="application/ld+json">, safe whatever strings it holds."""
    return mark_safe(json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_SCRIPT_ESCAPES))


DESCRIPTION_WORDS = 45
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def stored_file(field_file):
    """The file if a page can show it, else "" (the page then draws its placeholder).

    A row may name an image the import could not bring (it keeps the path and warns), so the
    page would ask for a file that is not there. On local storage asking is a stat, cheap enough
    for every card; a remote store would cost a request per image, so there the file is assumed
    present and the placeholder drawn behind the image shows if it is not.
    """
    if not field_file:
        return ""
    storage = field_file.storage
    if isinstance(storage, FileSystemStorage) and not storage.exists(field_file.name):
        return ""
    return field_file


def _words(text):
    return Truncator(" ".join(strip_tags(text or "").split())).words(DESCRIPTION_WORDS)


def _names(people):
    names = [person.name for person in people]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def episode_description(episode, guests=()):
    """What the episode is about (its summary); an episode without one is described by what the
    page has for certain, so no page says nothing."""
    summary = _words(episode.summary)
    if summary:
        return summary
    with_guests = f" with {_names(guests)}" if guests else ""
    return f"{episode.title}: an episode of the {site.name()}{with_guests}, with show notes and a full transcript."


def short_bio(guest):
    """A person in a few words, as text: their short biography, else the first words of their
    biography, read as the Markdown both are (a link keeps its words, not its address); ""
    when they have neither."""
    about = guest.bio_short or guest.bio or ""
    # Only the paragraphs that hold the first words are read.
    paragraphs, words = [], 0
    for paragraph in _PARAGRAPH_BREAK.split(about.strip()):
        paragraphs.append(paragraph)
        words += len(paragraph.split())
        if words > DESCRIPTION_WORDS:
            break
    text = html.unescape(markup.plain_text(markup.render_markdown("\n\n".join(paragraphs)))) if words else ""
    return Truncator(" ".join(text.split())).words(DESCRIPTION_WORDS)


def person_description(guest):
    about = short_bio(guest)
    if about:
        return about
    return f"{guest.name} on the {site.name()}: their episodes, with show notes and full transcripts."


def person_json_ld(request, guest, image_url, social_links):
    """A person's page as schema.org's ProfilePage about a Person."""
    person = {
        "@type": "Person",
        "name": guest.name,
        "url": request.build_absolute_uri(guest.get_absolute_url()),
        "description": person_description(guest),
    }
    if image_url:
        person["image"] = image_url
    if social_links:
        person["sameAs"] = [link.url for link in social_links]
    return script_json({"@context": "https://schema.org", "@type": "ProfilePage", "mainEntity": person})


def breadcrumbs_json_ld(request, trail):
    """schema.org's BreadcrumbList from the home page down: ``trail`` is (name, path) pairs after
    the home page, the last one the page itself."""
    steps = [(site.name(), reverse("episodes:home")), *trail]
    return script_json(
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": place, "name": name, "item": request.build_absolute_uri(path)}
                for place, (name, path) in enumerate(steps, start=1)
            ],
        }
    )


def episode_json_ld(request, episode, guests, image_url):
    data = {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": episode.title,
        "url": request.build_absolute_uri(episode.get_absolute_url()),
        "partOfSeries": {
            "@type": "PodcastSeries",
            "name": site.name(),
            "url": request.build_absolute_uri("/podcast/"),
        },
    }
    if episode.number is not None:
        data["episodeNumber"] = episode.number
    if episode.season is not None:
        data["partOfSeason"] = {"@type": "PodcastSeason", "seasonNumber": episode.season}
    description = episode_description(episode, guests)
    data["description"] = description
    published = episode.published_on
    if published:
        data["datePublished"] = published.isoformat()
    duration = episode.duration if parse_duration(episode.duration) is not None else ""
    if duration:
        data["timeRequired"] = duration
    if image_url:
        data["image"] = image_url
    if guests:
        data["actor"] = [
            {
                "@type": "Person",
                "name": guest.name,
                "url": request.build_absolute_uri(guest.get_absolute_url()),
            }
            for guest in guests
        ]
    if episode.youtube_id:
        data["associatedMedia"] = {
            "@type": "VideoObject",
            "name": episode.title,
            "embedUrl": links.youtube_embed_url(episode.youtube_id),
            "url": links.youtube_url(episode.youtube_id),
            "description": description,
        }
        if duration:
            data["associatedMedia"]["duration"] = duration
        if image_url:
            data["associatedMedia"]["thumbnailUrl"] = image_url
        if published:
            data["associatedMedia"]["uploadDate"] = published.isoformat()
    return script_json(data)
