"""A public address rendered as a visitor gets it: a request with no cookie that takes gzip,
through the project's own URLs and middleware (no test client, no network), so the bytes are the
bytes the app serves."""

import gzip
import io
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest

PAGE, GONE, FAILED = "page", "gone", "failed"
# Marks the requests made here: the app logs every 404 it answers, and publishing asks for every
# address a page might have (a transcript's chapters, a removed episode's old key) to know.
MARK = "podcast.publishing"
# What the app answers for an address that is no page now: nginx leaves those to the app.
NO_PAGE = frozenset({301, 302, 307, 308, 404, 410})


@dataclass
class Render:
    path: str
    outcome: str  # PAGE (write it), GONE (remove it), FAILED (leave the file as it is)
    plain: bytes = b""
    packed: bytes | None = None  # the gzip copy the app sends, if it sends one
    content_type: str = ""
    status: int = 0


def origin():
    """The public site's scheme and host, which the pages' absolute addresses name."""
    parts = urlsplit(settings.PODCAST_PUBLISH_ORIGIN)
    return parts.scheme or "http", parts.netloc or "localhost"


class Renderer:
    def __init__(self):
        self.handler = BaseHandler()
        self.handler.load_middleware()
        self.scheme, self.host = origin()

    def environ(self, path):
        host, _, port = self.host.partition(":")
        secure = self.scheme == "https"
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": host,
            "SERVER_PORT": port or ("443" if secure else "80"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": self.host,
            "HTTP_ACCEPT_ENCODING": "gzip",
            # As the TLS proxy in front says it (settings.SECURE_PROXY_SSL_HEADER).
            "HTTP_X_FORWARDED_PROTO": self.scheme,
            "wsgi.url_scheme": self.scheme,
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": io.StringIO(),
            MARK: True,
        }

    def response(self, path):
        """The app's response to a visitor's GET of ``path``."""
        return self.handler.get_response(WSGIRequest(self.environ(path)))

    def render(self, path):
        # Not closed: closing a response sends request_finished, which would close the database
        # connection of the request that published (a complete response holds nothing to free).
        return self._outcome(path, self.response(path))

    @staticmethod
    def _outcome(path, response):
        status = response.status_code
        if status in NO_PAGE or (status == 200 and "private" in response.get("Cache-Control", "")):
            return Render(path, GONE, status=status)
        if status != 200 or response.streaming:
            return Render(path, FAILED, status=status)
        body = response.content
        packed = None
        if response.get("Content-Encoding") == "gzip":
            packed, body = body, gzip.decompress(body)
        return Render(
            path,
            PAGE,
            plain=body,
            packed=packed,
            content_type=response.get("Content-Type", ""),
            status=status,
        )


def _not_our_404(record):
    request = getattr(record, "request", None)
    return not (getattr(request, "META", {}).get(MARK) and getattr(record, "status_code", 500) < 500)


logging.getLogger("django.request").addFilter(_not_our_404)
