"""Addresses that lead off the site: the one place that turns stored values into links.

Archive files hold handles (``linkedin: nipun-singh``), bare hosts (``web: www.example.com``) and,
now and then, a whole address where a handle belongs. Every value passes through here before it
becomes an ``href``, so a value with another scheme (``javascript:``, ``data:``) never does.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings

YOUTUBE_WATCH = "https://www.youtube.com/watch"
# What the files write for a link or an id still to find.
TODO = "TODO"


_HOST = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# The usual address, which the rule below accepts, recognised at once (an import checks thousands).
_PLAIN = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#][^\x00-\x20\x7f]*)?")


def external_url(value):
    """The http(s) address ``value`` stands for, or "" when it is not one: the one rule for what
    counts as a link, which the import, the admin's forms and the pages all apply.

    A bare host such as ``www.example.com`` is how people write their website, and is linked as
    https. Anything with another scheme, any space or control character, a user name, or a host
    without a dot is refused."""
    if not isinstance(value, str) or not value:
        return ""
    if _PLAIN.fullmatch(value) and value.isascii():
        return value
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        return ""
    if "://" not in value:
        if ":" in value.split("/", 1)[0] or value.startswith(("/", "\\")):
            return ""
        value = "https://" + value
    try:
        parts = urlsplit(value)
        port = parts.port  # a port that is not a number is refused here
    except ValueError:
        return ""
    del port
    if parts.scheme.lower() not in ("http", "https") or parts.username is not None:
        return ""
    if not _HOST.match(parts.hostname or ""):
        return ""
    return value


def is_url(value):
    """Whether ``value`` is a link by ``external_url``'s rule."""
    return bool(external_url(value))


def known_youtube_id(value):
    """The video's id, or "" for none: the files write ``TODO`` for a video still to find."""
    return value if isinstance(value, str) and value and value != TODO else ""


def youtube_url(video_id, seconds=None):
    """The video on YouTube, at ``seconds`` when given (``t=<sec>``, as the archive writes it)."""
    if not video_id:
        return ""
    query = {"v": video_id}
    if seconds is not None:
        query["t"] = int(seconds)
    return f"{YOUTUBE_WATCH}?{urlencode(query)}"


def youtube_embed_url(video_id):
    """The privacy-enhanced player (no cookies until the visitor presses play), from the origin
    ``PODCAST_EMBED_ORIGIN`` names."""
    return f"{settings.PODCAST_EMBED_ORIGIN}/embed/{quote(video_id, safe='')}" if video_id else ""


def player_url(video_id, page_origin):
    """The player as the episode page frames it: its postMessage interface on (``enablejsapi``),
    answering this page's origin only, playing in the page on a phone rather than full screen."""
    if not video_id:
        return ""
    query = urlencode({"enablejsapi": 1, "origin": page_origin, "playsinline": 1, "rel": 0})
    return f"{youtube_embed_url(video_id)}?{query}"


@dataclass(frozen=True)
class Profile:
    """A network a person can be found on, and how a handle there becomes an address."""

    field: str
    label: str
    base: str
    hosts: tuple

    def url(self, handle):
        handle = (handle or "").strip()
        if not handle:
            return ""
        if "://" in handle:
            # Some files hold the whole address where a handle belongs; keep it only when it
            # points where the label says it does.
            url = external_url(handle)
            host = (urlsplit(url).hostname or "").lower() if url else ""
            return url if any(host == h or host.endswith("." + h) for h in self.hosts) else ""
        handle = handle.lstrip("@").strip("/")
        return self.base + quote(handle, safe="/-_.~") if handle else ""


PROFILES = (
    Profile("linkedin", "LinkedIn", "https://www.linkedin.com/in/", ("linkedin.com",)),
    Profile("twitter", "Twitter/X", "https://twitter.com/", ("twitter.com", "x.com")),
    Profile("github", "GitHub", "https://github.com/", ("github.com",)),
)


@dataclass(frozen=True)
class SocialLink:
    label: str
    url: str
    text: str


def social_links(guest):
    """The person's profiles elsewhere, in a fixed order, each with a label and a visible text."""
    links = []
    for profile in PROFILES:
        handle = getattr(guest, profile.field, "")
        url = profile.url(handle)
        if url:
            links.append(SocialLink(profile.label, url, handle.strip()))
    web = external_url(getattr(guest, "web", ""))
    if web:
        shown = urlsplit(web)
        links.append(SocialLink("Website", web, (shown.netloc + shown.path).rstrip("/")))
    return links
