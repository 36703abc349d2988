"""Media files (covers and portraits) answered by the app itself, with ``SERVE_MEDIA`` on: one
machine, no front server for them.

Each answer says how long it may be kept (``MEDIA_CACHE_SECONDS``) and carries the file's time
and an ETag from its time and size, so that a browser asking again after that gets a 304 and no
body, whether it asks by ETag or by date. The ETag is made from the file alone, so every worker
gives the same one. The headers that stop a file from acting as a page of the site are
``security.media_headers``'s.
"""

import posixpath
import stat
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from .security import media_headers


@require_safe
def serve_media(request, path, document_root):
    # As django.views.static.serve finds the file: no way out of the folder, no folder listing.
    full = Path(safe_join(document_root, posixpath.normpath(path).lstrip("/")))
    try:
        info = full.stat()
    except (OSError, ValueError):
        raise Http404("No such file.") from None
    if not stat.S_ISREG(info.st_mode):
        raise Http404("No such file.")
    etag = f'"{info.st_mtime_ns:x}-{info.st_size:x}"'
    last_modified = int(info.st_mtime)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        # The Content-Type from the name alone (a .gz file is application/gzip, to download).
        response = FileResponse(full.open("rb"))
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=settings.MEDIA_CACHE_SECONDS)
    return media_headers(response)
