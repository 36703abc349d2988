"""What an episode page tells machines: schema.org JSON-LD and OpenGraph tags."""

import json

from django.utils.safestring import mark_safe

from . import links, site
from .timecodes import parse_duration

# json.dumps leaves these as they are; inside a <script> element they could end it early.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def script_json(data):
    """JSON to put inside <script type="application/ld+json">, safe whatever strings it holds."""
    return mark_safe(json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_SCRIPT_ESCAPES))


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
    description = episode.summary
    if description:
        data["description"] = description
    published = episode.published_on
    if published:
        data["datePublished"] = published.isoformat()
    if parse_duration(episode.duration) is not None:
        data["timeRequired"] = episode.duration
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
        }
        if image_url:
            data["associatedMedia"]["thumbnailUrl"] = image_url
        if published:
            data["associatedMedia"]["uploadDate"] = published.isoformat()
    return script_json(data)
