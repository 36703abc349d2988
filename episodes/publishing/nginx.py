"""nginx's configuration for the publish folder, from ``deploy/nginx.conf``: the headers a
published file goes out with are the ones the app sends with that page (its security headers,
its Content-Type, its Cache-Control), read from the app itself, so that the two never disagree."""

import os
import pwd
from string import Template

from django.conf import settings
from django.urls import reverse

from ..transcripts import FORMATS
from ..views import transcript_file_headers
from .pages import SHARED
from .render import Renderer

TEMPLATE = settings.BASE_DIR / "deploy" / "nginx.conf"
# The headers every public page carries whatever its content; the rest (ETag, Last-Modified,
# Content-Length, Content-Encoding) nginx makes for the file itself. Vary is the app's as it is: a
# cache in between keeps the visitors' page apart from staff's (Cookie), and the gzip copy apart
# from the page (Accept-Encoding). nginx's own (gzip_vary) would open each page's .gz file for
# every request, even one that does not take gzip, to find out whether to say it.
KEPT = (
    "Cache-Control",
    "Content-Security-Policy",
    "Cross-Origin-Opener-Policy",
    "Referrer-Policy",
    "Strict-Transport-Security",
    "Vary",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "X-Robots-Tag",
)
INDENT = " " * 12
KEY = "EPISODEKEY"  # stands for the episode's key in the app's headers, nginx's $key here


def _headers(headers):
    lines = [f"add_header {name} {_quoted(value)} always;" for name, value in headers.items()]
    return "\n".join(INDENT + line for line in lines)


def _quoted(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _location(match, content_type, headers):
    return (
        f"\n        location {match} {{\n{INDENT}try_files $uri @app;\n{INDENT}default_type {_quoted(content_type)};\n"
        f"{_headers(headers)}\n        }}"
    )


def _sent(response):
    return {name: response[name] for name in KEPT if name in response}


def _worker_user():
    """Started by root (as make serve is on a machine of one user), nginx hands its workers to
    ``nobody``, who cannot read a publish folder inside a private home and would send every page
    to the app; they keep the user who started nginx, as they do when anyone else starts it."""
    if os.geteuid() != 0:
        return "# workers: the user who starts nginx"
    return f"user {pwd.getpwuid(0).pw_name};"


def config(listen, app, run, publish_root=None, forwarded_proto="$scheme", access_log="off"):
    """The filled-in configuration: nginx on ``listen`` in front of the app at ``app``."""
    renderer = Renderer()
    home = renderer.response("/")
    page_headers = _sent(home)
    locations = []
    for name in SHARED[1:]:
        path = reverse(name)
        if path.endswith("/"):
            continue  # an HTML page: the location for every page
        response = renderer.response(path)
        locations.append(_location(f"= {path}", response["Content-Type"], _sent(response)))
    for rendering in FORMATS:
        # The transcript files with the app's own headers, the episode's key in the file name
        # being nginx's $key: a published file's key is a slug, which the app's rule leaves as it is.
        own = transcript_file_headers(KEY, rendering)
        headers = {**page_headers, **{name: value.replace(KEY, "$key") for name, value in own.items()}}
        pattern = "~ ^/podcast/(?<key>[^/]+)/" + rendering.filename.replace(".", "\\.") + "$"
        locations.append(_location(pattern, rendering.content_type, headers))
    values = {
        "RUN": str(run),
        "WORKER_USER": _worker_user(),
        "APP": app,
        "LISTEN": listen,
        "PUBLISH_ROOT": str(publish_root or settings.PODCAST_PUBLISH_ROOT),
        "SESSION_COOKIE": settings.SESSION_COOKIE_NAME,
        "FORWARDED_PROTO": forwarded_proto,
        "ACCESS_LOG": access_log,
        "HTML_TYPE": home["Content-Type"],
        "HTML_HEADERS": _headers(page_headers),
        "LOCATIONS": "\n".join(locations),
    }
    return Template(TEMPLATE.read_text()).safe_substitute(values)
