"""The images editors upload (an episode's cover, a person's picture), accepted for what the file
is, not for its name.

Media is served from the site's own origin, where an HTML or SVG file would run as the site
itself. So an upload is accepted only when its first bytes are those of a JPEG, PNG, GIF or WebP
image, and when its name's extension says the same kind: the name decides the Content-Type it is
served with. Files the import copies from the archive are not checked here; they come from git.
"""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from podcast.security import SHOWN_MEDIA_TYPES


class Kind:
    def __init__(self, name, content_type, extensions, signatures):
        self.name = name
        self.content_type = content_type
        self.extensions = extensions
        self.signatures = signatures  # (offset, bytes) that must all be there

    def matches(self, head):
        return all(head[offset : offset + len(expected)] == expected for offset, expected in self.signatures)


KINDS = (
    Kind("JPEG", "image/jpeg", (".jpg", ".jpeg"), ((0, b"\xff\xd8\xff"),)),
    Kind("PNG", "image/png", (".png",), ((0, b"\x89PNG\r\n\x1a\n"),)),
    Kind("GIF", "image/gif", (".gif",), ((0, b"GIF8"), (5, b"a"))),
    Kind("WebP", "image/webp", (".webp",), ((0, b"RIFF"), (8, b"WEBP"))),
)
CONTENT_TYPES = frozenset(kind.content_type for kind in KINDS)
assert CONTENT_TYPES == SHOWN_MEDIA_TYPES, "media shows exactly the kinds an upload may be"
HEAD_BYTES = 16


def kind_of(head):
    """The image kind whose signature ``head`` (the file's first bytes) starts with, or None."""
    return next((kind for kind in KINDS if kind.matches(head)), None)


def _head(upload):
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


@deconstructible
class ImageFile:
    """A model field's validator: the file uploaded into it is an image of the kind its name says."""

    def __init__(self, label):
        self.label = label

    def __call__(self, value):
        # A file already in storage (saved before, or set by the import) was accepted when it
        # came in; only a new upload is read.
        if getattr(value, "_committed", False):
            return
        upload = getattr(value, "file", value)
        name = PurePath(value.name or "").name
        kind = kind_of(_head(upload))
        if kind is None:
            raise ValidationError(
                f"The {self.label} must be a JPEG, PNG, GIF or WebP image; “{name}” is not one.", code="not_an_image"
            )
        if PurePath(name).suffix.lower() not in kind.extensions:
            raise ValidationError(
                f"The {self.label} “{name}” is a {kind.name} image; give it a name ending in "
                f"{' or '.join(kind.extensions)}.",
                code="wrong_extension",
            )

    def __eq__(self, other):
        return isinstance(other, ImageFile) and other.label == self.label

    def __hash__(self):
        return hash(self.label)
