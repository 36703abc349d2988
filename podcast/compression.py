"""Responses in gzip for the clients that ask for it.

Public pages are compressed once, when the page cache stores them (``episodes.caching``), and
served from there as they are. Everything else that is text, the admin's pages and anything the
page cache did not store, is compressed on its way out by ``CompressionMiddleware``.

BREACH (guessing a secret in a compressed page from the page's size, by making the victim's
browser send requests that put guesses into the page) needs a secret and the attacker's text in
one response. The public pages have no secret to find: they are the same bytes for every visitor,
with no CSRF token, no session and nobody's name, so they are compressed without padding, and the
same page gives the same bytes on every app server. The admin's pages do hold secrets, their
CSRF tokens, but Django masks a token with new random bytes in every response, so that no two
responses hold the same token, and Django's ``GZipMiddleware`` pads every response it compresses
with a random number of bytes ("Heal the Breach"), which blurs the sizes the attack compares.
The session cookie travels in a header, which gzip does not touch.
"""

import gzip

from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

# Below this many bytes gzip's own header and trailer eat most of what it saves (Django's
# GZipMiddleware's limit too).
MIN_SIZE = 200
# A page is compressed once per content version and sent many times: the best compression is
# worth its time (for the largest episode page, about 4 ms instead of 3, and 2% smaller).
LEVEL = 9

_TEXT_TYPES = frozenset(
    {
        "application/javascript",
        "application/json",
        "application/x-subrip",
        "application/xml",
        "image/svg+xml",
    }
)


def is_text(content_type):
    """Whether a body of this Content-Type is worth compressing: text is, images and archives
    are compressed already."""
    kind = content_type.partition(";")[0].strip().lower()
    return kind.startswith(("text/", "application/json")) or kind in _TEXT_TYPES or kind.endswith(("+xml", "+json"))


def accepts_gzip(request):
    """Whether the client takes gzip: named in Accept-Encoding (``x-gzip`` is its old name), with
    no ``q=0``. A ``*`` alone gets the plain body, which every client takes."""
    header = request.META.get("HTTP_ACCEPT_ENCODING", "").lower()
    if "gzip" not in header:
        return False
    for part in header.split(","):
        coding, _, parameters = part.partition(";")
        if coding.strip() in ("gzip", "x-gzip"):
            return _quality(parameters) > 0
    return False


def _quality(parameters):
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0  # unreadable: the plain body is always right
    return 1.0


def gzip_body(content):
    """``content`` in gzip, the same bytes for the same content every time (no time, no name in
    the header): the ETag of a compressed page stays the ETag of those bytes."""
    return gzip.compress(content, compresslevel=LEVEL, mtime=0)


class CompressionMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for complete text responses only.

    A response already compressed (a cached page, or a static file WhiteNoise has in gzip or
    brotli) goes out as it is. Streams are left alone: the media files, which are images, and
    would lose their Content-Length. Clients that ask for gzip with ``q=0`` get the plain body,
    which Django's own test of the header would not give them."""

    def process_response(self, request, response):
        if (
            response.streaming
            or response.has_header("Content-Encoding")
            or not is_text(response.get("Content-Type", ""))
        ):
            return response
        if accepts_gzip(request):
            return super().process_response(request, response)
        if "accept-encoding" not in response.get("Vary", "").lower() and len(response.content) >= MIN_SIZE:
            patch_vary_headers(response, ("Accept-Encoding",))
        return response
