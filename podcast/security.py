"""Response headers Django 5.2 does not set itself, requests no page can take, and the client
address behind a proxy."""

from django.conf import settings
from django.http import HttpResponseBadRequest

NUL = "\x00"


class RefuseNulMiddleware:
    """A NUL character in the path, a query parameter or a posted field is refused with 400.

    No page has a use for one, and PostgreSQL refuses it in any text ("A string literal cannot
    contain NUL (0x00) characters"): wherever such a value reached a query (a search, an episode's
    key, the admin's lists and autocomplete) the answer was a 500. Refused here, first, it is
    refused everywhere and on both databases alike.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = _nul_in(request)
        if where:
            response = HttpResponseBadRequest(
                f"The request holds a NUL character (%00) in {where}, which no page accepts; remove it and "
                "try again.\n",
                content_type="text/plain; charset=utf-8",
            )
            # Sent before the middleware that would add it.
            response["X-Content-Type-Options"] = "nosniff"
            return response
        return self.get_response(request)


# The media types a file under /media/ is shown as; anything else there is a download. The
# admin accepts uploads of these kinds only (episodes.images).
SHOWN_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def _nul_in(request):
    """Where the request holds a NUL (words for the message), or ""."""
    if NUL in request.path:
        return "its address"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return "the query parameter " + _printable(name)
    if request.method == "POST":
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in value for value in values):
                return "the field " + _printable(name)
        for name, uploads in request.FILES.lists():
            if NUL in name or any(NUL in (upload.name or "") for upload in uploads):
                return "the file field " + _printable(name)
    return ""


def _printable(name):
    return repr(name.replace(NUL, "%00")[:100])


# The directives a browser reads from default-src when the policy leaves them out.
FALLS_BACK = {"script-src", "style-src", "img-src", "media-src", "font-src", "connect-src", "frame-src"}


def _policy(directives):
    """The header's text. A directive that says what default-src says is left out: the same
    policy in fewer bytes, which go out with every page."""
    default = directives.get("default-src")
    return "; ".join(
        f"{name} {' '.join(sources)}"
        for name, sources in directives.items()
        if not (name in FALLS_BACK and sources == default)
    )


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy allowing only what the pages use.

    The public site runs its own scripts (static/embed-player.js and static/transcript-player.js,
    the episode page's player and transcript tools), never an inline or a third-party one, and
    frames only the player's origin (``PODCAST_EMBED_ORIGIN``, YouTube's privacy-enhanced embed).
    The admin runs
    its own scripts from our static files; its templates put ``style`` attributes on elements, so
    it allows inline styles but never inline scripts; it frames the same player, beside the
    transcript editor.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.common = {
            "default-src": ["'self'"],
            "img-src": ["'self'", *settings.CSP_MEDIA_SOURCES],
            "media-src": ["'self'", *settings.CSP_MEDIA_SOURCES],
            "object-src": ["'none'"],
            "base-uri": ["'none'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        }
        self.publics = {}  # the public policy by the player's origin, read at each request
        self.admins = {}  # the admin's, likewise

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path.startswith("/admin/")
            response["Content-Security-Policy"] = self.admin() if admin else self.public()
        return response

    def admin(self):
        origin = settings.PODCAST_EMBED_ORIGIN
        if origin not in self.admins:
            self.admins[origin] = _policy(
                {
                    **self.common,
                    "img-src": [*self.common["img-src"], "data:"],
                    # django-import-export's export page has one inline handler; allowed by its hash.
                    "script-src": [
                        "'self'",
                        "'unsafe-hashes'",
                        "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='",
                    ],
                    "style-src": ["'self'", "'unsafe-inline'"],
                    # The transcript editor's player, the episode page's embed.
                    "frame-src": [origin],
                }
            )
        return self.admins[origin]

    def public(self):
        origin = settings.PODCAST_EMBED_ORIGIN
        if origin not in self.publics:
            self.publics[origin] = _policy(
                {**self.common, "script-src": ["'self'"], "style-src": ["'self'"], "frame-src": [origin]}
            )
        return self.publics[origin]


# A media file is shown by the browser as what it is, never sniffed into a page; anything that is
# not an image is downloaded, and even opened it can run nothing and load nothing.
MEDIA_POLICY = "default-src 'none'; sandbox"


def media_headers(response):
    """The headers of a media file answered by the app (the front server sends the same ones:
    docs/deploy.md)."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_POLICY
    # A 304 has no Content-Type, and its headers replace the cached ones: it says nothing more.
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if response.status_code == 200 and content_type not in SHOWN_MEDIA_TYPES:
        # Django's FileResponse says "inline; filename=..."; the file's name is kept.
        disposition = response.get("Content-Disposition", "")
        if disposition.startswith("inline"):
            response["Content-Disposition"] = "attachment" + disposition[len("inline") :]
        elif not disposition.startswith("attachment"):
            response["Content-Disposition"] = "attachment"
    return response


def client_ip(request):
    """The visitor's address for the login throttle. Behind ``TRUSTED_PROXIES`` reverse proxies,
    it is the address the nearest of them saw in X-Forwarded-For; a client can prepend anything
    to that header, but not past the proxies we run."""
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
