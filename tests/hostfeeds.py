"""A podcast host's RSS feed, written the way Anchor (Spotify for Creators) writes one, for the
episodes of an archive on disk: what ``import_feed`` reads in production.

Items find their episodes in the ways real host feeds allow: most by the host's episode id in
the item's link (the one the files keep in ``ids.anchor``), some by a YouTube link in the
description only, some by their exact title only; and a trailer and two items without usable
audio match nothing.
"""

import datetime
import re
import uuid
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import yaml

from episodes.models import anchor_episode_id
from episodes.timecodes import parse_duration

SHOW = "https://podcasters.spotify.com/pod/show/datatalksclub"


@dataclass
class HostEpisode:
    slug: str
    title: str
    rule: str  # how its item finds it: "host id", "YouTube id" or "title"
    ambiguous: bool  # its host id is another file's too, so its item matches both
    url: str
    length: int
    duration: int
    released: datetime.datetime


def front_matter(path):
    text = Path(path).read_text(encoding="utf-8")
    return yaml.load(text.split("\n---", 1)[0].removeprefix("---\n"), Loader=yaml.CSafeLoader)


def episodes_of(root):
    """(slug, front matter) of the archive's published episodes, in file-name order."""
    for path in sorted(Path(root, "_podcast").glob("*.md")):
        if not path.name.startswith("_"):
            yield path.stem, front_matter(path)


def _rule(index, host_id, youtube):
    if index % 10 == 3 and youtube:
        return "YouTube id"
    if index % 10 == 7 or not (host_id or youtube):
        return "title"
    return "host id" if host_id else "YouTube id"


def plan(root):
    """What the host's feed holds for each published episode of the archive at ``root``.

    Where two files name one host id (a copy-paste slip the real archive has), the host has one
    item for it, which matches both files and is reported; the other file's own item, whose id
    no file names, is found by its YouTube id."""
    planned = []
    start = datetime.datetime(2020, 6, 1, 9, 30, tzinfo=datetime.UTC)
    files = list(episodes_of(root))
    host_ids = [anchor_episode_id(str((data.get("ids") or {}).get("anchor") or "")) for _, data in files]
    for index, (slug, data) in enumerate(files):
        ids = data.get("ids") or {}
        host_id = host_ids[index]
        youtube = str(ids.get("youtube") or "")
        youtube = "" if youtube == "TODO" else youtube
        shared = bool(host_id) and host_ids.count(host_id) > 1
        first = shared and host_ids.index(host_id) == index
        rule = "host id" if first else "YouTube id" if shared else _rule(index, host_id, youtube)
        planned.append(
            HostEpisode(
                slug=slug,
                title=str(data.get("title") or slug),
                rule=rule,
                ambiguous=first,
                url=f"https://anchor.fm/s/4d2a1f0c/podcast/play/{7000 + index}/"
                f"https%3A%2F%2Fd3ctxlq1ktw2nl.cloudfront.net%2Fstaging%2F{slug}.mp3",
                length=20_000_000 + index * 7919,
                duration=parse_duration(str(data.get("duration") or "")) or 1800 + index,
                released=start + datetime.timedelta(days=7 * index),
            )
        )
    return planned


def _item(episode, data):
    ids = data.get("ids") or {}
    # The id's last words, without the audio file's own id some of them carry ("/a-a4hlg3r").
    host_words = re.sub(r"/a-[0-9a-z]+/?$", "", str(ids.get("anchor") or "")).rsplit("/", 1)[-1]
    if episode.rule == "host id":
        link, title, description = f"{SHOW}/episodes/{host_words}", host_words.replace("-", " "), "<p>Listen.</p>"
    elif episode.rule == "YouTube id":
        watch = f"https://www.youtube.com/watch?v={ids['youtube']}"
        link, title, description = (
            SHOW,
            f"Episode {episode.slug}",
            f'<p>Also on YouTube: <a href="{watch}">{watch}</a></p>',
        )
    else:
        link, title, description = SHOW, episode.title, "<p>Listen.</p>"
    return item(
        title=title,
        link=link,
        guid=str(uuid.uuid5(uuid.NAMESPACE_URL, episode.url)),
        description=description,
        enclosure=f'<enclosure url={quoteattr(episode.url)} length="{episode.length}" type="audio/mpeg"/>',
        released=episode.released,
        duration=str(datetime.timedelta(seconds=episode.duration)),
    )


def item(title, link, guid, description, enclosure, released, duration):
    return f"""    <item>
      <title><![CDATA[{title}]]></title>
      <description><![CDATA[{description}]]></description>
      <link>{escape(link)}</link>
      <guid isPermaLink="false">{escape(guid)}</guid>
      <dc:creator><![CDATA[DataTalks.Club]]></dc:creator>
      <pubDate>{format_datetime(released, usegmt=True)}</pubDate>
      {enclosure}
      <itunes:explicit>false</itunes:explicit>
      <itunes:duration>{duration}</itunes:duration>
      <itunes:episodeType>full</itunes:episodeType>
    </item>
"""


# Items that are no episode of the archive, or carry no audio an app could play.
EXTRAS = [
    {
        "title": "Trailer: what this show is about",
        "link": f"{SHOW}/episodes/Trailer-e1a0000",
        "guid": "0f6b1d57-1c3a-4a8e-9a55-3e2d8c1b0a01",
        "description": "<p>Two minutes.</p>",
        "enclosure": '<enclosure url="https://anchor.fm/s/4d2a1f0c/podcast/play/1/trailer.mp3" '
        'length="1200000" type="audio/mpeg"/>',
        "released": datetime.datetime(2020, 5, 1, tzinfo=datetime.UTC),
        "duration": "00:02:00",
    },
    {
        "title": "A live stream with no recording",
        "link": f"{SHOW}/episodes/Live-e1b0000",
        "guid": "0f6b1d57-1c3a-4a8e-9a55-3e2d8c1b0a02",
        "description": "<p>Not recorded.</p>",
        "enclosure": "",
        "released": datetime.datetime(2020, 5, 2, tzinfo=datetime.UTC),
        "duration": "0",
    },
    {
        "title": "An item whose audio is not on the web",
        "link": f"{SHOW}/episodes/Elsewhere-e1c0000",
        "guid": "0f6b1d57-1c3a-4a8e-9a55-3e2d8c1b0a03",
        "description": "<p>Elsewhere.</p>",
        "enclosure": '<enclosure url="ftp://files.example.org/elsewhere.mp3" length="1" type="audio/mpeg"/>',
        "released": datetime.datetime(2020, 5, 3, tzinfo=datetime.UTC),
        "duration": "00:10:00",
    },
]


def anchor_feed(root, planned=None):
    """The host's RSS for the archive at ``root``, newest item first as hosts write them."""
    planned = plan(root) if planned is None else planned
    data = dict(episodes_of(root))
    items = [_item(episode, data[episode.slug]) for episode in reversed(planned)]
    items += [item(**extra) for extra in EXTRAS]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" \
xmlns:atom="http://www.w3.org/2005/Atom" version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" \
xmlns:anchor="https://anchor.fm/xmlns">
  <channel>
    <title><![CDATA[DataTalks.Club]]></title>
    <description><![CDATA[The podcast of a data community.]]></description>
    <link>{SHOW}</link>
    <generator>Anchor Podcasts</generator>
    <atom:link href="https://anchor.fm/s/4d2a1f0c/podcast/rss" rel="self" type="application/rss+xml"/>
    <language><![CDATA[en]]></language>
    <itunes:author>DataTalks.Club</itunes:author>
    <itunes:explicit>false</itunes:explicit>
{"".join(items)}  </channel>
</rss>
"""
